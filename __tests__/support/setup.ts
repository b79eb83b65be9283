// cdktf's jest matchers: toHaveResource, toHaveResourceWithProperties (snake_case keys), toBeValidTerraform.
import { Testing } from "cdktf";
import { removeAfterFile, removeScratchDirs } from "./scratch";

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

afterAll(removeScratchDirs);
