export * from "./inspected-vpc";
export * from "./az-lane";
export * from "./firewall";
export * from "./subnet-plan";
export * from "./dns-firewall";
export * from "./allowlist-presets";
