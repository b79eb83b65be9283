/**
 * The library's one public entry point (package.json "exports"): the constructs and helpers an
 * application composes into an inspected multi-AZ network with SageMaker workloads on it.
 *
 * Not here, on purpose: modules/config (the app's zod schema, config loader and naming rules):
 * that is how *this* app turns config/*.json into props, and a library user passes props instead.
 * The one piece of it the library uses, the shared-hosting check of allowlist entries (the
 * guardrails' NFW_NO_SHARED_HOSTING rule), is exported below.
 *
 * Everything a public signature here names is exported here too (a test checks it), so a user can
 * write the type of every prop and public field without reaching into the package's files.
 */

// Account, region and plan-time checks.
export * from "./aws/account-context";
export * from "./aws/account";
export * from "./aws/availability-checks";

// The inspected network.
export * from "./network/inspected-vpc";
export * from "./network/az-lane";
export * from "./network/firewall";
export * from "./network/flow-logs";
export * from "./network/dns-firewall";
export * from "./network/allowlist-presets";
export * from "./network/subnet-plan";

// VPC endpoints and who may use them.
export * from "./endpoints/endpoint-clients";
export * from "./endpoints/service-endpoints";

// Keys, buckets, log groups.
export * from "./kms/customer-key";
export * from "./storage/secure-bucket";
export * from "./logging/encrypted-log-group";

// SageMaker workloads.
export * from "./sagemaker/execution-role";
export * from "./sagemaker/image-registries";
export * from "./sagemaker/studio-domain";
export * from "./sagemaker/studio-access";
export * from "./sagemaker/notebook-instance";
export * from "./sagemaker/private-group";
export * from "./sagemaker/web-egress";
export * from "./sagemaker/trusted-ca";

// The contract between a network stack and workload stacks.
export * from "./contract/network-contract";

// Security guardrails checked at synth.
export * from "./guardrails";
export { StackView, refersTo, asList } from "./guardrails/stack-view";
export type { ResourceView, Json } from "./guardrails/stack-view";
export { sharedHostingProblem, SHARED_HOSTING_ZONES } from "./config/shared-hosting";
