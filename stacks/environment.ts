/** All stacks of one environment, as main.ts builds them: the network, then the enabled workloads. */
import { Annotations, App } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import type { HubConfig } from "../modules/config/hubs";
import { EnvironmentStack } from "./environment-stack";
import { awaitingHubWarning, NetworkStack, spokeAttachmentState } from "./network-stack";
import { NotebookStack } from "./notebook-stack";
import { StudioStack } from "./studio-stack";

/** `hubs`: the config's hubs (a spoke's network reads its hub's account); default none. */
export function environmentStacks(app: App, env: EnvironmentConfig, hubs: ReadonlyArray<Pick<HubConfig, "name" | "accountId">> = []): EnvironmentStack[] {
  // A hub spoke before the hub's first deploy has no gateway to attach to: its stacks wait, and the
  // hub stack's synth warning names the step (stacks/hub.ts).
  if (env.egress.mode === "hub" && env.egress.transitGatewayId === undefined) return [];
  const hubName = env.egress.mode === "hub" ? env.egress.hub : undefined;
  const hubAccountId = hubs.find((h) => h.name === hubName)?.accountId;
  const network = new NetworkStack(app, env, { hubAccountId });
  const workloads = [...(env.studio.enabled ? [new StudioStack(network, env)] : []), ...(env.notebook.enabled ? [new NotebookStack(network, env)] : [])];
  // Synthesized all the same (they plan and validate, and deploying them early harms nothing: the
  // domain and the instance use the VPC endpoints), but without internet egress until the hub has
  // accepted the attachment and the network has its routes: the warning says when to deploy them.
  if (spokeAttachmentState(env, hubAccountId) === "awaiting-hub") {
    for (const stack of workloads) Annotations.of(stack).addWarning(awaitingHubWarning(env, stack.kind as "studio" | "notebook")!);
  }
  return [network, ...workloads];
}
