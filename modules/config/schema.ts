/**
 * The environment config file (config/<environment>.json), as a strict zod schema.
 *
 * The schema carries per-field rules (a list's own rules, such as duplicates, included); rules that
 * need several fields (AZs in the region, the subnet plan, the names they make) are
 * `crossFieldIssues`, which the loader runs on whatever fields parsed, so a file with a bad field
 * and a cross-field problem reports both. Every problem is reported against the field a user has
 * to edit. config.schema.json for editors is generated from this same schema (npm run schema), so
 * the two cannot drift.
 */
import { z } from "zod";
import { planLanes } from "../network/subnet-plan";
import { parseCidr } from "../network/cidr";
import { publicSuffixProblem, sharedHostingProblem } from "./shared-hosting";
import { urlShapeProblem } from "./host-names";
import { azNameProblem } from "./az-names";
import { coveredEntries, sourceCidrFinding, vpcCidrFinding } from "./ranges";
import { KNOWN_INTERFACE_SERVICES, uiEndpointProblem, unknownServiceProblem } from "../endpoints/known-services";
import { DEFAULT_DNS_FIREWALL_MODE } from "../network/dns-firewall";
import { sageMakerImageProblems } from "../sagemaker/image-registries";
import { AllowlistEntry, expandAllowlist, noDuplicateEntries, PresetEntry, presetAcknowledging } from "./allowlist";
import { DEFAULT_STATEFUL_DEFAULT_ACTION, STATEFUL_DEFAULT_ACTIONS, StatefulDefaultAction, UNDECIDED_FLOW_BYTE_LIMIT } from "../network/firewall";

export const DEFAULTS = {
  projectName: "sagemaker-studio-anfw",
  region: "us-east-1",
  azLetters: ["a", "b", "c"],
  vpcCidr: "10.2.0.0/16",
  /**
   * Exact names only: PyPI (index + files), conda (defaults channel + named channels such as
   * conda-forge), the Kaggle API and site. Sources in the README ("Egress allowlist").
   */
  allowedDomains: ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"],
  ruleGroupCapacity: 100,
  userProfiles: ["anfw-user-profile"],
  notebookInstanceType: "ml.t3.medium",
  notebookVolumeSizeGb: 20,
  /**
   * The seed's interface endpoints but its notebook UI endpoint: the SageMaker UI endpoints
   * (studio, notebook) are opt-in per workload (studio.uiEndpoint, notebook.uiEndpoint).
   */
  interfaceEndpoints: [
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "ssm",
    "monitoring",
    "logs",
    "ecr.dkr",
    "ecr.api",
    "servicecatalog",
  ],
} as const;

export const MAX_AZS = 6;

export type { AllowlistEntry };

/** The domains of allowlist entries, in order, presets expanded, each once (modules/config/allowlist.ts). */
export function allowlistDomains(entries: ReadonlyArray<AllowlistEntry>): string[] {
  return [...expandAllowlist(entries).domains];
}

/** The configured AZs, or the region's a, b and c. */
export function resolvedAzs(cfg: { readonly region: string; readonly availabilityZones?: ReadonlyArray<string> }): ReadonlyArray<string> {
  return cfg.availabilityZones ?? DEFAULTS.azLetters.map((l) => `${cfg.region}${l}`);
}

/** Region names of every partition: "us-east-1", "us-gov-west-1", "cn-north-1", "us-iso-east-1". */
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

/** The partition of a region name (AWS's partitions.json region patterns). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
  if (iso) return `aws-iso${iso[1] ? `-${iso[1]}` : ""}`;
  return "aws";
}

/**
 * Only the aws partition is supported: endpoint service names are built as com.amazonaws.<region>.*
 * (China uses cn.com.amazonaws.* for many services), and the shared-hosting rules, the DNS
 * firewall's AWS names and the ECR, Amazon Linux and JumpStart bucket names are the aws partition's.
 * Refusing other partitions at synth beats plans that fail, or deploy wrong names, there.
 */
export function unsupportedPartitionProblem(region: string): string | undefined {
  const partition = partitionOf(region);
  if (partition === "aws") return undefined;
  const which = partition === "aws-cn" ? "AWS China" : partition === "aws-us-gov" ? "AWS GovCloud (US)" : "an AWS isolated (ISO) partition";
  return (
    `"${region}" is in ${which} (partition ${partition}); this project supports the aws partition only ` +
    "(its endpoint service names, AWS host names and bucket names are the aws partition's). Use a region of the aws partition"
  );
}

const Region = z
  .string()
  .regex(REGION, {
    // "EU-WEST-1" is a region in the wrong case: say so rather than show the pattern.
    error: (iss) =>
      typeof iss.input === "string" && REGION.test(iss.input.toLowerCase())
        ? `"${iss.input}": region names are lower case; write "${iss.input.toLowerCase()}"`
        : 'must be an AWS region name such as "us-east-1"',
  })
  .refine((r) => !REGION.test(r) || unsupportedPartitionProblem(r) === undefined, { error: (iss) => unsupportedPartitionProblem(String(iss.input)) });

/** ARNs in config name resources of the environment's own partition, which is always "aws". */
const awsPartitionArn = (arn: string) => !/^arn:aws-/.test(arn);
const AWS_PARTITION_ARN = 'must be an ARN of the aws partition ("arn:aws:..."): this project deploys to the aws partition only';

/** Lowercase S3-safe name: letters, digits, single hyphens; starts with a letter. */
const PROJECT_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A Network Firewall domain-list target: "host.example.com" (exact) or ".example.com" (the domain
 * and all its subdomains). Returns the reason it is not one, or undefined.
 */
export function domainProblem(domain: string): string | undefined {
  // What a browser or pip shows ("https://pypi.org/simple", "pypi.org:443"): name the host to write.
  const urlShaped = urlShapeProblem(domain, "pypi.org");
  if (urlShaped) return `${urlShaped} (the firewall matches the TLS SNI and HTTP Host, which carry no scheme, port or path)`;
  if (domain.includes("*")) return `"${domain}": Network Firewall has no "*" wildcard; write ".example.com" to match a domain and its subdomains`;
  if (domain !== domain.toLowerCase()) return `"${domain}" must be lowercase (domain matching is case-insensitive, so mixed case only hides duplicates)`;
  const name = domain.startsWith(".") ? domain.slice(1) : domain;
  if (name.length === 0 || name.length > 253) return `"${domain}" is not a domain name`;
  if (name.endsWith(".")) return `"${domain}" must not end with a dot`;
  const labels = name.split(".");
  if (labels.length < 2) return `"${domain}" is a bare top-level domain; allowing all of it defeats the allowlist`;
  const bad = labels.find((l) => !DOMAIN_LABEL.test(l));
  if (bad !== undefined) return `"${domain}" has an invalid label "${bad}" (1-63 of a-z, 0-9, "-", not starting or ending with "-")`;
  if (/^\d+$/.test(labels[labels.length - 1])) return `"${domain}" looks like an IP address; the allowlist matches host names (SNI/Host header)`;
  return undefined;
}

const Cidr = z.string().describe('IPv4 CIDR block, e.g. "10.2.0.0/16"');

const LaneOverride = z
  .strictObject({
    firewall: Cidr.optional().describe("CIDR of this AZ's firewall subnet (at least /28)"),
    nat: Cidr.optional().describe("CIDR of this AZ's NAT gateway subnet"),
    workload: Cidr.optional().describe("CIDR of this AZ's workload (SageMaker) subnet; Studio needs 2-4 IPs per user"),
  })
  .describe("Per-tier CIDR overrides for one AZ; tiers left out use the default plan");

export const FirewallSection = z
  .strictObject({
    allowedDomains: z
      .array(
        z.union([
          z.string(),
          z
            .strictObject({
              domain: z.string(),
              acknowledgeSharedHosting: z
                .string({ error: "must be the reason, as text: why this shared-hosting name is needed and who accepted the risk (at least 20 characters), not true or a number" })
                .trim()
                .min(20, "must say why (at least 20 characters): who needs this shared-hosting name, and who accepted the risk")
                .describe("Why this shared-hosting entry is needed and who accepted that data may reach any customer of that host"),
            })
            .describe("An entry on shared hosting (names anyone can rent), with the reason it is accepted"),
          PresetEntry,
        ])
        .superRefine((entry, ctx) => {
          // A preset's names are checked by its own test (__tests__/allowlist-presets.test.ts).
          if (typeof entry !== "string" && "preset" in entry) return;
          const d = typeof entry === "string" ? entry : entry.domain;
          const problem = domainProblem(d) ?? publicSuffixProblem(d);
          if (problem) {
            ctx.addIssue({ code: "custom", message: problem });
            return;
          }
          const shared = sharedHostingProblem(d);
          if (shared && typeof entry === "string") {
            ctx.addIssue({
              code: "custom",
              message:
                `${shared}; allowing it lets data leave to any customer there. List exact names you control or trust, ` +
                `or acknowledge it: { "domain": "${d}", "acknowledgeSharedHosting": "<why, and who accepted the risk>" }` +
                (presetAcknowledging(d) ? `, or list the preset that brings it with its reason: { "preset": "${presetAcknowledging(d)}" }` : ""),
            });
          } else if (!shared && typeof entry !== "string") {
            ctx.addIssue({ code: "custom", path: ["acknowledgeSharedHosting"], message: `"${d}" is not on shared hosting: write it as a plain string` });
          }
        }),
      )
      .min(1, "must list at least one domain (an empty allowlist cannot be deployed)")
      .superRefine(noDuplicateEntries)
      .default([...DEFAULTS.allowedDomains])
      .describe(
        'Domains reachable over HTTP (Host) and HTTPS (SNI), exact names by default; ".example.com" also matches subdomains. ' +
          "An entry under shared hosting (s3.amazonaws.com, .cloudfront.net, github.io, ...) must be an object with acknowledgeSharedHosting. " +
          '{ "preset": "<name>" } lists the names of a preset the project keeps current (README, "Egress perimeter")',
      ),
    ruleGroupCapacity: z
      .number()
      .int()
      .min(1)
      .max(30000)
      .default(DEFAULTS.ruleGroupCapacity)
      .describe("Capacity of the allowlist rule group. Fixed by AWS at creation: changing it replaces the rule group"),
    suricataRulesFile: z
      .string()
      .min(1)
      .optional()
      .describe("Extra stateful rules in Suricata format, one per line, evaluated before the allowlist (path relative to this config file)"),
    suricataRuleGroupCapacity: z
      .number()
      .int()
      .min(1)
      .max(30000)
      .default(DEFAULTS.ruleGroupCapacity)
      .describe("Capacity of the Suricata rule group (at least its number of rules); fixed by AWS at creation"),
    tlsInspection: z
      .strictObject({
        certificateAuthorityArn: z
          .string()
          .regex(/^arn:aws(-cn|-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN like "arn:aws:acm:us-east-1:123456789012:certificate/<uuid>"')
          .refine(awsPartitionArn, AWS_PARTITION_ARN)
          .describe("ACM certificate of the CA Network Firewall signs its re-encrypted server certificates with (a private CA imported into ACM)"),
        caCertificateFile: z
          .string()
          .min(1)
          .describe("That CA's public certificate (PEM), relative to this config file: installed as trusted in Studio apps and notebook instances"),
      })
      .optional()
      .describe("Optional TLS inspection of egress HTTPS: the firewall decrypts and re-encrypts, so it judges the real host, not only the SNI (see README, TLS inspection)"),
    protocolHygiene: z
      .boolean()
      .default(true)
      .describe("Before the allowlist: log every TLS ClientHello and HTTP request with its SNI/Host; reset CONNECT, IP literals, non-TLS on 443, non-HTTP on 80, TLS/HTTP on other ports, a first TLS record over 8 KB; drop UDP and ICMP to the internet"),
    statefulDefaultAction: z
      .enum(Object.keys(STATEFUL_DEFAULT_ACTIONS) as [StatefulDefaultAction, ...StatefulDefaultAction[]], {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a stateful default action; use one of ${Object.keys(STATEFUL_DEFAULT_ACTIONS)
            .map((k) => `"${k}"`)
            .join(", ")} (default "${DEFAULT_STATEFUL_DEFAULT_ACTION}")`,
      })
      .default(DEFAULT_STATEFUL_DEFAULT_ACTION)
      .describe(
        'What the firewall does with packets no rule decided (always with an alert). "drop_established_app_layer_to_server" (default): waits for a complete TLS ClientHello or HTTP ' +
          "request headers before it drops, and drops client-to-server packets only, so a ClientHello split over TCP segments (post-quantum key shares) still reaches the " +
          `allowlist; the price is that a client's first bytes pass while it waits (the refusal rules reset a flow past ${UNDECIDED_FLOW_BYTE_LIMIT / 1024} KB). ` +
          '"drop_established_app_layer": the same, both directions. "drop_established": drops from the first packet no rule passed, so a split ClientHello is dropped ' +
          "before its SNI is read and pip, conda and git on OpenSSL 3.5 fail even for allowed names (a warning at synth). Changing it updates the policy in place; " +
          "the firewall is not replaced",
      ),
    deleteProtection: z.boolean().default(false).describe("Refuse to delete the firewall (turn on in production)"),
    policyChangeProtection: z.boolean().default(false).describe("Refuse to change the firewall's policy association (turn on in production)"),
    subnetChangeProtection: z.boolean().default(false).describe("Refuse to change the firewall's subnets, i.e. add or remove AZs (turn on in production)"),
  })
  .describe("AWS Network Firewall settings");

/** CloudWatch Logs' allowed retention values of a year or more. */
export const RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const LoggingSection = z
  .strictObject({
    retentionDays: z
      .number()
      .int()
      .refine((d) => (RETENTION_DAYS as ReadonlyArray<number>).includes(d), `must be one of CloudWatch Logs' values of a year or more: ${RETENTION_DAYS.join(", ")}`)
      .default(365)
      .describe("Days to keep firewall, VPC flow and S3 access logs"),
  })
  .describe("Log retention");

/** SageMaker domain and user profile names: 1-63 of [a-zA-Z0-9-], no leading or trailing hyphen. */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const SAGEMAKER_NAME_RULE = "must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit";

/** An IAM role ARN in any partition; "*" and wildcards are refused on purpose. */
const ROLE_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/** Endpoint service short name: "sts", "ecr.dkr", "sagemaker.api"; "notebook"/"studio" are SageMaker's. */
const ENDPOINT_SERVICE = /^[a-z0-9]+([.-][a-z0-9]+)*$/;

const ServiceShortName = z
  .string()
  .regex(ENDPOINT_SERVICE, 'must be a service short name such as "sts" or "ecr.dkr"')
  .refine((s) => !/^(com\.amazonaws|aws\.sagemaker)\./.test(s), 'must be a service short name such as "sts", not the full service name')
  .refine((s) => s !== "s3", '"s3" is always deployed as a gateway endpoint (the bucket policies name it); remove it here');

/** An interfaceServices entry as written: a known short name, or an unlisted one with its acknowledgement. */
export type InterfaceServiceEntry = string | { readonly service: string; readonly acknowledgeUnlisted: string };

/** The short name of an interfaceServices entry. */
export function interfaceServiceOf(entry: InterfaceServiceEntry): string {
  return typeof entry === "string" ? entry : entry.service;
}

/**
 * The interface endpoints a Studio domain cannot work without here (README, "AWS APIs"; SageMaker
 * Developer Guide, "Connect Studio notebooks in a VPC to external resources": in VpcOnly mode
 * Studio needs the SageMaker API and runtime endpoints, or internet access that this firewall does
 * not give to *.amazonaws.com). The FIPS variants serve other host names and do not replace them.
 */
export const STUDIO_REQUIRED_SERVICES: ReadonlyArray<string> = ["sagemaker.api", "sagemaker.runtime"];

/** A list's own rule: no item twice (by `key`, e.g. an allowlist entry's domain). Runs when every item parsed. */
function noDuplicates<T>(key: (item: T) => string = String) {
  return (list: ReadonlyArray<T>, ctx: z.RefinementCtx): void => {
    const keys = list.map(key);
    keys.forEach((item, i) => {
      const first = keys.indexOf(item);
      if (first !== i) ctx.addIssue({ code: "custom", path: [i], message: `"${item}" is listed twice (also at [${first}])` });
    });
  };
}

export const StudioSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Deploy the <environment>-studio stack (Studio domain, user profiles, execution role)"),
    domainName: z
      .string()
      .regex(SAGEMAKER_NAME, SAGEMAKER_NAME_RULE)
      .optional()
      .describe("SageMaker domain name. Default: <projectName>-<environment>"),
    userProfiles: z
      .array(z.string().regex(SAGEMAKER_NAME, SAGEMAKER_NAME_RULE))
      .min(1, "must list at least one user profile")
      .max(50)
      .superRefine(noDuplicates())
      .default([...DEFAULTS.userProfiles])
      .describe("User profile names; each gets its own security group that only it can reach"),
    allowedSourceCidrs: z
      .array(
        z
          .string()
          .refine((c) => typeof parseCidr(c) !== "string", { message: 'must be an IPv4 CIDR block without host bits, e.g. "203.0.113.0/24"' })
          .superRefine((c, ctx) => {
            // Ranges that restrict nothing, or never match aws:SourceIp (modules/config/ranges.ts).
            const finding = sourceCidrFinding(c);
            if (finding?.severity === "error") ctx.addIssue({ code: "custom", message: finding.message });
          }),
      )
      .max(50)
      .superRefine(noDuplicates())
      .superRefine((list, ctx) => {
        for (const [i, j] of coveredEntries(list)) {
          ctx.addIssue({ code: "custom", path: [i], message: `"${list[i]}" is inside "${list[j]}" (also at [${j}]), which already admits it: remove it` });
        }
      })
      .default([])
      .describe(
        "Networks people may open Studio from: the stack then outputs an IAM policy (studio_presigned_url_policy_json) " +
          "to attach to the people's roles, allowing sagemaker:CreatePresignedDomainUrl for this domain only from these CIDRs",
      ),
    uiEndpoint: z
      .boolean()
      .default(false)
      .describe(
        "Create the Studio UI interface endpoint (aws.sagemaker.<region>.studio, private DNS, admitting this domain's apps only) for people who reach " +
          "Studio over VPN or Direct Connect through this VPC; the DNS firewall then also allows this domain's Studio names. Off by default: processes " +
          "in the VPC could reach Studio through it without passing Network Firewall (README, \"Egress perimeter\")",
      ),
    requireOwnerTag: z
      .boolean()
      .default(true)
      .describe(
        "Refuse every job, model, endpoint (config) and pipeline a Studio user creates without its owner tag (sagemaker-anfw:owner = the role's name), so each one is " +
          "isolated to its creator. On by default: each user profile's JupyterLab lifecycle config writes the SageMaker Python SDK's defaults file, which adds the tag " +
          "(README, \"Users control only their own work\"). false allows untagged creates, and untagged work is then manageable by every user of the environment (warned at synth)",
      ),
  })
  .describe("SageMaker Studio domain settings");

export const StorageSection = z
  .strictObject({
    preventDestroy: z
      .boolean()
      .default(true)
      .describe(
        "Terraform refuses any plan that destroys the buckets or the KMS keys that protect retained data " +
          "(lifecycle prevent_destroy). Turn off only to delete an environment's data on purpose",
      ),
    adminRoleArns: z
      .array(z.string().regex(ROLE_ARN, 'must be an IAM role ARN like "arn:aws:iam::123456789012:role/DataAdmin" (no wildcards)').refine(awsPartitionArn, AWS_PARTITION_ARN))
      .max(10)
      .superRefine(noDuplicates())
      .default([])
      .describe(
        "IAM roles that may read and write the data/models buckets from outside the VPC (break-glass " +
          "administration). Everyone else must come through this VPC's S3 gateway endpoint",
      ),
  })
  .describe("The data and models S3 buckets");

export const DnsFirewallSection = z
  .strictObject({
    mode: z
      .enum(["block", "alert"])
      .default(DEFAULT_DNS_FIREWALL_MODE)
      .describe(
        '"block" (default): names off the list get NXDOMAIN. "alert" (rollout on a new platform): they resolve and each query is flagged ALERT in the DNS ' +
          'query log, and a warning at synth says DNS tunnelling stays open; read the query log for ALERT lines (README, "Egress perimeter", DNS rollout), ' +
          'then set "block". Switching updates one DNS firewall rule in place',
      ),
    mutationProtection: z
      .boolean()
      .default(true)
      .describe("Refuse to detach or change the DNS firewall's association with the VPC; turn off (and apply) before destroying the network"),
  })
  .describe("Route 53 Resolver DNS Firewall on the VPC, generated from firewall.allowedDomains plus the names the VPC's own resolution needs");

export const VpcEndpointsSection = z
  .strictObject({
    interfaceServices: z
      .array(
        z.union([
          ServiceShortName.superRefine((name, ctx) => {
            const problem = unknownServiceProblem(name);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }),
          z
            .strictObject({
              service: ServiceShortName,
              acknowledgeUnlisted: z
                .string()
                .trim()
                .min(10, "must say why (at least 10 characters), e.g. where AWS documents the service")
                .describe("Why this service, which is not in the project's list of known services, is wanted (e.g. where AWS documents it)"),
            })
            .superRefine((entry, ctx) => {
              const ui = uiEndpointProblem(entry.service);
              if (ui) ctx.addIssue({ code: "custom", path: ["service"], message: ui });
              else if (Object.prototype.hasOwnProperty.call(KNOWN_INTERFACE_SERVICES, entry.service)) {
                ctx.addIssue({ code: "custom", path: ["acknowledgeUnlisted"], message: `"${entry.service}" is a known service: write it as a plain string` });
              }
            })
            .describe("A service missing from the project's list (modules/endpoints/known-services.ts), with the reason it is wanted"),
        ]),
      )
      .superRefine(noDuplicates(interfaceServiceOf))
      .default([...DEFAULTS.interfaceEndpoints])
      .describe(
        'Interface endpoints, by short name: "sts" -> com.amazonaws.<region>.sts. One endpoint each, in the workload subnet of every AZ. ' +
          "Not the SageMaker UI endpoints (studio.uiEndpoint, notebook.uiEndpoint). A service missing from the " +
          'project\'s list must be written { "service": "<name>", "acknowledgeUnlisted": "<why>" }',
      ),
    allowJumpStartRead: z
      .boolean()
      .default(false)
      .describe("Add the seed README's statement that lets the S3 endpoint read SageMaker JumpStart objects"),
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations ID like "o-a1b2c3d4e5"')
      .optional()
      .describe("Admit the organization's principals and resources through the VPC endpoints (aws:PrincipalOrgID / aws:ResourceOrgID) instead of only this account's"),
    ecrImageAccounts: z
      .array(z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account ID"))
      .max(50)
      .superRefine(noDuplicates())
      .default([])
      .describe(
        "Further registry accounts (besides this account and sagemakerImages) whose container images may be pulled through the ECR endpoints " +
          "and by the execution roles, e.g. your organization's central image account (README, \"Data perimeter\")",
      ),
    sagemakerImages: z
      .union([
        z.boolean(),
        z
          // names are checked against the table with the region (crossFieldIssues), so a typo gets a message that lists the families
          .array(z.string().min(1))
          .min(1, "list at least one family, or write false")
          .superRefine(noDuplicates()),
      ])
      .default(true)
      .describe(
        "SageMaker's own image registries of the region that jobs and models may pull from (SageMaker pulls a job's image with its execution role). " +
          'true: every family of the project\'s table (from the SageMaker Python SDK); a list of families (the SDK\'s framework names, e.g. ["pytorch", "sklearn", "xgboost"]) ' +
          "admits only the accounts that hold those; false: none (jobs then need images in this account or in ecrImageAccounts)",
      ),
  })
  .describe("VPC endpoints");

/** Notebook instances run on SageMaker ML instance types only: "ml.<family>.<size>". */
const ML_INSTANCE_TYPE = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;

export const NotebookSection = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Deploy the <environment>-notebook stack (a SageMaker notebook instance)"),
    name: z
      .string()
      .regex(SAGEMAKER_NAME, SAGEMAKER_NAME_RULE)
      .optional()
      .describe("Notebook instance name (immutable: changing it replaces the instance). Default: <projectName>-<environment>-notebook"),
    instanceType: z
      .string()
      .regex(ML_INSTANCE_TYPE, 'must be a SageMaker ML instance type such as "ml.t3.medium"')
      .default(DEFAULTS.notebookInstanceType)
      .describe("ML instance type; changing it stops and restarts the instance"),
    volumeSizeGb: z
      .number()
      .int()
      .min(5, "must be at least 5 (GB), the SageMaker minimum")
      .max(16384, "must be at most 16384 (GB), the SageMaker maximum")
      .default(DEFAULTS.notebookVolumeSizeGb)
      .describe("ML storage volume size in GB (5-16384); it can grow in place, shrinking replaces the instance"),
    availabilityZone: z
      .string()
      .optional()
      .describe(
        "AZ (one of availabilityZones) whose workload subnet hosts the instance. Required when enabled: AWS cannot move " +
          "an instance, so it is never derived from the order of availabilityZones",
      ),
    lifecycle: z
      .strictObject({
        onCreate: z.string().min(1).optional().describe("Shell script run once when the instance is created"),
        onStart: z.string().min(1).optional().describe("Shell script run on every start"),
      })
      .optional()
      .describe("Lifecycle configuration scripts, as paths relative to this config file"),
    uiEndpoint: z
      .boolean()
      .default(false)
      .describe(
        "Create the notebook UI interface endpoint (aws.sagemaker.<region>.notebook, private DNS, in the notebook's AZ, admitting this instance only) for people " +
          "who reach Jupyter over VPN or Direct Connect through this VPC; the DNS firewall then also allows this instance's name. Off by default: processes in " +
          "the VPC could reach it without passing Network Firewall (README, \"Egress perimeter\")",
      ),
    requireOwnerTag: z
      .boolean()
      .default(true)
      .describe(
        "Refuse every job, model, endpoint (config) and pipeline the notebook creates without its owner tag (sagemaker-anfw:owner = the role's name), so each one is " +
          "isolated to its creator. On by default: the instance's on-start script writes the SageMaker Python SDK's defaults file, which adds the tag " +
          "(README, \"Users control only their own work\"). false allows untagged creates, and untagged work is then manageable by every user of the environment (warned at synth)",
      ),
  })
  .describe("The notebook-instance stack");

/** Terraform Cloud / Enterprise names: organizations and workspaces use letters, digits, "-" and "_". */
/** A hub's name: its file config/hubs/<hub>.json and its stack <hub>-inspection. */
export const HUB_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const HUB_NAME_RULE = 'must be a hub\'s name (config/hubs/<hub>.json): 1-20 lowercase letters, digits or hyphens, starting with a letter';

/**
 * Where the environment's internet traffic leaves: its own inspected network (local, today's
 * layout), or a regional egress hub (modules/hub, docs/hub.md) that the network reaches through
 * the hub's Transit Gateway. The IDs are the hub's and the spoke's outputs, given in the order of
 * the cross-account deploy (docs/hub.md, "Deploy order").
 */
export const EgressSection = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("local") }).describe("Own Network Firewall, NAT gateway and Elastic IP per AZ (the default)"),
    z
      .strictObject({
        mode: z.literal("hub"),
        hub: z.string().regex(HUB_NAME, HUB_NAME_RULE).describe("The hub's name: config/hubs/<hub>.json in the same config directory"),
        transitGatewayId: z
          .string()
          .regex(/^tgw-[0-9a-f]{8,17}$/, 'must be a Transit Gateway ID such as "tgw-0123456789abcdef0" (the hub stack\'s transit_gateway_id output)')
          .optional()
          .describe("The hub's Transit Gateway (the <hub>-inspection stack's transit_gateway_id output). Until it is set, this environment's stacks are not synthesized"),
        attachmentId: z
          .string()
          .regex(/^tgw-attach-[0-9a-f]{8,17}$/, 'must be a Transit Gateway attachment ID such as "tgw-attach-0123456789abcdef0" (this environment\'s network stack\'s transit_gateway_attachment_id output)')
          .optional()
          .describe("This environment's attachment (its network stack's transit_gateway_attachment_id output): the hub then accepts, associates and routes it"),
        sharedAllowlist: z.boolean().default(false).describe("Also reach the hub's sharedAllowlist (besides firewall.allowedDomains, which the hub passes for this environment's addresses only)"),
        dnsRuleGroupId: z
          .string()
          .regex(/^rslvr-frg-[0-9a-f]{8,17}$/, 'must be a DNS Firewall rule group ID such as "rslvr-frg-0123456789abcdef" (the hub stack\'s dns_firewall_rule_group_id output)')
          .optional()
          .describe("Associate the hub's shared DNS Firewall rule group (its dns_firewall_rule_group_id output) after this environment's own names, instead of a rule group of its own"),
      })
      .describe("Through a regional egress hub's Transit Gateway: no NAT gateway, Elastic IP or internet gateway in this VPC"),
  ])
  .default({ mode: "local" })
  .describe('Where internet traffic leaves: "local" (own firewall and NAT per AZ, the default) or "hub" (a regional egress hub, docs/hub.md)');

const TFC_NAME = /^[A-Za-z0-9_-]+$/;
const S3_BUCKET = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;

export const BackendSection = z
  .discriminatedUnion("type", [
    z
      .strictObject({ type: z.literal("local") })
      .describe("State in terraform.<stack>.tfstate in the project folder (works with no account)"),
    z
      .strictObject({
        type: z.literal("cloud"),
        organization: z.string().min(1).max(40).regex(TFC_NAME, 'must be letters, digits, "-" and "_"').describe("Terraform Cloud organization"),
        hostname: z
          .string()
          .superRefine((h, ctx) => {
            const urlShaped = urlShapeProblem(h, "app.terraform.io");
            if (urlShaped) ctx.addIssue({ code: "custom", message: urlShaped });
          })
          .regex(/^[a-z0-9.-]+$/, 'must be a host name, e.g. "app.terraform.io"').default("app.terraform.io").describe("Terraform Cloud or Enterprise host"),
        project: z.string().min(1).max(40).regex(/^[A-Za-z0-9 _-]+$/, 'must be letters, digits, spaces, "-" and "_"').optional().describe("Terraform Cloud project of the workspaces"),
        workspacePrefix: z.string().max(60).regex(/^[A-Za-z0-9_-]*$/, 'must be letters, digits, "-" and "_"').optional().describe('Workspace name = prefix + stack name. Default: "<projectName>-"'),
      })
      .describe("Terraform Cloud: one workspace per stack; the token comes from TF_TOKEN_<host> or `terraform login`, never from files"),
    z
      .strictObject({
        type: z.literal("s3"),
        bucket: z.string().regex(S3_BUCKET, "must be an S3 bucket name").describe("Existing state bucket (versioned, encrypted)"),
        keyPrefix: z.string().min(1).max(200).regex(/^[A-Za-z0-9!_.*'()/-]+$/, "must be an S3 key prefix without spaces").optional().describe('State key = <keyPrefix>/<stack>.tfstate. Default: projectName'),
        region: z.string().regex(REGION, 'must be an AWS region name such as "us-east-1"').optional().describe("Region of the state bucket. Default: region"),
        kmsKeyId: z.string().regex(KMS_KEY_ARN, "must be a KMS key or alias ARN").optional().describe("Customer key for the state objects (default: the bucket's encryption)"),
      })
      .describe("S3 backend, encrypted, with S3-native state locking (use_lockfile; Terraform >= 1.10)"),
  ])
  .describe("Where Terraform keeps each stack's state");

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** The default_tags the provider sets on every resource after the config's tags (stacks/aws-provider.ts): a config tag of that key is overwritten. */
export const PROJECT_TAG_KEYS: ReadonlyArray<string> = ["Project", "Environment", "Stack", "ManagedBy"];
/** Tag keys the project's code gives meaning to (modules/sagemaker/execution-role.ts, OWNER_TAG_KEY). */
export const PROJECT_TAG_PREFIX = "sagemaker-anfw:";

/** The file's fields and their own rules; `crossFieldIssues` holds the rules between fields. */
export const ConfigFileObject = z
  .strictObject({
    $schema: z.string().optional().describe("Path to config.schema.json, for editors"),
    projectName: z
      .string()
      .regex(PROJECT_NAME, "must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen")
      .max(40)
      .default(DEFAULTS.projectName)
      .describe("Prefix of every resource name; part of S3 bucket names, so lowercase"),
    accountId: z
      .string({ error: (iss) => (iss.input === undefined ? 'required: the 12-digit AWS account ID this environment deploys to, e.g. "111122223333"' : "must be a string of 12 digits") })
      .regex(/^\d{12}$/, 'must be the 12-digit AWS account ID this environment deploys to, e.g. "111122223333"')
      .describe("AWS account of this environment: the provider refuses credentials for any other account (allowed_account_ids)"),
    assumeRoleArn: z
      .string()
      .regex(ROLE_ARN, 'must be an IAM role ARN like "arn:aws:iam::123456789012:role/Deployer" (no wildcards)')
      .refine(awsPartitionArn, AWS_PARTITION_ARN)
      .optional()
      .describe("Role the AWS provider assumes for this environment (e.g. a deploy role in the environment's account)"),
    region: Region.default(DEFAULTS.region).describe("AWS region to deploy to (aws partition: not China, GovCloud or ISO regions)"),
    availabilityZones: z
      .array(z.string())
      .min(1, "must list at least one AZ")
      .max(MAX_AZS, `lists more than ${MAX_AZS} AZs`)
      .optional()
      .describe("AZ names in `region` (1-6, distinct). Default: the region's a, b and c"),
    vpcCidr: Cidr.default(DEFAULTS.vpcCidr).describe("VPC CIDR, /16 to /28 (AWS's limits); the default subnet plan needs /16 to /19, smaller VPCs need subnetCidrs for every subnet"),
    subnetCidrs: z
      .record(z.string(), LaneOverride)
      .optional()
      .describe("Per-AZ subnet CIDR overrides, keyed by AZ name"),
    backend: BackendSection.default({ type: "local" }),
    // prefault: a missing section is parsed as {}, so its fields' own defaults apply.
    firewall: FirewallSection.prefault({}),
    logging: LoggingSection.prefault({}),
    studio: StudioSection.prefault({}),
    storage: StorageSection.prefault({}),
    notebook: NotebookSection.prefault({}),
    vpcEndpoints: VpcEndpointsSection.prefault({}),
    dnsFirewall: DnsFirewallSection.prefault({}),
    egress: EgressSection,
    tags: z
      .record(
        z
          .string()
          .min(1)
          .max(128)
          .regex(TAG_TEXT, "has characters AWS tags do not allow")
          .refine((k) => !k.toLowerCase().startsWith("aws:"), 'must not start with "aws:" (reserved by AWS)')
          .refine((k) => !PROJECT_TAG_KEYS.includes(k), {
            error: (iss) =>
              `"${String(iss.input)}" is a tag the project sets on every resource (${PROJECT_TAG_KEYS.join(", ")}: stacks/aws-provider.ts), and the project's value wins, ` +
              "so yours would silently not be applied; choose another key",
          })
          .refine((k) => !k.startsWith(PROJECT_TAG_PREFIX), `must not start with "${PROJECT_TAG_PREFIX}" (the project's own tags, e.g. the owner tag that isolates users' work)`),
        z.string().max(256).regex(TAG_TEXT, "has characters AWS tags do not allow"),
      )
      .default({})
      .describe("Extra tags on every resource (the provider's default_tags)"),
  });

/** One cross-field problem, at the path of the field a user has to edit. */
export interface CrossFieldIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/**
 * The rules between fields. `cfg` is the parsed file, where a field that failed its own rules may be
 * missing: `ok(path)` says whether the field at `path` (and everything in it) parsed, and each rule
 * runs only when every field it reads did, so a bad field never hides another field's problem and
 * never causes a follow-on one.
 */
export function crossFieldIssues(cfg: ConfigFile, ok: (path: string) => boolean = () => true): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const add = (path: ReadonlyArray<string | number>, message: string) => issues.push({ path, message });
  const has = (...paths: string[]) => paths.every(ok);

  // availabilityZones (given or defaulted from region): distinct, and in region.
  let azsOk = has("availabilityZones", "region");
  const azs = has("availabilityZones", "region") ? resolvedAzs(cfg) : [];
  if (has("availabilityZones")) {
    const seen = new Map<string, number>();
    (cfg.availabilityZones ?? []).forEach((az, i) => {
      const first = seen.get(az);
      if (first !== undefined) {
        azsOk = false;
        add(["availabilityZones", i], `"${az}" is listed twice (also at availabilityZones[${first}])`);
      } else {
        seen.set(az, i);
      }
    });
  }
  if (has("availabilityZones", "region")) {
    azs.forEach((az, i) => {
      const problem = azNameProblem(az, cfg.region);
      if (problem) {
        azsOk = false;
        add(["availabilityZones", i], problem);
      }
    });
  }

  // Each domain becomes at least one generated rule per target type (HTTP_HOST, TLS_SNI).
  if (has("firewall.allowedDomains", "firewall.ruleGroupCapacity")) {
    const domains = allowlistDomains(cfg.firewall.allowedDomains);
    const needed = domains.length * 2;
    if (needed > cfg.firewall.ruleGroupCapacity) add(["firewall", "ruleGroupCapacity"], `${domains.length} domains need a capacity of at least ${needed}`);
  }

  if (has("firewall.tlsInspection", "region", "accountId")) {
    const tlsCa = cfg.firewall.tlsInspection?.certificateAuthorityArn.split(":");
    if (tlsCa && tlsCa.length > 4 && (tlsCa[3] !== cfg.region || tlsCa[4] !== cfg.accountId)) {
      add(
        ["firewall", "tlsInspection", "certificateAuthorityArn"],
        `must be a certificate in this environment's region and account (${cfg.region}, ${cfg.accountId}): Network Firewall uses ACM certificates of its own account and region only`,
      );
    }
  }

  // SageMaker's image registries: the table must know the region, and the region each listed family.
  if (has("vpcEndpoints.sagemakerImages", "region")) {
    for (const problem of sageMakerImageProblems(cfg.region, cfg.vpcEndpoints.sagemakerImages)) add(["vpcEndpoints", "sagemakerImages"], problem);
  }

  // arn:<partition>:iam::<account>:role/<name>: the account is the fifth field.
  if (has("assumeRoleArn", "accountId") && cfg.assumeRoleArn !== undefined && cfg.assumeRoleArn.split(":")[4] !== cfg.accountId) {
    add(["assumeRoleArn"], `names a role outside accountId ${cfg.accountId}; the provider would then be refused by allowed_account_ids`);
  }
  if (has("studio.enabled", "notebook.enabled") && !cfg.studio.enabled && !cfg.notebook.enabled) {
    add(["studio", "enabled"], "no workload is enabled: set studio.enabled or notebook.enabled to true");
  }
  // A UI endpoint lives in its workload's stack: without the workload it would silently not exist.
  for (const [section, what] of [["studio", "the Studio stack"], ["notebook", "the notebook stack"]] as const) {
    if (has(`${section}.enabled`, `${section}.uiEndpoint`) && cfg[section].uiEndpoint && !cfg[section].enabled) {
      add([section, "uiEndpoint"], `has no effect while ${section}.enabled is false (the endpoint lives in ${what}): remove it, or set ${section}.enabled to true`);
    }
  }
  if (has("notebook.enabled", "notebook.availabilityZone") && cfg.notebook.enabled && cfg.notebook.availabilityZone === undefined) {
    add(
      ["notebook", "availabilityZone"],
      `required when the notebook is enabled: name one of availabilityZones${azs.length ? ` (${azs.join(", ")})` : ""}; an instance cannot move, so it is never taken from the list's order`,
    );
  }
  const notebookAz = has("notebook.availabilityZone") ? cfg.notebook.availabilityZone : undefined;
  if (notebookAz !== undefined && has("availabilityZones", "region") && !azs.includes(notebookAz)) {
    const named = azNameProblem(notebookAz, cfg.region);
    add(["notebook", "availabilityZone"], named && azs.includes(notebookAz.toLowerCase()) ? named : `"${notebookAz}" is not one of availabilityZones (${azs.join(", ")})`);
  }

  // The VPC's own range: unusable and Docker-bridge ranges are refused (public ones warn: configWarnings).
  if (has("vpcCidr")) {
    const finding = vpcCidrFinding(cfg.vpcCidr);
    if (finding?.severity === "error") add(["vpcCidr"], finding.message);
  }

  // Studio runs in VpcOnly mode behind a firewall that refuses *.amazonaws.com (shared hosting):
  // its apps reach SageMaker only through these interface endpoints.
  if (has("studio.enabled", "vpcEndpoints.interfaceServices") && cfg.studio.enabled) {
    const listed = cfg.vpcEndpoints.interfaceServices.map(interfaceServiceOf);
    const missing = STUDIO_REQUIRED_SERVICES.filter((svc) => !listed.includes(svc));
    if (missing.length > 0) {
      add(
        ["vpcEndpoints", "interfaceServices"],
        `leaves out ${missing.map((m) => `"${m}"`).join(" and ")}, which Studio needs: a VpcOnly domain reaches the SageMaker API and runtime only through ` +
          "these endpoints (the firewall refuses *.amazonaws.com), so Studio's apps and the SDK in them would fail. " +
          `Add ${missing.map((m) => `"${m}"`).join(" and ")} to the list, or set studio.enabled to false`,
      );
    }
  }
  // Fields that only do something in the Studio stack.
  if (has("studio.enabled", "studio.allowedSourceCidrs") && !cfg.studio.enabled && cfg.studio.allowedSourceCidrs.length > 0) {
    add(["studio", "allowedSourceCidrs"], "has no effect while studio.enabled is false (the policy is an output of the Studio stack): remove it, or set studio.enabled to true");
  }
  // The environment's own account is always admitted (imageRegistryAccounts leaves it out of the list).
  if (has("vpcEndpoints.ecrImageAccounts", "accountId")) {
    const own = cfg.vpcEndpoints.ecrImageAccounts.indexOf(cfg.accountId);
    if (own >= 0) add(["vpcEndpoints", "ecrImageAccounts", own], `"${cfg.accountId}" is this environment's own account, whose images are always admitted: remove it`);
  }

  // A hub spoke's subnets follow the spoke plan (modules/hub/hub-plan.ts), which takes no overrides.
  if (has("egress", "subnetCidrs") && cfg.egress.mode === "hub" && cfg.subnetCidrs !== undefined) {
    add(["subnetCidrs"], 'has no effect with egress.mode "hub": a spoke\'s workload subnets are the default plan\'s and it has no firewall or NAT subnets; remove subnetCidrs, or use egress.mode "local"');
  }
  if (has("egress") && cfg.egress.mode === "hub" && cfg.egress.attachmentId !== undefined && cfg.egress.transitGatewayId === undefined) {
    add(["egress", "attachmentId"], "comes from this environment's network stack, which needs egress.transitGatewayId first: set transitGatewayId (the hub's output), deploy the network stack, then set attachmentId");
  }

  // The plan is keyed by AZ; with bad AZ names it would only repeat those errors as overlaps.
  if (azsOk && has("vpcCidr", "subnetCidrs")) {
    const plan = planLanes({ vpcCidr: cfg.vpcCidr, availabilityZones: azs, overrides: cfg.subnetCidrs });
    for (const issue of plan.issues) add(issue.path, issue.message);
  }
  return issues;
}

/** The whole file as one schema (for tools and tests); the loader parses field by field instead. */
export const ConfigFileSchema = ConfigFileObject.superRefine((cfg, ctx) => {
  for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
});

export type ConfigFile = z.output<typeof ConfigFileObject>;
