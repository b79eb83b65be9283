/** HCL list literal of strings, for use inside a Terraform expression: ["a", "b"]. */
export function hclList(values: ReadonlyArray<string>): string {
  return `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
}
