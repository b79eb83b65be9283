export * from "./account-context";
export * from "./account";
export * from "./availability-checks";
