/**
 * SageMaker Studio in VpcOnly mode on the workload subnets of every AZ, with one security group
 * per user profile.
 *
 * Isolation (the seed's VPC-only guidance): "create a distinct security group for each user
 * profile and add inbound access from that same security group; do not reuse a domain-level
 * security group" that admits itself, or every app in the domain could reach every other user's
 * apps without authentication. So:
 * - each profile's group admits TCP only from itself (JupyterServer <-> KernelGateway need
 *   8192-65535 within the group; we allow all TCP within it) and may send TCP to itself;
 * - the domain-level group (used only where no profile group applies) admits nothing;
 * - all groups may send HTTPS/HTTP out: to the VPC endpoints, and to the internet, which only
 *   happens through the NAT gateway and the firewall's domain allowlist.
 * SageMaker adds its own NFS security groups for the home EFS volume.
 */
import { Construct } from "constructs";
import { SagemakerDomain } from "@cdktf/provider-aws/lib/sagemaker-domain";
import { SagemakerUserProfile } from "@cdktf/provider-aws/lib/sagemaker-user-profile";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { EndpointClients } from "../endpoints/endpoint-clients";
import { privateGroup } from "./private-group";
import { allowWebEgress } from "./web-egress";

export interface StudioDomainProps {
  /** The domain's name (1-63 of letters, digits, hyphens; unique per account and region). Default `namePrefix`. */
  readonly domainName?: string;
  /** Prefix of the security groups' names (`<namePrefix>-domain`, `<namePrefix>-user-<profile>`). Required. */
  readonly namePrefix: string;
  /** The VPC the domain's apps run in (VpcOnly: no SageMaker-managed internet access). Required. */
  readonly vpcId: string;
  /** The workload subnet of every AZ. Required. */
  readonly subnetIds: ReadonlyArray<string>;
  /** Customer key for the home EFS volume and the apps' EBS volumes. Required. */
  readonly kmsKeyArn: string;
  /** The domain's default execution role (default user and shared-space settings). Required. */
  readonly executionRoleArn: string;
  /**
   * Each user profile's own execution role, so one user's apps cannot manage another's (see
   * studioStatements). Default: every profile uses `executionRoleArn`.
   */
  readonly executionRoleArnOf?: (profile: string) => string;
  /**
   * User profile names (1-63 of letters, digits, hyphens), each with its own security group.
   * Default: none (profiles can be added later without replacing the domain).
   */
  readonly userProfiles?: ReadonlyArray<string>;
  /**
   * A JupyterLab lifecycle configuration every app and space runs by default (e.g. trusting a CA).
   * Default: none. Set only when the domain is created: a later change stops the plan with the
   * procedure (see StudioDomain).
   */
  readonly jupyterLabLifecycleConfig?: DomainLifecycleConfig;
  /**
   * Each user profile's own JupyterLab lifecycle config (its ARN), the one its apps run by default
   * and the only one they may choose: a profile's JupyterLab settings replace the domain's, so it
   * must do everything the domain's would (e.g. trust the CA) as well as its own. Profiles are
   * updated with UpdateUserProfile, which provider issue #45528 does not affect. Default: none
   * (the domain's defaults apply).
   */
  readonly jupyterLabLifecycleConfigArnOf?: (profile: string) => string | undefined;
  /**
   * Each user profile's own Code Editor lifecycle config (its ARN; app type CodeEditor), the one its
   * Code Editor apps run by default and the only one they may choose, for the same reasons as
   * jupyterLabLifecycleConfigArnOf. Default: none.
   */
  readonly codeEditorLifecycleConfigArnOf?: (profile: string) => string | undefined;
  /**
   * The interface endpoints, told to admit HTTPS from every group made here: ServiceEndpoints in
   * the same stack, an EndpointIngress in another. Required (without it the apps cannot reach AWS
   * APIs).
   */
  readonly endpoints: EndpointClients;
}

/** A Studio lifecycle configuration the domain runs by default, as the domain and its plan-time check need it. */
export interface DomainLifecycleConfig {
  /** Its ARN as Terraform knows it (the resource's `arn`): what the domain is created with. Required. */
  readonly arn: string;
  /**
   * Its name, known at plan time: the last part of its ARN, what the deployed domain's defaults are
   * compared with. Required. Give each content its own name: AWS cannot update a lifecycle
   * configuration, and refuses to delete one a domain still names.
   */
  readonly name: string;
  /** Its ARN built from account, region and name (known at plan time), for the `aws sagemaker update-domain` command the check prints. Required. */
  readonly knownArn: string;
  /** The command that creates it alone (a `terraform apply -target=...`), for the same procedure. Required. */
  readonly createCommand: string;
}

/** The image fields AWS fills next to a default lifecycle config (provider issue #39894). */
export const IMAGE_FIELDS_AWS_FILLS: ReadonlyArray<string> = ["sagemaker_image_arn", "sagemaker_image_version_alias", "sagemaker_image_version_arn"];

/**
 * One user profile of the domain and its own security group (TCP only within the group; HTTPS
 * out; registered with the endpoints). Created by StudioDomain for each of `userProfiles`.
 */
export class UserProfileGroup extends Construct {
  /** The profile's own security group: its apps reach each other, nobody else's. */
  readonly securityGroup: SecurityGroup;
  readonly profile: SagemakerUserProfile;

  /** `name` is the profile's name (and the construct's id); `domainId` the domain it belongs to. */
  constructor(scope: Construct, name: string, props: StudioDomainProps, domainId: string) {
    super(scope, name);
    this.securityGroup = privateGroup(this, "security-group", {
      name: `${props.namePrefix}-user-${name}`,
      description: `Studio apps of user profile ${name}: reachable only from its own apps`,
      vpcId: props.vpcId,
      selfTraffic: `TCP between ${name}'s own Studio apps (JupyterServer and KernelGateway)`,
      endpoints: props.endpoints,
      endpointClientId: `studio-user-${name}`,
    });

    const lc = props.jupyterLabLifecycleConfigArnOf?.(name);
    const ce = props.codeEditorLifecycleConfigArnOf?.(name);
    // The lifecycle config is both the default and the only allowed one, per app type.
    const settings = (arn: string) => ({ lifecycleConfigArns: [arn], defaultResourceSpec: { lifecycleConfigArn: arn } });
    // AWS fills the image of a default resource spec that names only a lifecycle config
    // (provider issue #39894; the provider's user_profile.go has these fields Optional, not
    // Computed), which would plan an update after every apply. Code Editor's default resource spec
    // is the same ResourceSpec type in the API, with the same three fields, Optional only in
    // 5.100.0's schema (`terraform providers schema -json`): ignored likewise. We set none of
    // them, so ignoring exactly these hides nothing configured; the provider sends the stored
    // values back on update.
    const filled = [...(lc ? ["jupyter_lab_app_settings"] : []), ...(ce ? ["code_editor_app_settings"] : [])].flatMap((block) =>
      IMAGE_FIELDS_AWS_FILLS.map((f) => `user_settings[0].${block}[0].default_resource_spec[0].${f}`),
    );
    this.profile = new SagemakerUserProfile(this, "profile", {
      domainId,
      userProfileName: name,
      userSettings: {
        executionRole: props.executionRoleArnOf?.(name) ?? props.executionRoleArn,
        securityGroups: [this.securityGroup.id],
        ...(lc ? { jupyterLabAppSettings: settings(lc) } : {}),
        ...(ce ? { codeEditorAppSettings: settings(ce) } : {}),
      },
      ...(filled.length > 0 ? { lifecycle: { ignoreChanges: filled } } : {}),
    });
  }
}

export class StudioDomain extends Construct {
  readonly domain: SagemakerDomain;
  readonly domainSecurityGroup: SecurityGroup;
  /** Keyed by profile name. */
  readonly userProfiles: Readonly<Record<string, UserProfileGroup>>;

  constructor(scope: Construct, id: string, props: StudioDomainProps) {
    super(scope, id);

    this.domainSecurityGroup = new SecurityGroup(this, "domain-security-group", {
      name: `${props.namePrefix}-domain`,
      description: "Studio domain default: no inbound; outbound web only (user profiles have their own groups)",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-domain` },
    });
    allowWebEgress(this, this.domainSecurityGroup);
    props.endpoints.allowHttpsFrom("studio-domain", this.domainSecurityGroup.id, "HTTPS from the Studio domain default security group");

    const lc = props.jupyterLabLifecycleConfig;
    const jupyterLab = lc ? { jupyterLabAppSettings: { lifecycleConfigArns: [lc.arn], defaultResourceSpec: { lifecycleConfigArn: lc.arn } } } : {};
    this.domain = new SagemakerDomain(this, "domain", {
      domainName: props.domainName ?? props.namePrefix,
      authMode: "IAM",
      appNetworkAccessType: "VpcOnly",
      vpcId: props.vpcId,
      subnetIds: [...props.subnetIds],
      kmsKeyId: props.kmsKeyArn,
      defaultUserSettings: {
        executionRole: props.executionRoleArn,
        securityGroups: [this.domainSecurityGroup.id],
        ...jupyterLab,
      },
      defaultSpaceSettings: {
        executionRole: props.executionRoleArn,
        securityGroups: [this.domainSecurityGroup.id],
        ...jupyterLab,
      },
      // Users' home directories survive a destroy or a replacement of the domain.
      retentionPolicy: { homeEfsFileSystem: "Retain" },
      lifecycle: {
        // hashicorp/aws 5.100.0 cannot update this domain at all: its UpdateDomain always sends
        // AppNetworkAccessType=VpcOnly without VpcId and SubnetIds, which AWS refuses ("VpcId and
        // Subnet IDs are required for updating domains to VpcOnly mode", provider issue #45528;
        // internal/service/sagemaker/domain.go, resourceDomainUpdate: any change but tags). So no
        // change the config allows may plan an update of it (terraform.real-plan checks each):
        // - subnet_ids: also ForceNew (#48778), a new AZ would replace the domain and its
        //   profiles. Extend the subnets with `aws sagemaker update-domain` (docs/operations.md, "Add an AZ").
        // - the JupyterLab defaults: set at creation only. AWS fills image fields next to a lifecycle
        //   config (sagemaker_image_arn, sagemaker_image_version_alias: #39894), which would plan an
        //   update after every apply; and a new lifecycle config could not be applied anyway. The
        //   postcondition below holds the deployed lifecycle config to the configured one instead.
        ignoreChanges: ["subnet_ids", "default_user_settings[0].jupyter_lab_app_settings", "default_space_settings[0].jupyter_lab_app_settings"],
        postcondition: [lifecycleConfigCheck(lc)],
      },
    });

    const profiles: Record<string, UserProfileGroup> = {};
    for (const name of props.userProfiles ?? []) profiles[name] = new UserProfileGroup(this, name, props, this.domain.id);
    this.userProfiles = profiles;
  }
}

/** The names of the lifecycle configs in `field` of each JupyterLab settings block of `settings` (a list of settings blocks). */
function deployedNames(settings: string, field: "arns" | "default"): string {
  const labs = `flatten([for s in ${settings} : s.jupyter_lab_app_settings])`;
  const arns =
    field === "arns"
      ? `flatten([for j in ${labs} : j.lifecycle_config_arns == null ? [] : tolist(j.lifecycle_config_arns)])`
      : `flatten([for j in ${labs} : [for r in j.default_resource_spec : r.lifecycle_config_arn if r.lifecycle_config_arn != null && r.lifecycle_config_arn != ""]])`;
  // The name is the ARN's last part; AWS may lower-case it in ARNs.
  return `sort(distinct([for a in ${arns} : lower(replace(a, "/^.*//", ""))]))`;
}

/**
 * A postcondition on the domain: its default JupyterLab lifecycle config (users' and spaces',
 * both the allowed list and the default) is the configured one, or none when none is configured.
 * The domain ignores changes there (provider 5.100.0 cannot update a VpcOnly domain), so without
 * this a changed config (TLS inspection turned on or off, a new CA) would plan nothing and the
 * apps would silently keep the old one; with it the plan stops and says what to run. Known at plan
 * time from the state and the configured name; on a first deploy the ARN is known only after
 * apply, where it is checked.
 */
function lifecycleConfigCheck(lc: DomainLifecycleConfig | undefined): { condition: string; errorMessage: string } {
  const wanted = lc ? `["${lc.name.toLowerCase()}"]` : "[]";
  const scopes = ["[self.default_user_settings[0]]", "self.default_space_settings"];
  const checks = scopes.flatMap((s) => (["arns", "default"] as const).map((f) => `jsonencode(${deployedNames(s, f)}) == jsonencode(${wanted})`));
  const deployed = `\${jsonencode(${deployedNames("concat([self.default_user_settings[0]], self.default_space_settings)", "arns")})}`;
  const settings = lc
    ? `'{"JupyterLabAppSettings":{"DefaultResourceSpec":{"LifecycleConfigArn":"${lc.knownArn}"},"LifecycleConfigArns":["${lc.knownArn}"]}}'`
    : `'{"JupyterLabAppSettings":{"DefaultResourceSpec":{},"LifecycleConfigArns":[]}}'`;
  const steps = [
    ...(lc ? [`create the new lifecycle config alone: ${lc.createCommand}`] : []),
    `if a lifecycle config is replaced or removed, users stop their JupyterLab spaces (AWS refuses to delete one a running app uses)`,
    `aws sagemaker update-domain --domain-id \${self.id} --default-user-settings ${settings} --default-space-settings ${settings}`,
    `check with aws sagemaker describe-domain --domain-id \${self.id} --query "[DefaultUserSettings.JupyterLabAppSettings,DefaultSpaceSettings.JupyterLabAppSettings]"`,
    `deploy again (it deletes any old lifecycle config)`,
  ];
  return {
    condition: `\${${checks.join(" && ")}}`,
    errorMessage:
      `Studio domain \${self.id} runs the JupyterLab lifecycle config(s) ${deployed} by default, but the configuration wants ${lc ? `"${lc.name}"` : "none"} ` +
      `(firewall.tlsInspection turned on or off, or its CA changed). hashicorp/aws 5.100.0 cannot update a VpcOnly domain (provider issue #45528), so this plan changes nothing. ` +
      `Instead: ${steps.map((s, i) => `(${i + 1}) ${s}`).join("; ")}. docs/provider-limitations.md.`,
  };
}
