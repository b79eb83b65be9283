// cdktf's jest matchers: toHaveResource, toHaveResourceWithProperties (snake_case keys), toBeValidTerraform.
import { Testing } from "cdktf";
import { types } from "node:util";
import { removeAfterFile, removeScratchDirs } from "./scratch";
import { stopProviderServers } from "./terraform";

// cdktf records a full stack trace for every token it creates (its tokens/private/stack-trace: an
// unlimited Error.captureStackTrace on a plain object), kept for its own error messages. Under jest,
// source-map-support formats each such trace through the source maps of all its frames, cdktf's
// inline ones included: a CPU profile of a synth-heavy test file put about a fifth of its time
// there. Traces captured on plain objects are formatted as V8 does, without source maps; errors
// (what test failures show) keep their source-mapped stacks.
const sourceMapped = Error.prepareStackTrace;
if (sourceMapped) {
  Error.prepareStackTrace = (error, frames) =>
    types.isNativeError(error) ? sourceMapped(error, frames) : `${String(error)}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
}

Testing.setupJest();

// Testing.app() (also inside Testing.synthScope) and Testing.fullSynth() make a temp output dir per
// call and never remove it: thousands of cdktf.outdir.* per test run. Register each for removal
// after this file; an outdir the caller chose is the caller's.
const app = Testing.app.bind(Testing);
Testing.app = (options = {}) => {
  const made = app(options);
  if (!options.outdir) removeAfterFile(made.outdir);
  return made;
};
const fullSynth = Testing.fullSynth.bind(Testing);
Testing.fullSynth = (stack) => removeAfterFile(fullSynth(stack));

afterAll(() => {
  stopProviderServers();
  removeScratchDirs();
});
