import { z } from "zod";
import { ConfigFileSchema } from "./schema";

/**
 * The editor schema, as text. `io: "input"` describes what a user may write (fields with
 * defaults are optional); cross-field rules (AZs in the region, the subnet plan) only run at synth.
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(ConfigFileSchema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify({ ...schema, title: "sagemaker-studio-anfw environment config" }, null, 2)}\n`;
}
