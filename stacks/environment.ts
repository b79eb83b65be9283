/** All stacks of one environment, as main.ts builds them: the network, then the enabled workloads. */
import { App } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";
import { EnvironmentStack } from "./environment-stack";
import { NetworkStack } from "./network-stack";
import { NotebookStack } from "./notebook-stack";
import { StudioStack } from "./studio-stack";

export function environmentStacks(app: App, env: EnvironmentConfig): EnvironmentStack[] {
  // A hub spoke before the hub's first deploy has no gateway to attach to: its stacks wait, and the
  // hub stack's synth warning names the step (stacks/hub.ts).
  if (env.egress.mode === "hub" && env.egress.transitGatewayId === undefined) return [];
  const network = new NetworkStack(app, env);
  return [network, ...(env.studio.enabled ? [new StudioStack(network, env)] : []), ...(env.notebook.enabled ? [new NotebookStack(network, env)] : [])];
}
