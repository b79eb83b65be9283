/**
 * The contract between an environment's network stack and its workload stacks: one SSM parameter
 * holding, as JSON, everything a workload needs from the network (VPC, workload subnets by AZ, the
 * endpoints' security group, the S3 endpoint, the data buckets and the keys that protect them).
 *
 * Why a published parameter and not cdktf cross-stack references: cross-stack references compile
 * to `terraform_remote_state`, so every workload plan would need read access to the whole network
 * state (every attribute of every resource) and a backend-specific setting (Terraform Cloud's
 * remote state sharing, S3 GetObject on the state key). The parameter works the same with the
 * local, S3 and Terraform Cloud backends, a workload's plan role needs only ssm:GetParametersByPath
 * on the network's path, and the network can be replaced or moved to another backend without touching
 * the workloads. A version field lets a reader refuse a contract it does not understand.
 *
 */
import { Construct } from "constructs";
import { Fn, TerraformLocal, Token, propertyAccess } from "cdktf";
import { DataAwsSsmParametersByPath } from "@cdktf/provider-aws/lib/data-aws-ssm-parameters-by-path";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { hclList } from "../hcl";

export const NETWORK_CONTRACT_VERSION = 1;

export interface ContractBucket {
  /** The bucket's name. */
  readonly name: string;
  /** The bucket's ARN. */
  readonly arn: string;
}

/** What the network stack publishes. Keys are snake_case in the JSON. */
export interface NetworkContractValues {
  /** The VPC. */
  readonly vpcId: string;
  /** Workload subnet ID per AZ name. */
  readonly workloadSubnetIds: Readonly<Record<string, string>>;
  /** The interface endpoints' security group, which workloads add HTTPS ingress to (EndpointIngress). */
  readonly endpointSecurityGroupId: string;
  /** The S3 gateway endpoint, which the buckets' policies require. */
  readonly s3EndpointId: string;
  /** S3's managed prefix list in this region (the gateway endpoint's prefix_list_id). */
  readonly s3PrefixListId: string;
  /** Key ARNs by purpose: "s3", "studio_storage". */
  readonly keyArns: Readonly<Record<string, string>>;
  /** Buckets by suffix: "data", "models", "notebook". */
  readonly buckets: Readonly<Record<string, ContractBucket>>;
}

export interface PublishedContractProps {
  /** The SSM parameter's name, e.g. "/<project>/<environment>/network/contract". Required. */
  readonly parameterName: string;
  /** What the network publishes. Required. */
  readonly values: NetworkContractValues;
}

/** The network stack's side: writes the contract parameter. */
export class PublishedNetworkContract extends Construct {
  readonly parameter: SsmParameter;

  constructor(scope: Construct, id: string, props: PublishedContractProps) {
    super(scope, id);
    const v = props.values;
    this.parameter = new SsmParameter(this, "parameter", {
      name: props.parameterName,
      type: "String",
      description: "What this environment's workload stacks read from its network stack (JSON, versioned)",
      value: Fn.jsonencode({
        version: NETWORK_CONTRACT_VERSION,
        vpc_id: v.vpcId,
        workload_subnet_ids: { ...v.workloadSubnetIds },
        endpoint_security_group_id: v.endpointSecurityGroupId,
        s3_endpoint_id: v.s3EndpointId,
        s3_prefix_list_id: v.s3PrefixListId,
        key_arns: { ...v.keyArns },
        buckets: Object.fromEntries(Object.entries(v.buckets).map(([k, b]) => [k, { name: b.name, arn: b.arn }])),
      }),
    });
  }
}

/** Placeholder of a contract without s3_prefix_list_id (a network deployed before it was added). */
const MISSING_PREFIX_LIST = "pl-00000000";

export interface NetworkContractProps {
  /** The contract parameter's name, as the network published it. Required. */
  readonly parameterName: string;
  /** The network stack's name, for messages ("dev-network"). Required. */
  readonly networkStackName: string;
  /** AZs whose workload subnets this reader uses: the plan fails if the contract lacks one. Required. */
  readonly availabilityZones: ReadonlyArray<string>;
  /** Bucket suffixes this reader uses ("data", "notebook"): the plan fails if the contract lacks one. Default: none. */
  readonly buckets?: ReadonlyArray<string>;
  /** Key purposes this reader uses ("s3", "studio_storage"): the plan fails if the contract lacks one. Default: none. */
  readonly keys?: ReadonlyArray<string>;
}

/** A Terraform precondition: an HCL condition and the message when it is false. */
export interface ContractCondition {
  /** An HCL expression ("${...}") that must be true. */
  readonly condition: string;
  /** The plan's message when it is false. */
  readonly errorMessage: string;
}

/**
 * A workload stack's side: reads the contract, and states what it must contain.
 *
 * It lists the network's parameters by path instead of reading the one parameter: a missing
 * parameter is then an empty list, not a ParameterNotFound error, so (a) a plan of a workload whose
 * network is not deployed yet stops on `preconditions`' message ("deploy <env>-network first"), and
 * (b) destroying a workload still works after its network is gone (Terraform does not check a
 * resource's preconditions when it destroys it, and placeholders keep every reference valid). Attach `preconditions` to a resource every plan
 * creates or keeps (the stacks use the execution role).
 */
export class NetworkContract extends Construct {
  readonly parameters: DataAwsSsmParametersByPath;
  /** The checks the workload's plan must pass; see the class comment. */
  readonly preconditions: ReadonlyArray<ContractCondition>;
  private readonly decoded: TerraformLocal;

  constructor(scope: Construct, id: string, props: NetworkContractProps) {
    super(scope, id);
    this.parameters = new DataAwsSsmParametersByPath(this, "parameters", {
      path: props.parameterName.slice(0, props.parameterName.lastIndexOf("/")),
      recursive: false,
      withDecryption: false,
    });
    // `values` is marked sensitive by the provider; the contract is a plain String of IDs and ARNs,
    // which plans must show.
    // Placeholders for a missing contract (version 0, so the first precondition fails): every
    // reference then still evaluates, so a plan shows only the precondition's message (not one
    // "Unsupported attribute" per resource), and the plan `terraform destroy` makes first (where
    // preconditions are only warnings) works when the network is already gone. A published
    // contract replaces every top-level field (merge is shallow), so the checks below see only it.
    const missingKey = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000";
    const missingBucket = { name: "network-contract-missing", arn: "arn:aws:s3:::network-contract-missing" };
    const placeholders = {
      version: 0,
      vpc_id: "vpc-00000000000000000",
      workload_subnet_ids: Object.fromEntries(props.availabilityZones.map((az) => [az, "subnet-00000000000000000"])),
      endpoint_security_group_id: "sg-00000000000000000",
      s3_endpoint_id: "vpce-00000000000000000",
      s3_prefix_list_id: MISSING_PREFIX_LIST,
      key_arns: Object.fromEntries((props.keys ?? []).map((k) => [k, missingKey])),
      buckets: Object.fromEntries((props.buckets ?? []).map((b) => [b, missingBucket])),
    };
    this.decoded = new TerraformLocal(
      this,
      "network",
      Fn.merge([
        placeholders,
        Fn.try([Fn.jsondecode(Fn.element(Fn.nonsensitive(this.parameters.values), Token.asNumber(Fn.index(this.parameters.names, props.parameterName)))), {}]),
      ]),
    );
    const c = `local.${this.decoded.friendlyUniqueId}`;
    const missing = (field: string, wanted: ReadonlyArray<string>) => `setsubtract(${hclList(wanted)}, keys(try(${c}.${field}, {})))`;
    const check = (field: string, wanted: ReadonlyArray<string>, what: string): ContractCondition => ({
      condition: `\${length(${missing(field, wanted)}) == 0}`,
      errorMessage: `${props.parameterName} (published by ${props.networkStackName}) has no ${what} \${join(", ", ${missing(field, wanted)})}: deploy ${props.networkStackName} with the same config first.`,
    });
    this.preconditions = [
      {
        condition: `\${try(${c}.version, 0) == ${NETWORK_CONTRACT_VERSION}}`,
        errorMessage: `${props.parameterName} is missing or not a version ${NETWORK_CONTRACT_VERSION} network contract: deploy ${props.networkStackName} (from this same release) first.`,
      },
      {
        // Added to version 1 later: a network deployed before it lacks the field.
        // Only for a published contract: a missing one is reported once, by the version check.
        condition: `\${try(${c}.version, 0) != ${NETWORK_CONTRACT_VERSION} || try(${c}.s3_prefix_list_id, "${MISSING_PREFIX_LIST}") != "${MISSING_PREFIX_LIST}"}`,
        errorMessage: `${props.parameterName} (published by ${props.networkStackName}) has no s3_prefix_list_id: deploy ${props.networkStackName} (from this same release) first.`,
      },
      check("workload_subnet_ids", props.availabilityZones, "workload subnet in"),
      check("buckets", props.buckets ?? [], "bucket"),
      check("key_arns", props.keys ?? [], "KMS key"),
    ];
  }

  private field(...path: string[]): string {
    return Token.asString(propertyAccess(this.decoded.expression, path));
  }

  get vpcId(): string {
    return this.field("vpc_id");
  }

  get endpointSecurityGroupId(): string {
    return this.field("endpoint_security_group_id");
  }

  get s3EndpointId(): string {
    return this.field("s3_endpoint_id");
  }

  get s3PrefixListId(): string {
    return this.field("s3_prefix_list_id");
  }

  workloadSubnetId(az: string): string {
    return this.field("workload_subnet_ids", az);
  }

  keyArn(purpose: string): string {
    return this.field("key_arns", purpose);
  }

  bucket(suffix: string): ContractBucket {
    return { name: this.field("buckets", suffix, "name"), arn: this.field("buckets", suffix, "arn") };
  }
}
