/**
 * Synth tests of the Studio stack on top of the network: storage, keys, endpoints, IAM, the
 * domain and its user profiles, and the outputs.
 */
import { azs, Json, one, policyStatements as statementsOf, referencedAddress, resourcesOf, studioStack, synthJson } from "./support/synth";

const ADMIN = "arn:aws:iam::123456789012:role/DataAdmin";

function bySid(statements: Json[], sid: string): Json {
  const s = statements.find((x) => x.sid === sid);
  expect(s).toBeDefined();
  return s!;
}

const json = synthJson(studioStack({}));
const workloadSubnets = resourcesOf(json, "aws_subnet")
  .filter(([, s]) => s.tags.Tier === "workload")
  .map(([n]) => `\${aws_subnet.${n}.id}`);
const workloadTables = resourcesOf(json, "aws_route_table")
  .filter(([, t]) => t.tags.Tier === "workload")
  .map(([n]) => `\${aws_route_table.${n}.id}`);
/** The data and models buckets (not the access-log bucket), and their policies. */
const dataBuckets = resourcesOf(json, "aws_s3_bucket").filter(([n]) => !n.startsWith("access-log-bucket"));
const dataBucketPolicies = (j: Json) => resourcesOf(j, "aws_s3_bucket_policy").filter(([n]) => !n.startsWith("access-log-bucket"));
const [s3EndpointName, s3Endpoint] = resourcesOf(json, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
const [roleName, role] = resourcesOf(json, "aws_iam_role").find(([n]) => n.startsWith("execution-role"))!;
const roleArn = `\${aws_iam_role.${roleName}.arn}`;
const keys = Object.fromEntries(resourcesOf(json, "aws_kms_key").map(([n, k]) => [n.replace(/-key_.*$/, ""), { name: n, key: k }]));

describe("storage", () => {
  const buckets = dataBuckets;

  test("data and models buckets named per project, environment, account and region, never force-destroyed", () => {
    const [[identity]] = Object.entries(json.data.aws_caller_identity);
    expect(buckets.map(([, b]) => b.bucket).sort()).toEqual(
      ["data", "models"].map((s) => `sagemaker-studio-anfw-test-\${data.aws_caller_identity.${identity}.account_id}-us-east-1-${s}`),
    );
    for (const [, b] of buckets) expect(b.force_destroy).toBe(false);
  });

  test("SSE-KMS with the S3 customer key and bucket keys, versioning, public access blocked, ACLs off", () => {
    for (const [name] of buckets) {
      const ref = `\${aws_s3_bucket.${name}.id}`;
      const forBucket = (type: string) => resourcesOf(json, type).filter(([, r]) => r.bucket === ref).map(([, r]) => r);
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

  test("bucket policies: TLS only, and data access only through this VPC's S3 gateway endpoint", () => {
    const policies = dataBucketPolicies(json);
    expect(policies).toHaveLength(2);
    for (const [, p] of policies) {
      const statements = statementsOf(json, p.policy);
      const tls = bySid(statements, "DenyInsecureTransport");
      expect(tls).toMatchObject({ effect: "Deny", actions: ["s3:*"], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] });
      const vpce = bySid(statements, "DenyDataAccessOutsideVpcEndpoint");
      expect(vpce.effect).toBe("Deny");
      expect(vpce.principals).toEqual([{ type: "*", identifiers: ["*"] }]);
      expect(vpce.actions).toEqual(expect.arrayContaining(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*"]));
      expect(vpce.condition).toEqual([{ test: "StringNotEquals", variable: "aws:sourceVpce", values: [`\${aws_vpc_endpoint.${s3EndpointName}.id}`] }]);
    }
  });

  test("the VPC-only deny cannot lock the deployer out: it covers no bucket-management action", () => {
    const [[, p]] = dataBucketPolicies(json);
    const vpce = bySid(statementsOf(json, p.policy), "DenyDataAccessOutsideVpcEndpoint");
    for (const action of vpce.actions as string[]) {
      expect(action).not.toMatch(/^s3:(\*|Put(Bucket|Encryption|Lifecycle)|Get(Bucket|Encryption)|DeleteBucket)/);
    }
  });

  test("administrator roles from config are exempt from the VPC-only deny, and may use the S3 key", () => {
    const withAdmin = synthJson(studioStack({ storage: { adminRoleArns: [ADMIN] } }));
    for (const [, p] of dataBucketPolicies(withAdmin)) {
      const vpce = bySid(statementsOf(withAdmin, p.policy), "DenyDataAccessOutsideVpcEndpoint");
      expect(vpce.condition).toContainEqual({ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [ADMIN] });
    }
    const [, s3Key] = resourcesOf(withAdmin, "aws_kms_key").find(([n]) => n.startsWith("s3-key"))!;
    expect(bySid(statementsOf(withAdmin, s3Key.policy), "AllowUseThroughS3").principals[0].identifiers).toContain(ADMIN);
  });
});

describe("KMS keys", () => {
  test("three keys (S3, Studio volumes, network), rotation on, each with an alias", () => {
    expect(Object.keys(keys).sort()).toEqual(["network", "s3", "studio"]);
    for (const { key } of Object.values(keys)) expect(key.enable_key_rotation).toBe(true);
    expect(resourcesOf(json, "aws_kms_alias").map(([, a]) => a.name).sort()).toEqual([
      "alias/sagemaker-studio-anfw-test-studio-network",
      "alias/sagemaker-studio-anfw-test-studio-s3",
      "alias/sagemaker-studio-anfw-test-studio-storage",
    ]);
  });

  test("key policies name who administers (the account) and who uses them (the execution role, via the service)", () => {
    const s3 = statementsOf(json, keys.s3.key.policy);
    expect(bySid(s3, "AllowAccountAdministration").principals[0].identifiers[0]).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::\$\{data\.aws_caller_identity\.[^}]+\}:root$/);
    const s3Use = bySid(s3, "AllowUseThroughS3");
    expect(s3Use.principals).toEqual([{ type: "AWS", identifiers: [roleArn] }]);
    expect(s3Use.condition[0]).toMatchObject({ test: "StringEquals", variable: "kms:ViaService" });
    expect(s3Use.condition[0].values[0]).toMatch(/^s3\.us-east-1\./);
    expect(s3Use.actions).not.toContain("kms:*");

    const studio = statementsOf(json, keys.studio.key.policy);
    expect(bySid(studio, "AllowUseForStudioVolumes").principals).toEqual([{ type: "AWS", identifiers: [roleArn] }]);
    expect(bySid(studio, "AllowGrantsForStudioVolumes").condition).toEqual([{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]);
  });
});

describe("VPC endpoints", () => {
  const interfaces = resourcesOf(json, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface");
  const [sgName] = resourcesOf(json, "aws_security_group").find(([, g]) => g.name.endsWith("-vpc-endpoints"))!;

  test("S3 gateway endpoint on every workload route table (one per AZ)", () => {
    expect(s3Endpoint.service_name).toBe("com.amazonaws.us-east-1.s3");
    expect([...s3Endpoint.route_table_ids].sort()).toEqual([...workloadTables].sort());
    expect(workloadTables).toHaveLength(3);
  });

  test("S3 endpoint policy allows only the two buckets (and ECR's layer bucket); JumpStart is off by default", () => {
    const statements = statementsOf(json, s3Endpoint.policy);
    expect(statements.map((s) => s.sid)).toEqual(["AllowWorkloadBuckets", "AllowEcrImageLayers"]);
    const buckets = dataBuckets.map(([n]) => `\${aws_s3_bucket.${n}.arn}`);
    expect([...bySid(statements, "AllowWorkloadBuckets").resources].sort()).toEqual([...buckets, ...buckets.map((b) => `${b}/*`)].sort());
    expect(bySid(statements, "AllowEcrImageLayers").resources).toEqual([expect.stringMatching(/:s3:::prod-us-east-1-starport-layer-bucket\/\*$/)]);

    const jumpStart = synthJson(studioStack({ vpcEndpoints: { allowJumpStartRead: true } }));
    const [, gw] = resourcesOf(jumpStart, "aws_vpc_endpoint").find(([, e]) => e.vpc_endpoint_type === "Gateway")!;
    expect(bySid(statementsOf(jumpStart, gw.policy), "AllowJumpStartRead").condition).toEqual([
      { test: "StringEqualsIgnoreCase", variable: "s3:ExistingObjectTag/SageMaker", values: ["true"] },
    ]);
  });

  test("the seed's ten interface endpoints plus Studio UI, private DNS, in the workload subnet of every AZ", () => {
    expect(interfaces.map(([, e]) => e.service_name).sort()).toEqual(
      [
        "com.amazonaws.us-east-1.sagemaker.api",
        "com.amazonaws.us-east-1.sagemaker.runtime",
        "aws.sagemaker.us-east-1.notebook",
        "aws.sagemaker.us-east-1.studio",
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
      expect([...e.subnet_ids].sort()).toEqual([...workloadSubnets].sort());
      expect(e.security_group_ids).toEqual([`\${aws_security_group.${sgName}.id}`]);
    }
  });

  test("the list is configurable", () => {
    const custom = synthJson(studioStack({ vpcEndpoints: { interfaceServices: ["sts", "kms"] } }));
    expect(
      resourcesOf(custom, "aws_vpc_endpoint")
        .filter(([, e]) => e.vpc_endpoint_type === "Interface")
        .map(([, e]) => e.service_name)
        .sort(),
    ).toEqual(["com.amazonaws.us-east-1.kms", "com.amazonaws.us-east-1.sts"]);
  });

  test("endpoint security group admits only HTTPS from the SageMaker security groups, and sends nothing", () => {
    const sgRef = `\${aws_security_group.${sgName}.id}`;
    const ingress = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sgRef);
    // The groups Studio runs in: the domain default and every user profile's own.
    const [, d] = one(json, "aws_sagemaker_domain");
    const sagemakerGroups = [
      ...d.default_user_settings.security_groups,
      ...resourcesOf(json, "aws_sagemaker_user_profile").flatMap(([, p]) => p.user_settings.security_groups),
    ];
    expect(sagemakerGroups).toHaveLength(2); // domain default + one user profile
    expect(ingress.map(([, r]) => r.referenced_security_group_id).sort()).toEqual(sagemakerGroups.sort());
    for (const [, r] of ingress) {
      expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
      expect(r.cidr_ipv4).toBeUndefined();
    }
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sgRef)).toEqual([]);
    const [, sg] = resourcesOf(json, "aws_security_group").find(([n]) => n === sgName)!;
    expect(sg.egress).toBeUndefined(); // no inline rules either
    expect(sg.ingress).toBeUndefined();
  });
});

describe("IAM execution role", () => {
  const [, policy] = one(json, "aws_iam_policy");
  const statements = statementsOf(json, policy.policy);

  test("trusted by SageMaker only", () => {
    const trust = statementsOf(json, role.assume_role_policy);
    expect(trust).toEqual([expect.objectContaining({ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["sagemaker.amazonaws.com"] }] })]);
  });

  test("no Allow on '*' for anything but reads, unless a condition binds it", () => {
    const READ = /^[a-z0-9]+:(Get|List|Describe|Search)/;
    const unbound = statements.filter((s) => s.effect !== "Deny" && (s.resources as string[]).includes("*") && !s.condition);
    expect(unbound.length).toBeGreaterThan(0); // the check below must have something to check
    for (const s of unbound) {
      for (const action of s.actions as string[]) expect({ sid: s.sid, action, read: READ.test(action) }).toEqual({ sid: s.sid, action, read: true });
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

  test("resources are this stack's: buckets, keys, the role itself, the domain's apps and spaces", () => {
    const buckets = dataBuckets.map(([n]) => `\${aws_s3_bucket.${n}.arn}`);
    expect(bySid(statements, "S3StackBuckets").resources.sort()).toEqual([...buckets, ...buckets.map((b) => `${b}/*`)].sort());
    const keyArns = [keys.s3, keys.studio].map(({ name }) => `\${aws_kms_key.${name}.arn}`).sort();
    expect([...bySid(statements, "KmsUseOfStackKeys").resources].sort()).toEqual(keyArns);
    expect(bySid(statements, "PassOnlyThisRoleOnlyToSageMaker")).toMatchObject({
      resources: [roleArn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["sagemaker.amazonaws.com"] }],
    });
    const [domainName] = one(json, "aws_sagemaker_domain");
    for (const r of bySid(statements, "StudioAppsAndSpacesOfThisDomain").resources as string[]) {
      expect(r).toMatch(new RegExp(`:(app|space)/\\$\\{aws_sagemaker_domain\\.${domainName}\\.id\\}/\\*$`));
    }
    expect(bySid(statements, "CloudWatchLogsOfSageMaker").resources[0]).toMatch(/:log-group:\/aws\/sagemaker\/\*$/);
  });

  test("training, processing, model and tuning jobs outside the VPC are denied (seed)", () => {
    expect(bySid(statements, "DenyJobsOutsideTheVpc")).toMatchObject({
      effect: "Deny",
      condition: [{ test: "Null", variable: "sagemaker:VpcSubnets", values: ["true"] }],
    });
  });

  test("the policy is attached to the role", () => {
    const [, attachment] = one(json, "aws_iam_role_policy_attachment");
    expect(referencedAddress(attachment.role)).toBe(`aws_iam_role.${roleName}`);
  });
});

describe("SageMaker Studio", () => {
  const [, domain] = one(json, "aws_sagemaker_domain");

  test("VpcOnly, IAM auth, on the workload subnet of every AZ, encrypted with the Studio key, home EFS retained", () => {
    expect(domain).toMatchObject({
      app_network_access_type: "VpcOnly",
      auth_mode: "IAM",
      domain_name: "sagemaker-studio-anfw-test",
      kms_key_id: `\${aws_kms_key.${keys.studio.name}.arn}`,
      retention_policy: { home_efs_file_system: "Retain" },
    });
    expect([...domain.subnet_ids].sort()).toEqual([...workloadSubnets].sort());
    expect(domain.default_user_settings.execution_role).toBe(roleArn);
  });

  test("adding an AZ cannot replace the domain (subnet_ids is ForceNew in hashicorp/aws 5.100)", () => {
    expect(domain.lifecycle.ignore_changes).toEqual(["subnet_ids"]);
  });

  test("domain name from config", () => {
    const named = synthJson(studioStack({ studio: { domainName: "research" } }));
    expect(one(named, "aws_sagemaker_domain")[1].domain_name).toBe("research");
  });

  describe("user profiles each get their own security group, reachable only from itself", () => {
    const multi = synthJson(studioStack({ studio: { userProfiles: ["alice", "bob"] } }));
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

    test("egress is port-limited (no all-traffic rule) and every rule has a description", () => {
      for (const type of ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]) {
        for (const [, r] of resourcesOf(multi, type)) {
          expect(r.ip_protocol).toBe("tcp");
          expect(r.description).toEqual(expect.any(String));
          if (r.cidr_ipv4 === "0.0.0.0/0") expect([80, 443]).toContain(r.from_port);
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

test("outputs: domain, profiles, AZ -> endpoint map, buckets, presigned URL command", () => {
  expect(Object.keys(json.output)).toEqual(
    expect.arrayContaining([
      "studio_domain_id",
      "studio_user_profile_names",
      "firewall_endpoint_ids",
      "data_bucket_name",
      "models_bucket_name",
      "studio_presigned_url_commands",
      "kms_key_arns",
      "studio_security_group_ids",
      "execution_role_arn",
      "s3_vpc_endpoint_id",
    ]),
  );
  expect(Object.keys(json.output.studio_security_group_ids.value.user_profiles)).toEqual(["anfw-user-profile"]);
  expect(json.output.studio_user_profile_names.value).toEqual(["anfw-user-profile"]);
  expect(json.output.studio_presigned_url_commands.value["anfw-user-profile"]).toMatch(
    /^aws sagemaker create-presigned-domain-url --region us-east-1 --domain-id \$\{aws_sagemaker_domain\.[^}]+\.id\} --user-profile-name anfw-user-profile /,
  );
});

test("the seed's SSM parameters: the S3 endpoint ID and the S3 key ARN, under the environment's path", () => {
  const params = Object.fromEntries(resourcesOf(json, "aws_ssm_parameter").map(([, p]) => [p.name, p.value]));
  expect(params).toEqual({
    "/sagemaker-studio-anfw/test/studio/s3-endpoint-id": `\${aws_vpc_endpoint.${s3EndpointName}.id}`,
    "/sagemaker-studio-anfw/test/studio/s3-kms-key-arn": `\${aws_kms_key.${keys.s3.name}.arn}`,
  });
});

test("6 AZs: domain and every interface endpoint span all six workload subnets", () => {
  const six = synthJson(studioStack({ availabilityZones: azs("us-east-1", "abcdef") }));
  const [, d] = one(six, "aws_sagemaker_domain");
  expect(d.subnet_ids).toHaveLength(6);
  for (const [, e] of resourcesOf(six, "aws_vpc_endpoint")) {
    if (e.vpc_endpoint_type === "Interface") expect(e.subnet_ids).toHaveLength(6);
    else expect(e.route_table_ids).toHaveLength(6);
  }
});
