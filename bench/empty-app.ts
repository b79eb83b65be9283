// The floor: the smallest cdktf TypeScript app (one empty stack), run by the same toolchain
// (node + tsx) as main.ts. Whatever this costs is the toolchain's, not ours.
import { App, TerraformStack } from "cdktf";

const app = new App();
new TerraformStack(app, "empty");
app.synth();
