/**
 * `<environment>-network`: what an environment's workloads share and what must outlive them.
 *
 * - Plan-time checks: every configured AZ exists and is available, every interface endpoint
 *   service is offered in every configured AZ (data sources with postconditions).
 * - The inspected multi-AZ VPC: per AZ a firewall, NAT and workload subnet, egress through that
 *   AZ's NAT gateway and Network Firewall endpoint; flow logs; the firewall's key.
 * - The VPC endpoints (S3 gateway + interface endpoints), shared by all workloads.
 * - The data: the buckets of each enabled workload, the access-log bucket, the S3 key and the key
 *   of the Studio home EFS. They live here, not in a workload stack, so that destroying a
 *   workload never touches them, and (storage.preventDestroy, on by default) Terraform refuses any
 *   plan that would destroy them. They share this stack with the endpoints because the S3
 *   endpoint's policy names the buckets and the buckets' policies name the endpoint.
 * - The published contract the workload stacks read (an SSM parameter).
 */
import { Construct } from "constructs";
import { Annotations, TerraformOutput } from "cdktf";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { EnvironmentConfig } from "../modules/config/load";
import {
  bucketName,
  BucketSuffix,
  dnsQueryLogGroupName,
  domainAllowlistRuleGroupName,
  firewallLogGroupPrefix,
  firewallName,
  firewallPolicyName,
  flowLogGroupName,
  flowLogRoleName,
  kmsAliasName,
  namePrefix,
  networkContractParameterName,
  notebookInstanceName,
  ssmParameterName,
  protocolHygieneRuleGroupName,
  refusalsRuleGroupName,
  suricataRuleGroupName,
} from "../modules/config/naming";
import { AvailabilityChecks } from "../modules/aws";
import { NetworkContractValues, PublishedNetworkContract } from "../modules/contract/network-contract";
import { interfaceServiceName, SAGEMAKER_UI_SERVICES, ServiceEndpoints } from "../modules/endpoints/service-endpoints";
import { CustomerKey, keyUseThrough } from "../modules/kms/customer-key";
import { cloudWatchLogsKeyUse } from "../modules/logging/encrypted-log-group";
import { DnsFirewall, dnsFirewallDomains, InspectedVpc, notebookUiNames, SourcedName, vpcResolutionNameSources } from "../modules/network";
import { SecureBucket } from "../modules/storage/secure-bucket";
import { imageRegistryAccounts } from "../modules/sagemaker/image-registries";
import { waive } from "../modules/guardrails";
import { allowlistSummary } from "../modules/config/allowlist";
import { composeSpokeNetwork, SpokeAttachmentState, SpokeDnsFirewall, SpokeVpc } from "../modules/hub";
import { EnvironmentStack } from "./environment-stack";

/** Services through which SageMaker volumes (Studio home EFS, app and job EBS volumes) use their key. */
export const SAGEMAKER_VOLUME_SERVICES = ["sagemaker", "elasticfilesystem", "ec2"] as const;

/** What a network stack needs beyond its environment's config. */
export interface NetworkStackOptions {
  /**
   * The account of the hub the environment's egress names (config/hubs/<hub>.json accountId); only
   * read with egress.mode "hub". Default: unknown, treated as another account's gateway (the
   * routes then wait for egress.attachmentId, which is safe in either case; a spoke in the hub's
   * own account would only get its routes one deploy later than it could).
   */
  readonly hubAccountId?: string;
}

/**
 * Where a spoke's attachment stands, from its config (SpokeAttachmentState, docs/hub.md "Deploy
 * order"); undefined with local egress or before egress.transitGatewayId.
 */
export function spokeAttachmentState(env: EnvironmentConfig, hubAccountId: string | undefined): SpokeAttachmentState | undefined {
  if (env.egress.mode !== "hub" || env.egress.transitGatewayId === undefined) return undefined;
  if (hubAccountId === env.accountId) return "same-account";
  return env.egress.attachmentId === undefined ? "awaiting-hub" : "accepted-by-hub";
}

/**
 * The synth warning of a stack of an environment whose attachment awaits the hub: its workloads
 * reach nothing outside their VPC until the routes exist (network: what to do; workloads: deploy later).
 */
export function awaitingHubWarning(env: EnvironmentConfig, stack: "network" | "studio" | "notebook"): string | undefined {
  if (env.egress.mode !== "hub") return undefined;
  const hub = env.egress.hub;
  const steps =
    `deploy ${env.environment}-network (its attachment is created, pending acceptance), set egress.attachmentId to its transit_gateway_attachment_id output, ` +
    `deploy ${hub}-inspection (it accepts and routes the attachment), then deploy ${env.environment}-network again (the routes)`;
  return stack === "network"
    ? `${env.sourceFile}: egress.attachmentId is not set: this stack creates the Transit Gateway attachment but no 0.0.0.0/0 route to hub ${hub} yet ` +
        `(a route to a shared gateway fails until the hub accepts the attachment), so the workloads reach nothing outside their VPC: ${steps}`
    : `${env.sourceFile}: egress.attachmentId is not set: the ${stack === "studio" ? "Studio domain" : "notebook instance"} of this stack would have no internet egress ` +
        `(the network has no route to hub ${hub} yet). Deploy it after these steps: ${steps}`;
}

export class NetworkStack extends EnvironmentStack {
  readonly checks: AvailabilityChecks;
  readonly networkKey: CustomerKey;
  /** The inspected VPC (local egress), or the spoke VPC of an egress hub (egress.mode "hub", docs/hub.md). */
  readonly network: InspectedVpc | SpokeVpc;
  readonly endpoints: ServiceEndpoints;
  /** The network's own DNS Firewall, or (a hub spoke with egress.dnsRuleGroupId) the hub's shared group behind the spoke's own names. */
  readonly dnsFirewall: DnsFirewall | SpokeDnsFirewall;
  readonly s3Key: CustomerKey;
  /** Protects the Studio home EFS; only when Studio is enabled. */
  readonly studioStorageKey?: CustomerKey;
  readonly accessLogBucket: SecureBucket;
  /** The enabled workloads' buckets, by suffix. */
  readonly buckets: Readonly<Partial<Record<BucketSuffix, SecureBucket>>>;
  readonly contract: PublishedNetworkContract;

  constructor(scope: Construct, env: EnvironmentConfig, options: NetworkStackOptions = {}) {
    super(scope, env, "network");
    const { account } = this;
    const prefix = namePrefix(env);
    const keep = env.storage.preventDestroy;
    // A hub spoke: SpokeNetwork in place of InspectedVpc, ServiceEndpoints and DnsFirewall (built
    // once the buckets exist, below); keys, buckets and the contract are the same, so the
    // workloads read a spoke as they read a local network.
    const hubEgress = env.egress.mode === "hub" ? env.egress : undefined;

    this.checks = new AvailabilityChecks(this, "availability", {
      region: env.region,
      availabilityZones: env.availabilityZones,
      interfaceServices: {
        ...Object.fromEntries(env.vpcEndpoints.interfaceServices.map((s) => [s, interfaceServiceName(s, env.region)])),
        // The UI endpoints live in the workload stacks, but whether AWS offers them is known here first.
        ...(env.studio.enabled && env.studio.uiEndpoint ? { studio: { serviceName: interfaceServiceName("studio", env.region), field: "studio.uiEndpoint" } } : {}),
        ...(env.notebook.enabled && env.notebook.uiEndpoint && env.notebook.availabilityZone
          ? {
              notebook: {
                serviceName: interfaceServiceName("notebook", env.region),
                field: "notebook.uiEndpoint",
                availabilityZones: [env.notebook.availabilityZone],
                source: `notebook.availabilityZone in ${env.sourceFile}`,
              },
            }
          : {}),
      },
      source: `availabilityZones in ${env.sourceFile}`,
    });

    this.networkKey = new CustomerKey(this, "network-key", {
      account,
      aliasName: kmsAliasName(env, "network"),
      // A spoke has no firewall of its own (the hub's inspects its traffic): the key encrypts its logs.
      description: hubEgress ? `Encrypts the network logs of ${prefix}` : `Encrypts the Network Firewall configuration and the network logs of ${prefix}`,
      usage: hubEgress ? [cloudWatchLogsKeyUse(account)] : [cloudWatchLogsKeyUse(account), ...keyUseThrough("NetworkFirewall", account, ["network-firewall"])],
    });
    const local = hubEgress ? undefined : inspectedNetwork(this, env, account, this.networkKey.arn);
    // Settings the config accepted whose consequence a reviewer should see (modules/config/intent.ts).
    for (const warning of env.warnings) Annotations.of(this).addWarning(warning);
    // A spoke's allowlist is a rule group of the hub's policy: its waivers and summary are the hub stack's (stacks/hub.ts).
    if (local) {
      const legacyDrop = legacyDefaultActionWarning(env);
      // Printed by `cdktf synth` (npm run synth) with the policy's path, as the guardrails' warnings are.
      if (legacyDrop) Annotations.of(local.inspection.policy).addWarning(legacyDrop);
      // Each acknowledged shared-hosting entry of the allowlist is waived for that entry only.
      for (const [domain, reason] of Object.entries(env.firewall.sharedHostingAcknowledged)) {
        // The domain leads the reason: the guardrail's log line names the rule group, not which entry was accepted.
        waive(local.inspection.allowlist, "NFW_NO_SHARED_HOSTING", `shared hosting "${domain}": acknowledged in ${env.sourceFile}: ${reason}`, { finding: `"${domain}"` });
      }
      // The allowlist as deployed (presets expanded, by preset, with the shared hosting each brings), in the synth log.
      Annotations.of(local.inspection.allowlist).addInfo(allowlistSummary(env.sourceFile, env.firewall));
    }

    this.s3Key = new CustomerKey(this, "s3-key", {
      account,
      aliasName: kmsAliasName(env, "s3"),
      description: `Encrypts the S3 buckets of ${prefix}`,
      usage: keyUseThrough("S3", account, ["s3"]),
      preventDestroy: keep,
    });
    if (env.studio.enabled) {
      this.studioStorageKey = new CustomerKey(this, "studio-storage-key", {
        account,
        aliasName: kmsAliasName(env, "studio-storage"),
        description: `Encrypts the Studio home EFS volume, app volumes and job volumes of ${prefix}; the EFS outlives the domain`,
        usage: keyUseThrough("SageMakerVolumes", account, SAGEMAKER_VOLUME_SERVICES),
        preventDestroy: keep,
      });
    }

    this.accessLogBucket = new SecureBucket(this, "access-log-bucket", {
      bucketName: bucketName(env, account.accountId, "logs"),
      expireAfterDays: env.logging.retentionDays,
      preventDestroy: keep,
      // S3 keeps delivering logs into it, so it is never empty: without this a deliberate destroy
      // (preventDestroy off) could never finish.
      forceDestroy: !keep,
    });
    waive(this.accessLogBucket.bucket, "S3_KMS_ENCRYPTION", "S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS");
    waive(this.accessLogBucket.bucket, "S3_ACCESS_LOGGING", "this is the access-log bucket; logging it into itself would log every log delivery, forever");

    const suffixes: BucketSuffix[] = [...(env.studio.enabled ? (["data", "models"] as const) : []), ...(env.notebook.enabled ? (["notebook"] as const) : [])];
    const buckets: Partial<Record<BucketSuffix, SecureBucket>> = {};
    for (const suffix of suffixes) {
      buckets[suffix] = new SecureBucket(this, `${suffix}-bucket`, {
        bucketName: bucketName(env, account.accountId, suffix),
        kmsKeyArn: this.s3Key.arn,
        accessLogsTo: this.accessLogBucket,
        preventDestroy: keep,
      });
    }
    this.buckets = buckets;
    const dataBuckets = Object.values(buckets) as SecureBucket[];
    this.accessLogBucket.acceptAccessLogsFrom(
      account,
      dataBuckets.map((b) => b.arn),
    );

    // The endpoints and their perimeter: the same for a local network and a spoke.
    const endpointSettings = {
      // Never the studio and notebook endpoints: they live in their workload stacks (their policies
      // name the domain and the instance, which do not exist yet here), and only when configured.
      interfaceServices: env.vpcEndpoints.interfaceServices.filter((svc) => !SAGEMAKER_UI_SERVICES.includes(svc)),
      s3: {
        bucketArns: dataBuckets.map((b) => b.arn),
        allowJumpStartRead: env.vpcEndpoints.allowJumpStartRead,
        // Notebook instances (Amazon Linux) install packages from repositories hosted in S3.
        allowAmazonLinuxRepos: env.notebook.enabled,
      },
      // SageMaker's image registries of the region (the table's families per vpcEndpoints.sagemakerImages) plus ecrImageAccounts.
      perimeter: { organizationId: env.vpcEndpoints.organizationId, ecrImageAccounts: imageRegistryAccounts({ region: env.region, accountId: env.accountId, sagemakerImages: env.vpcEndpoints.sagemakerImages, extraAccounts: env.vpcEndpoints.ecrImageAccounts }) },
    };
    // DNS: exactly the allowlist and the names the VPC's own resolution needs (networkDnsNames).
    // The SageMaker UI services' private DNS names (*.studio.<region>.sagemaker.aws: every domain
    // of every account) are never allowed: with studio.uiEndpoint the Studio stack allows its own
    // domain's names (DnsAllowance); with notebook.uiEndpoint the instance's name is here.
    const dnsNames = networkDnsNames(env);
    const dnsSettings = {
      allowedDomains: dnsNames.allowedDomains,
      allowedDomainListsAtPlan: dnsNames.endpointServices.map((s) => this.checks.services[s].privateDnsNames),
      mode: env.dnsFirewall.mode,
      mutationProtection: env.dnsFirewall.mutationProtection,
      queryLog: { logGroupName: dnsQueryLogGroupName(env), kmsKeyArn: this.networkKey.arn, retentionDays: env.logging.retentionDays },
    };
    let spokeVpc: SpokeVpc | undefined;
    let networkFields: Pick<NetworkContractValues, "vpcId" | "workloadSubnetIds" | "endpointSecurityGroupId" | "s3EndpointId" | "s3PrefixListId">;
    if (local) {
      this.network = local;
      const workload = Object.values(local.lanes).map((l) => l.workload);
      this.endpoints = new ServiceEndpoints(this, "endpoints", {
        ...endpointSettings,
        account,
        namePrefix: prefix,
        vpcId: local.vpc.id,
        subnetIds: workload.map((w) => w.subnet.id),
        routeTableIdsByAz: local.byAz((l) => l.workload.routeTable.id),
      });
      const dnsFirewall = new DnsFirewall(this, "dns-firewall", { ...dnsSettings, vpcId: local.vpc.id, namePrefix: prefix });
      this.dnsFirewall = dnsFirewall;
      const dnsAlert = dnsAlertModeWarning(env);
      if (dnsAlert) Annotations.of(dnsFirewall.defaultRule).addWarning(dnsAlert);
      networkFields = {
        vpcId: local.vpc.id,
        workloadSubnetIds: local.byAz((l) => l.workload.subnet.id),
        endpointSecurityGroupId: this.endpoints.securityGroup.id,
        s3EndpointId: this.endpoints.s3Gateway.id,
        s3PrefixListId: this.endpoints.s3Gateway.prefixListId,
      };
    } else {
      // Built in this stack's own scope under the local network's construct IDs ("network",
      // "endpoints", "dns-firewall"), so the VPC, the workload subnets and route tables, the
      // endpoints, their security group and the DNS Firewall keep their Terraform addresses when
      // an environment moves between local egress and the hub (docs/hub.md, "Moving an environment").
      const attachmentState = spokeAttachmentState(env, options.hubAccountId)!;
      if (attachmentState === "awaiting-hub") Annotations.of(this).addWarning(awaitingHubWarning(env, "network")!);
      const spoke = composeSpokeNetwork(this, {
        namePrefix: prefix,
        vpcCidr: env.vpcCidr,
        availabilityZones: env.availabilityZones,
        transitGatewayId: hubEgress!.transitGatewayId!,
        attachmentState,
        logging: { account, kmsKeyArn: this.networkKey.arn, retentionDays: env.logging.retentionDays, flowLogGroupName: flowLogGroupName(env), flowLogRoleName: flowLogRoleName(env) },
        endpoints: endpointSettings,
        dns: { ...dnsSettings, sharedRuleGroupId: hubEgress!.dnsRuleGroupId },
      });
      this.network = spokeVpc = spoke.network;
      this.endpoints = spoke.endpoints;
      this.dnsFirewall = spoke.dnsFirewall;
      const dnsAlert = dnsAlertModeWarning(env);
      if (dnsAlert && spoke.dnsFirewall instanceof DnsFirewall) Annotations.of(spoke.dnsFirewall.defaultRule).addWarning(dnsAlert);
      networkFields = spoke.contract;
    }
    for (const bucket of dataBuckets) bucket.restrictToVpcEndpoint(this.endpoints.s3Gateway.id, env.storage.adminRoleArns);

    const keyArns: Record<string, string> = { s3: this.s3Key.arn };
    if (this.studioStorageKey) keyArns.studio_storage = this.studioStorageKey.arn;
    this.contract = new PublishedNetworkContract(this, "contract", {
      parameterName: networkContractParameterName(env),
      values: {
        ...networkFields,
        keyArns,
        buckets: Object.fromEntries(Object.entries(buckets).map(([suffix, b]) => [suffix, { name: b.name, arn: b.arn }])),
      },
    });
    // The seed published these two IDs in SSM for other tooling (e.g. notebooks writing bucket
    // policies); kept, under the environment's network path.
    for (const [name, value, description] of [
      ["s3-endpoint-id", this.endpoints.s3Gateway.id, "ID of the S3 gateway endpoint this environment's buckets require"],
      ["s3-kms-key-arn", this.s3Key.arn, "ARN of the KMS key that encrypts this environment's buckets"],
    ] as const) {
      new SsmParameter(this, `parameter-${name}`, { name: ssmParameterName(env, name), type: "String", value, description });
    }

    if (local) networkOutputs(this, local);
    if (spokeVpc) spokeOutputs(this, spokeVpc);
    new TerraformOutput(this, "s3_vpc_endpoint_id", {
      description: "ID of the S3 gateway endpoint, the only way the buckets admit object data",
      value: this.endpoints.s3Gateway.id,
    });
    new TerraformOutput(this, "network_contract_parameter", {
      description: "SSM parameter the workload stacks read",
      value: this.contract.parameter.name,
    });
    new TerraformOutput(this, "bucket_names", {
      description: "Bucket name by use: data and models (with Studio), notebook (with the notebook), access_logs",
      value: { ...Object.fromEntries(Object.entries(buckets).map(([suffix, b]) => [suffix, b.name])), access_logs: this.accessLogBucket.name },
    });
    new TerraformOutput(this, "kms_key_arns", {
      description: "ARNs of the network's keys: network (firewall, logs), s3 (the buckets), studio_storage (Studio home EFS) when Studio is enabled",
      value: { network: this.networkKey.arn, ...keyArns },
    });
  }
}

/**
 * What the network's DNS firewall allows: the allowlist (Network Firewall targets in DNS
 * Firewall's form), the sourced names the VPC's own resolution needs (vpcResolutionNameSources),
 * the notebook instance's UI name with notebook.uiEndpoint, and, at plan time, the private DNS
 * names AWS reports for each interface endpoint service of `endpointServices` (never the UI ones).
 */
export function networkDnsNames(env: Pick<EnvironmentConfig, "region" | "firewall" | "studio" | "notebook" | "vpcEndpoints" | "projectName" | "environment" | "egress" | "hubSharedAllowlist">): {
  allowedDomains: string[];
  sourced: SourcedName[];
  endpointServices: string[];
} {
  const sourced = [
    // Notebook instances (Amazon Linux 2) resolve the yum mirror list host; Studio mounts its home EFS.
    ...vpcResolutionNameSources(env.region, { amazonLinuxRepositories: env.notebook.enabled, studioHomeEfs: env.studio.enabled }),
    ...(env.notebook.enabled && env.notebook.uiEndpoint ? notebookUiNames(notebookInstanceName(env), env.region) : []),
  ];
  return {
    allowedDomains: [...new Set([...dnsFirewallDomains([...env.firewall.allowedDomains, ...hubSharedNames(env)]), ...sourced.map((n) => n.name)])],
    sourced,
    endpointServices: env.vpcEndpoints.interfaceServices.filter((svc) => !SAGEMAKER_UI_SERVICES.includes(svc)),
  };
}

/**
 * The hub's shared names a spoke's own DNS Firewall must allow: with egress.sharedAllowlist the
 * hub's firewall passes them for this spoke, and without egress.dnsRuleGroupId no other rule group
 * lets the spoke resolve them (they would answer NXDOMAIN). With dnsRuleGroupId the hub's shared DNS
 * group, associated after the spoke's own, already allows them (modules/hub/egress-hub.ts).
 */
function hubSharedNames(env: Pick<EnvironmentConfig, "egress" | "hubSharedAllowlist">): ReadonlyArray<string> {
  const egress = env.egress;
  if (egress.mode !== "hub" || !egress.sharedAllowlist || egress.dnsRuleGroupId !== undefined) return [];
  // loadConfig sets it from the hub file; an environment parsed on its own has no hub to read it from.
  if (env.hubSharedAllowlist === undefined) throw new Error(`egress.sharedAllowlist is on, but the hub's shared allowlist was not given (hubSharedAllowlist): load the environment with loadConfig, which reads config/hubs/${egress.hub}.json`);
  return env.hubSharedAllowlist;
}

/** The synth warning of a configured SageMaker UI endpoint (studio.uiEndpoint, notebook.uiEndpoint): what it leaves open. */
export function uiEndpointWarning(sourceFile: string, service: "studio" | "notebook"): string {
  const what = service === "studio" ? "this domain's Studio" : "this notebook instance's Jupyter";
  return (
    `${sourceFile}: ${service}.uiEndpoint is on: processes in the VPC reach ${what} through the ${service} interface endpoint without passing Network Firewall, ` +
    "and can reach the endpoint's addresses directly with any other " +
    (service === "studio" ? "domain's name (the DNS firewall governs names only; the endpoint policy limits CreateApp to this domain). " : "instance's name (the DNS firewall governs names only; the endpoint policy admits this instance only). ") +
    `Keep it only while people reach ${service === "studio" ? "Studio" : "the instance"} over VPN or Direct Connect through this VPC (docs/egress-perimeter.md)`
  );
}

/** The synth warning while dnsFirewall.mode is "alert" (a rollout); undefined in block mode (the default). */
export function dnsAlertModeWarning(env: Pick<EnvironmentConfig, "sourceFile" | "dnsFirewall">): string | undefined {
  if (env.dnsFirewall.mode !== "alert") return undefined;
  return (
    `${env.sourceFile}: dnsFirewall.mode is "alert" (rollout): names off the DNS allowlist still resolve, so data can leave in DNS queries ` +
    "(DNS tunnelling) until you switch. Read the DNS query log for ALERT lines (docs/egress-perimeter.md, \"DNS rollout\"), then set dnsFirewall.mode to \"block\""
  );
}

/**
 * The warning for `firewall.statefulDefaultAction: "drop_established"`, which is valid but breaks
 * clients whose ClientHello spans two TCP segments; undefined for the other actions.
 */
export function legacyDefaultActionWarning(env: Pick<EnvironmentConfig, "sourceFile" | "firewall">): string | undefined {
  if (env.firewall.statefulDefaultAction !== "drop_established") return undefined;
  return (
    `${env.sourceFile}: firewall.statefulDefaultAction: "drop_established" drops every packet no rule has passed yet, so a TLS ClientHello split over two TCP ` +
    "segments (a post-quantum key share, OpenSSL 3.5's default) is dropped before the firewall reads its SNI: pip, conda and git built on current OpenSSL fail " +
    'even for allowed names. Unless you need the old behaviour, remove the field to use "drop_established_app_layer_to_server"'
  );
}

/** The inspected network from config; `kmsKeyArn` encrypts the firewall and the network's logs. */
function inspectedNetwork(scope: Construct, env: EnvironmentConfig, account: NetworkStack["account"], kmsKeyArn: string): InspectedVpc {
  const fw = env.firewall;
  return new InspectedVpc(scope, "network", {
    namePrefix: namePrefix(env),
    vpcCidr: env.vpcCidr,
    lanes: env.lanes,
    firewall: {
      firewallName: firewallName(env),
      policyName: firewallPolicyName(env),
      allowlistRuleGroupName: domainAllowlistRuleGroupName(env),
      allowedDomains: fw.allowedDomains,
      allowlistCapacity: fw.ruleGroupCapacity,
      suricata:
        fw.suricataRules === undefined ? undefined : { ruleGroupName: suricataRuleGroupName(env), rules: fw.suricataRules, capacity: fw.suricataRuleGroupCapacity },
      protocolHygiene: { enabled: fw.protocolHygiene, ruleGroupName: protocolHygieneRuleGroupName(env) },
      refusals: { ruleGroupName: refusalsRuleGroupName(env) },
      statefulDefaultAction: fw.statefulDefaultAction,
      tlsInspection: fw.tlsInspection ? { name: `${namePrefix(env)}-tls-inspection`, certificateAuthorityArn: fw.tlsInspection.certificateAuthorityArn } : undefined,
      protection: {
        deleteProtection: fw.deleteProtection,
        policyChangeProtection: fw.policyChangeProtection,
        subnetChangeProtection: fw.subnetChangeProtection,
      },
    },
    logging: {
      account,
      kmsKeyArn,
      retentionDays: env.logging.retentionDays,
      firewallLogGroupPrefix: firewallLogGroupPrefix(env),
      flowLogGroupName: flowLogGroupName(env),
      flowLogRoleName: flowLogRoleName(env),
    },
  });
}

/** A hub spoke's network outputs, keyed by AZ name; the attachment ID is what the hub's config needs next (docs/hub.md, deploy order). */
function spokeOutputs(scope: Construct, network: SpokeVpc): void {
  new TerraformOutput(scope, "vpc_id", { description: "ID of the spoke VPC", value: network.vpc.id });
  new TerraformOutput(scope, "transit_gateway_attachment_id", {
    description: "This VPC's attachment to the hub's Transit Gateway: set it as egress.attachmentId, then deploy the hub so that it accepts and routes it",
    value: network.attachment.id,
  });
  new TerraformOutput(scope, "workload_subnet_ids", { description: "AZ name => workload subnet ID (SageMaker and VPC endpoint ENIs)", value: network.byAz((l) => l.workload.subnet.id) });
  new TerraformOutput(scope, "subnet_cidrs", { description: "AZ name => the CIDRs of its workload and Transit Gateway attachment subnets", value: network.byAz((l) => l.cidrs) });
}

/** Network outputs, all keyed by AZ name. */
function networkOutputs(scope: Construct, network: InspectedVpc): void {
  new TerraformOutput(scope, "vpc_id", { description: "ID of the inspected VPC", value: network.vpc.id });
  new TerraformOutput(scope, "firewall_arn", { description: "ARN of the Network Firewall every AZ's egress passes", value: network.inspection.firewall.arn });
  new TerraformOutput(scope, "firewall_endpoint_ids", {
    description: "AZ name => Network Firewall endpoint ID, from the firewall's sync_states",
    value: network.inspection.endpointIdsByAz.expression,
  });
  new TerraformOutput(scope, "workload_subnet_ids", { description: "AZ name => workload subnet ID (SageMaker and VPC endpoint ENIs)", value: network.byAz((l) => l.workload.subnet.id) });
  new TerraformOutput(scope, "subnet_cidrs", { description: "AZ name => the CIDRs of its firewall, NAT and workload subnets", value: network.byAz((l) => l.cidrs) });
  new TerraformOutput(scope, "igw_edge_route_table_id", {
    description: "ID of the internet gateway's edge route table (return traffic to each AZ's firewall endpoint)",
    value: network.edgeRouteTable.id,
  });
  new TerraformOutput(scope, "nat_gateway_ids", { description: "AZ name => NAT gateway ID", value: network.byAz((l) => l.natGateway.id) });
  new TerraformOutput(scope, "nat_public_ips", {
    description: "Egress IPs per AZ, for allowlists on the far side",
    value: network.byAz((l) => l.natEip.publicIp),
  });
}
