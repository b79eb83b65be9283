export * from "./hub-plan";
export * from "./transit-gateway";
export * from "./inspection-vpc";
export * from "./egress-hub";
export * from "./spoke-vpc";
export * from "./spoke-dns";
export * from "./spoke-network";
