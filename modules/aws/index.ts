export * from "./account";
export * from "./availability-checks";
