/**
 * `<environment>-studio`: the SageMaker Studio domain (VpcOnly, on every AZ's workload subnet),
 * its user profiles, and the execution role whose policy names the domain's apps and spaces and
 * lets it run jobs inside the VPC only. Its data (data and models buckets, the home EFS's key)
 * lives in the network stack, so destroying this stack never touches it.
 */
import { createHash } from "node:crypto";
import { Annotations, TerraformOutput } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { stackName, studioDomainName, userExecutionRoleName } from "../modules/config/naming";
import { addressesOf, jobPolicyParts, ownerTagOptOutWarning, SageMakerExecutionRole, sageMakerReadStatements, studioStatements, workloadStatements } from "../modules/sagemaker/execution-role";
import { imageRegistryAccounts } from "../modules/sagemaker/image-registries";
import { StudioDomain } from "../modules/sagemaker/studio-domain";
import { presignedUrlPolicy } from "../modules/sagemaker/studio-access";
import { LIFECYCLE_SCRIPT_MAX_BASE64, trustedCaScript } from "../modules/sagemaker/trusted-ca";
import { sdkDefaultsAsStudioUser } from "../modules/sagemaker/sdk-defaults";
import { SagemakerStudioLifecycleConfig } from "@cdktf/provider-aws/lib/sagemaker-studio-lifecycle-config";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { sageMakerUiEndpoint } from "../modules/endpoints/service-endpoints";
import { DnsAllowance, studioUiNames } from "../modules/network/dns-firewall";
import { NetworkStack, SAGEMAKER_VOLUME_SERVICES, uiEndpointWarning } from "./network-stack";
import { WorkloadStack } from "./workload";

export function studioStackName(env: Pick<EnvironmentConfig, "environment">): string {
  return stackName(env, "studio");
}

export class StudioStack extends WorkloadStack {
  readonly studio: StudioDomain;
  /** The `studio` interface endpoint (admits this domain only), with studio.uiEndpoint. */
  readonly studioEndpoint?: VpcEndpoint;
  /** With studio.uiEndpoint: the DNS firewall group that lets this domain's Studio names resolve. */
  readonly studioDnsNames?: DnsAllowance;
  /** Each user profile's own execution role, by profile name. */
  readonly userRoles: Readonly<Record<string, SageMakerExecutionRole>>;
  /** Each user profile's own JupyterLab lifecycle config (the SDK's owner tag, and the CA with TLS inspection), by profile name. */
  readonly userLifecycleConfigs: Readonly<Record<string, SagemakerStudioLifecycleConfig>>;
  /** Each user profile's own Code Editor lifecycle config (the same script, app type CodeEditor), by profile name. */
  readonly userCodeEditorLifecycleConfigs: Readonly<Record<string, SagemakerStudioLifecycleConfig>>;

  constructor(network: NetworkStack, env: EnvironmentConfig) {
    super(network, env, "studio", {
      roleDescription: `SageMaker Studio execution role of ${env.projectName}-${env.environment}`,
      availabilityZones: env.availabilityZones,
      buckets: ["data", "models"],
      keys: ["s3", "studio_storage"],
    });
    const { account, contract, role } = this;
    const storageKeyArn = contract.keyArn("studio_storage");
    const subnetIds = env.availabilityZones.map((az) => contract.workloadSubnetId(az));

    // One execution role per user profile: a user's apps act as that user's role, which may manage
    // only that user's apps and spaces (the shared default role only shared spaces).
    const userRoles: Record<string, SageMakerExecutionRole> = {};
    for (const profile of env.studio.userProfiles) {
      userRoles[profile] = new SageMakerExecutionRole(this, `user-role-${profile}`, {
        account,
        roleName: userExecutionRoleName(env, profile),
        description: `SageMaker Studio execution role of user profile ${profile} (${env.projectName}-${env.environment})`,
        tags: { UserProfile: profile },
      });
    }
    this.userRoles = userRoles;

    // With TLS inspection, every JupyterLab app must trust the firewall's CA. Each CA gets a
    // lifecycle config of its own (name and address carry a digest of the script): AWS cannot
    // update one (the provider replaces it in place, under the same name), and refuses to delete
    // one the domain still names, so a new CA is a new config next to the old one; the domain's
    // check then stops the plan with the switch-over procedure (StudioDomain).
    const trustCa = env.firewall.tlsInspection ? trustedCaLifecycleConfig(this, env.firewall.tlsInspection.caCertificatePem) : undefined;

    // Each profile's apps run a lifecycle config of their own that makes the SageMaker SDK tag what
    // it creates with that profile's role (the owner tag every create needs, requireOwnerTag), and,
    // with TLS inspection, trusts the CA too: a profile's default replaces the domain's, and an app
    // runs one lifecycle config. On the profiles, not the domain, which 5.100.0 cannot update.
    const pem = env.firewall.tlsInspection?.caCertificatePem;
    this.userLifecycleConfigs = Object.fromEntries(env.studio.userProfiles.map((profile) => [profile, userLifecycleConfig(this, profile, userRoles[profile].name, pem, "JupyterLab")]));
    // Code Editor apps run their own app type's lifecycle configs only (CodeEditorAppSettings): the
    // same script, or their creates would be refused for want of the tag. It runs as sagemaker-user
    // in the same SageMaker Distribution image with the same home (AWS docs, "Code Editor lifecycle
    // configurations"; aws/amazon-sagemaker-feedback#135: $USER is sagemaker-user there).
    this.userCodeEditorLifecycleConfigs = Object.fromEntries(env.studio.userProfiles.map((profile) => [profile, userLifecycleConfig(this, profile, userRoles[profile].name, pem, "CodeEditor")]));

    this.studio = new StudioDomain(this, "studio", {
      domainName: studioDomainName(env),
      namePrefix: this.prefix,
      vpcId: contract.vpcId,
      subnetIds,
      kmsKeyArn: storageKeyArn,
      executionRoleArn: role.arn,
      executionRoleArnOf: (profile) => userRoles[profile].arn,
      jupyterLabLifecycleConfig: trustCa && {
        arn: trustCa.arn,
        name: trustCa.studioLifecycleConfigNameInput!,
        knownArn: account.arn("sagemaker", `studio-lifecycle-config/${trustCa.studioLifecycleConfigNameInput!}`),
        createCommand: `terraform -chdir=cdktf.out/stacks/${studioStackName(env)} apply -target=aws_sagemaker_studio_lifecycle_config.${trustCa.friendlyUniqueId}`,
      },
      userProfiles: env.studio.userProfiles,
      jupyterLabLifecycleConfigArnOf: (profile) => this.userLifecycleConfigs[profile].arn,
      codeEditorLifecycleConfigArnOf: (profile) => this.userCodeEditorLifecycleConfigs[profile].arn,
      endpoints: this.endpointIngress,
    });

    const buckets = [contract.bucket("data"), contract.bucket("models")];
    const policiesOf = (r: SageMakerExecutionRole, owner?: { profileName: string }) =>
      r.attachPolicies({
        workload: workloadStatements({
          account,
          executionRoleArn: r.arn,
          bucketArns: buckets.map((b) => b.arn),
          kmsKeyArns: [contract.keyArn("s3"), storageKeyArn],
          kmsViaServices: ["s3", ...SAGEMAKER_VOLUME_SERVICES],
          vpcId: contract.vpcId,
          ecrImageAccounts: imageRegistryAccounts({ region: env.region, accountId: env.accountId, sagemakerImages: env.vpcEndpoints.sagemakerImages, extraAccounts: env.vpcEndpoints.ecrImageAccounts }),
        }),
        read: sageMakerReadStatements(),
        studio: studioStatements(account, this.studio.domain.id, owner),
        // Each role's jobs, models, endpoints and pipelines carry its name as owner tag: users stop and delete only their own (jobs and ownership parts).
        ...jobPolicyParts({ account, subnetIds, securityGroupIds: [this.jobsSecurityGroup.id], volumeKmsKeyArn: storageKeyArn, owner: r.name, requireOwnerTag: env.studio.requireOwnerTag }),
      });
    const shared = policiesOf(role);
    if (!env.studio.requireOwnerTag) Annotations.of(role.role).addWarning(ownerTagOptOutWarning(env.sourceFile, "studio"));
    // Users' apps run as their roles: a profile is usable only once its role's policies are attached.
    for (const [name, p] of Object.entries(this.studio.userProfiles)) {
      p.profile.addOverride("depends_on", addressesOf([...shared, ...policiesOf(userRoles[name], { profileName: name })]));
    }

    // Only for people on VPN or Direct Connect (studio.uiEndpoint): its private DNS would answer
    // every domain's Studio name, so the DNS firewall allows this domain's names only, from here
    // (the network stack cannot know the domain ID).
    if (env.studio.uiEndpoint) {
      this.studioEndpoint = sageMakerUiEndpoint(this, "studio-endpoint", {
        account,
        service: "studio",
        namePrefix: this.prefix,
        vpcId: contract.vpcId,
        subnetIds,
        securityGroupId: contract.endpointSecurityGroupId,
        only: this.studio.domain.id,
      });
      this.studioDnsNames = new DnsAllowance(this, "studio-ui-dns", {
        vpcId: contract.vpcId,
        name: `${this.prefix}-studio-ui`,
        domains: studioUiNames(this.studio.domain.id, env.region).map((n) => n.name),
      });
      Annotations.of(this.studioEndpoint).addWarning(uiEndpointWarning(env.sourceFile, "studio"));
    }

    new TerraformOutput(this, "studio_domain_id", { description: "ID of the SageMaker Studio domain", value: this.studio.domain.id });
    new TerraformOutput(this, "studio_user_profile_names", { description: "The domain's user profiles (studio.userProfiles)", value: [...env.studio.userProfiles] });
    new TerraformOutput(this, "data_bucket_name", { description: "The data bucket (in the network stack)", value: buckets[0].name });
    new TerraformOutput(this, "models_bucket_name", { description: "The models bucket (in the network stack)", value: buckets[1].name });
    new TerraformOutput(this, "jobs_volume_kms_key_arn", {
      description: "The key jobs must name as volume_kms_key (its ARN, not an alias)",
      value: storageKeyArn,
    });
    new TerraformOutput(this, "jobs_subnet_ids", { description: "The subnets jobs and models may use", value: subnetIds });
    new TerraformOutput(this, "studio_security_group_ids", {
      description: "The domain's default group and each user profile's own group",
      value: {
        domain: this.studio.domainSecurityGroup.id,
        user_profiles: Object.fromEntries(Object.entries(this.studio.userProfiles).map(([n, p]) => [n, p.securityGroup.id])),
      },
    });
    new TerraformOutput(this, "studio_presigned_url_commands", {
      description: "Run one (with credentials allowed to call sagemaker:CreatePresignedDomainUrl) to open Studio as that user",
      value: Object.fromEntries(
        env.studio.userProfiles.map((name) => [
          name,
          `aws sagemaker create-presigned-domain-url --region ${env.region} --domain-id ${this.studio.domain.id} --user-profile-name ${name} --query AuthorizedUrl --output text`,
        ]),
      ),
    });
    if (env.studio.allowedSourceCidrs.length > 0) {
      const policy = presignedUrlPolicy(this, "presigned-url-policy", { account, domainId: this.studio.domain.id, sourceCidrs: env.studio.allowedSourceCidrs });
      new TerraformOutput(this, "studio_presigned_url_policy_json", {
        description: "Attach to the roles people use: they may open this domain's Studio only from studio.allowedSourceCidrs",
        value: policy.json,
      });
    }
  }
}

/**
 * A user profile's JupyterLab or Code Editor lifecycle config: the CA's script when `pem` is given,
 * then the SDK defaults with `owner` (its role's name). Named `<prefix>-<profile>-<digest of its
 * script>` (Code Editor's `<prefix>-<profile>-ce-<digest>`; at most 63 characters) and addressed by
 * that digest: AWS cannot update a lifecycle config, so a new script (a new CA, a renamed role) is
 * a new config, created before the profile moves to it and the old one is deleted.
 */
function userLifecycleConfig(stack: StudioStack, profile: string, owner: string, pem: string | undefined, appType: "JupyterLab" | "CodeEditor"): SagemakerStudioLifecycleConfig {
  const script = `${pem ? trustedCaScript(pem) : `#!/bin/bash\n# Generated by stacks/studio-stack.ts: user profile's ${appType} lifecycle config.\n`}${sdkDefaultsAsStudioUser(owner)}`;
  const content = Buffer.from(script, "utf8").toString("base64");
  if (content.length > LIFECYCLE_SCRIPT_MAX_BASE64) throw new Error(`the ${appType} lifecycle config of user profile ${profile} is ${content.length} base64 characters; AWS allows ${LIFECYCLE_SCRIPT_MAX_BASE64}`);
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 8);
  // JupyterLab's name and address are those of before Code Editor had one (no replacement on upgrade).
  const tag = appType === "JupyterLab" ? "" : "-ce";
  const name = `${`${stack.prefix}-${profile}`.slice(0, 54 - tag.length).replace(/-+$/, "")}${tag}-${digest}`;
  return new SagemakerStudioLifecycleConfig(stack, `user-${appType === "JupyterLab" ? "" : "code-editor-"}lifecycle-${profile}-${digest}`, {
    studioLifecycleConfigName: name,
    studioLifecycleConfigAppType: appType,
    studioLifecycleConfigContent: content,
    lifecycle: { createBeforeDestroy: true },
  });
}

/** The JupyterLab lifecycle config that makes apps trust `pem`, named `<prefix>-trusted-ca-<digest of its script>`. */
function trustedCaLifecycleConfig(stack: StudioStack, pem: string): SagemakerStudioLifecycleConfig {
  const content = Buffer.from(trustedCaScript(pem), "utf8").toString("base64");
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 8);
  return new SagemakerStudioLifecycleConfig(stack, `trusted-ca-${digest}`, {
    studioLifecycleConfigName: `${stack.prefix}-trusted-ca-${digest}`,
    studioLifecycleConfigAppType: "JupyterLab",
    studioLifecycleConfigContent: content,
  });
}
