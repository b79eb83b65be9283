/**
 * Writes config.schema.json (for editors: completion and inline errors in config/*.json) from the
 * zod schema, and the configuration reference in docs/configuration.md generated from it
 * (scripts/config-reference.ts). Jest tests fail when either committed file is stale, so run this
 * (`npm run schema`) after schema edits.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../modules/config/json-schema";
import { configReference, REFERENCE_DOC, renderReferenceInto } from "./config-reference";

const root = join(__dirname, "..");
const file = join(root, "config.schema.json");
writeFileSync(file, configJsonSchema());
process.stdout.write(`wrote ${file}\n`);

const doc = join(root, REFERENCE_DOC);
writeFileSync(doc, renderReferenceInto(readFileSync(doc, "utf8"), configReference()));
process.stdout.write(`wrote the configuration reference in ${REFERENCE_DOC}\n`);
