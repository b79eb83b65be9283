/**
 * Writes config.schema.json (for editors: completion and inline errors in config/*.json) from the
 * zod schema. A jest test fails when the committed file is stale, so run this after schema edits.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../modules/config/json-schema";

const file = join(__dirname, "..", "config.schema.json");
writeFileSync(file, configJsonSchema());
process.stdout.write(`wrote ${file}\n`);
