/**
 * Real plans of the changes a pull request makes, for the plan-review tests: an environment is
 * synthesized, "deployed" (a state synthesized from its create plans, see real-plan.ts), then a
 * changed configuration (or a changed synthesized stack, standing for a code change) is planned
 * against that state by the real AWS provider, offline.
 */
import { Testing } from "cdktf";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { environmentStacks } from "../../stacks/environment";
import { azs, envFrom, Json, synthToDir, withNotebook } from "./synth";
import { AwsStub, deployedState, DeployedState, removeDirs, ssmParametersOf, startAwsStub, tryPlan, withRealProvider } from "./real-plan";

export const ACCOUNT = "111122223333";
export const ZONES = azs("us-east-1", "abcdef");
export type Kind = "network" | "studio" | "notebook";
/** The workload subnet the served network contract has in us-east-1d (not in the deployed config). */
export const NEW_AZ_SUBNET = "subnet-0dddddddddddddddd";

/** An environment's synthesized stack dirs by kind (Studio on; notebook in `notebookAz`, default b). */
export function synthEnvironment(raw: Record<string, unknown>, notebookAz = "us-east-1b"): Record<Kind, string> {
  const env = envFrom(withNotebook({ storage: { preventDestroy: true }, ...raw }, notebookAz));
  const stacks = environmentStacks(Testing.app(), env);
  return Object.fromEntries(stacks.map((s) => [s.kind, synthToDir(s)])) as Record<Kind, string>;
}

/** The SSM parameters a deployed network state publishes, with its contract edited by `edit`. */
export function editedContract(statePath: string, edit: (contract: Record<string, any>) => void): Record<string, string> {
  const params = ssmParametersOf(statePath);
  const name = Object.keys(params).find((n) => n.endsWith("/network/contract"))!;
  const contract = JSON.parse(params[name]);
  edit(contract);
  return { ...params, [name]: JSON.stringify(contract) };
}

/** Edits a synthesized stack's cdk.tf.json in place (a code change in the pull request). */
export function editStack(dir: string, edit: (json: Json) => void): void {
  const file = join(dir, "cdk.tf.json");
  const json = JSON.parse(readFileSync(file, "utf8"));
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
}

/** A deployed environment (network + workloads) that changes can be planned against. */
export class DeployedEnvironment {
  private readonly created: string[] = [];
  private stub!: AwsStub;
  private workloadStub!: AwsStub;
  readonly states: Partial<Record<Kind, DeployedState>> = {};

  constructor(private readonly raw: Record<string, unknown>) {}

  async deploy(): Promise<void> {
    this.stub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES });
    const base = synthEnvironment(this.raw);
    this.states.network = await deployedState(this.dir(base.network, this.stub, "network"), this.stub);
    // The contract the deployed network published, plus a subnet in us-east-1d: what the network
    // publishes once that AZ is added (workloads are planned after the network is applied).
    const parameters = editedContract(this.states.network.statePath, (c) => (c.workload_subnet_ids["us-east-1d"] = NEW_AZ_SUBNET));
    this.workloadStub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES, parameters });
    this.states.studio = await deployedState(this.dir(base.studio, this.workloadStub, "studio"), this.workloadStub);
    this.states.notebook = await deployedState(this.dir(base.notebook, this.workloadStub, "notebook"), this.workloadStub);
  }

  private dir(stackDir: string, stub: AwsStub, label: string): string {
    const d = withRealProvider(stackDir, stub, { label });
    this.created.push(d);
    return d;
  }

  /** The fresh deploy's plan of a stack (create everything), as plan JSON. */
  async freshPlan(kind: Kind): Promise<Json> {
    const base = synthEnvironment(this.raw);
    const stub = kind === "network" ? this.stub : this.workloadStub;
    const r = await tryPlan(this.dir(base[kind], stub, `fresh-${kind}`));
    if (!r.json) throw new Error(r.output);
    return r.json;
  }

  /**
   * The plan JSON and plan text of `kind` for a changed config `raw` (merged over nothing: give the
   * whole config), optionally with its synthesized stack edited, against the deployed state.
   */
  async change(kind: Kind, raw: Record<string, unknown>, opts: { notebookAz?: string; edit?: (json: Json) => void; label: string; text?: boolean }): Promise<{ json: Json; text?: string }> {
    const dirs = synthEnvironment(raw, opts.notebookAz);
    if (opts.edit) editStack(dirs[kind], opts.edit);
    const stub = kind === "network" ? this.stub : this.workloadStub;
    const dir = this.dir(dirs[kind], stub, opts.label);
    const state = this.states[kind]!.statePath;
    // The human plan text, as the workflow posts it collapsed (`terraform show` of the saved plan,
    // as `npm run plan-review -- --run` renders it): only when asked.
    const r = await tryPlan(dir, { refresh: false, state, text: opts.text });
    if (!r.json) throw new Error(`plan of ${opts.label} failed: ${r.output}`);
    // A review needs the whole plan JSON, which tryPlan does not make for a plan without changes.
    if (r.json.no_changes) throw new Error(`plan of ${opts.label} has no changes: nothing to review`);
    return opts.text ? { json: r.json, text: r.text } : { json: r.json };
  }

  async close(): Promise<void> {
    await this.stub?.close();
    await this.workloadStub?.close();
    removeDirs(...this.created);
  }
}
