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
import { AwsStub, deployedState, DeployedState, deployedStates, planModules, removeDirs, ssmParametersOf, startAwsStub, tryPlan, withRealProvider } from "./real-plan";

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

/** A change registered with DeployedEnvironment.scenario. */
interface Scenario {
  readonly kind: Kind;
  readonly raw: Record<string, unknown>;
  readonly notebookAz?: string;
  readonly edit?: (json: Json) => void;
  /** Plans against a deployed state of its own, built from the base config's stack so edited (see scenario). */
  readonly deployedEdit?: (json: Json) => void;
  readonly label: string;
}

/**
 * A deployed environment (network + workloads) that changes can be planned against.
 *
 * The changes registered with `scenario` (while jest collects the tests, before any runs) are
 * planned together the first time one is asked for: every changed stack a module of one root,
 * each against its kind's deployed state (planModules), so one terraform plan and one show instead
 * of one of each per change. `change` plans one change on its own (for its plan text).
 */
export class DeployedEnvironment {
  private readonly created: string[] = [];
  private networkStub!: AwsStub;
  private workloadStub!: AwsStub;
  private deployed?: Promise<void>;
  private readonly scenarios: Scenario[] = [];
  private planned?: Promise<Record<string, Json>>;
  private readonly dirs: Partial<Record<Kind, string>> = {};
  readonly states: Partial<Record<Kind, DeployedState>> = {};
  /** The deployed states of the scenarios registered with `deployedEdit`, by scenario label. */
  readonly editedDeployments: Record<string, DeployedState> = {};

  constructor(private readonly raw: Record<string, unknown>) {}

  /** Deploys once; later calls wait for the same deployment. */
  deploy(): Promise<void> {
    return (this.deployed ??= this.deployOnce());
  }

  private async deployOnce(): Promise<void> {
    this.networkStub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES });
    const base = synthEnvironment(this.raw);
    this.states.network = await deployedState((this.dirs.network = this.dir(base.network, this.networkStub, "network")), this.networkStub);
    // The contract the deployed network published, plus a subnet in us-east-1d: what the network
    // publishes once that AZ is added (workloads are planned after the network is applied).
    const parameters = editedContract(this.states.network.statePath, (c) => (c.workload_subnet_ids["us-east-1d"] = NEW_AZ_SUBNET));
    this.workloadStub = await startAwsStub({ accountId: ACCOUNT, zones: ZONES, parameters });
    this.dirs.studio = this.dir(base.studio, this.workloadStub, "studio");
    this.dirs.notebook = this.dir(base.notebook, this.workloadStub, "notebook");
    // The scenarios' own deployed states (an earlier version's stack, say), converged in the same
    // lockstep rounds as the workloads rather than in rounds of their own. A network stack reads
    // nothing from SSM, so the workloads' stub (the published contract) plans it as the network's would.
    const edited = Object.fromEntries(
      this.scenarios
        .filter((s) => s.deployedEdit)
        .map((s) => {
          const dir = synthEnvironment(this.raw)[s.kind];
          editStack(dir, s.deployedEdit!);
          return [s.label, this.dir(dir, this.workloadStub, `deployed-${s.label}`)];
        }),
    );
    // Both workloads (and any such state) in lockstep: one terraform plan a round for all of them.
    const workloads = await deployedStates({ studio: this.dirs.studio, notebook: this.dirs.notebook, ...edited }, this.workloadStub, { label: "workloads", dirs: this.created });
    this.states.studio = workloads.studio;
    this.states.notebook = workloads.notebook;
    for (const label of Object.keys(edited)) this.editedDeployments[label] = workloads[label];
  }

  /**
   * The stub the network was deployed against (an account without the network), and the one the
   * workloads were (the network's published contract in SSM, plus us-east-1d's subnet). Changes are
   * planned against the second: the account as it is once the network is deployed (the network's
   * stack reads nothing from SSM).
   */
  get stubs(): { network: AwsStub; workloads: AwsStub } {
    return { network: this.networkStub, workloads: this.workloadStub };
  }

  /** The real-provider copy the deployed state of `kind` was converged in. */
  deployedDir(kind: Kind): string {
    return this.dirs[kind]!;
  }

  private dir(stackDir: string, stub: AwsStub, label: string): string {
    const d = withRealProvider(stackDir, stub, { label });
    this.created.push(d);
    return d;
  }

  /** The fresh deploy's plan of a stack (create everything), as plan JSON: the deployed state's create plan. */
  async freshPlan(kind: Kind): Promise<Json> {
    await this.deploy();
    return this.states[kind]!.createPlan;
  }

  /**
   * Registers the plan of `kind` for a changed config `raw` (the whole config), optionally with its
   * synthesized stack edited, against the deployed state; returns a function that gives its plan
   * JSON (a plan without changes has only no-op resource and output changes). Register while jest
   * collects the tests: the first call of any returned function plans every registered change at
   * once. The same unedited change registered twice is planned once.
   *
   * With `deployedEdit`, the change is planned against a deployed state of its own instead: the
   * environment's base config, its `kind` stack synthesized and edited so (what an earlier version
   * of the code deployed, for an upgrade's plan), converged when the environment deploys
   * (`editedDeployments[label]`). Register it before `deploy`.
   */
  scenario(
    kind: Kind,
    raw: Record<string, unknown>,
    opts: { notebookAz?: string; edit?: (json: Json) => void; deployedEdit?: (json: Json) => void; label: string },
  ): () => Promise<Json> {
    if (this.planned) throw new Error(`scenario ${opts.label} registered after the registered changes were planned`);
    if (opts.deployedEdit && this.deployed) throw new Error(`scenario ${opts.label} needs its own deployed state but was registered after the environment deployed`);
    const plain = !opts.edit && !opts.deployedEdit;
    const same = plain ? this.scenarios.find((s) => !s.edit && !s.deployedEdit && s.kind === kind && s.notebookAz === opts.notebookAz && JSON.stringify(s.raw) === JSON.stringify(raw)) : undefined;
    if (!same && this.scenarios.some((s) => s.label === opts.label)) throw new Error(`two scenarios labelled ${opts.label}`);
    const label = same?.label ?? opts.label;
    if (!same) this.scenarios.push({ kind, raw, notebookAz: opts.notebookAz, edit: opts.edit, deployedEdit: opts.deployedEdit, label });
    return async () => (await (this.planned ??= this.planScenarios()))[label];
  }

  private async planScenarios(): Promise<Record<string, Json>> {
    await this.deploy();
    const stacks = this.scenarios.map((s) => {
      const dirs = synthEnvironment(s.raw, s.notebookAz);
      if (s.edit) editStack(dirs[s.kind], s.edit);
      const deployed = s.deployedEdit ? this.editedDeployments[s.label] : this.states[s.kind];
      return { name: s.label, stackDir: dirs[s.kind], statePath: deployed!.statePath };
    });
    return planModules(stacks, this.workloadStub, { label: "scenarios", dirs: this.created });
  }

  /**
   * The plan JSON and plan text of `kind` for a changed config `raw`, planned on its own (a plan
   * text of one stack), against the deployed state. Throws on a plan without changes.
   */
  async change(kind: Kind, raw: Record<string, unknown>, opts: { notebookAz?: string; edit?: (json: Json) => void; label: string; text?: boolean }): Promise<{ json: Json; text?: string }> {
    await this.deploy();
    const dirs = synthEnvironment(raw, opts.notebookAz);
    if (opts.edit) editStack(dirs[kind], opts.edit);
    const dir = this.dir(dirs[kind], this.workloadStub, opts.label);
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
    await this.networkStub?.close();
    await this.workloadStub?.close();
    removeDirs(...this.created);
  }
}

let shared: DeployedEnvironment | undefined;

/**
 * The environment terraform.real-plan.test.ts and the plan review's cases (which it imports, so
 * both run in one worker) plan their changes against: 3 AZs, Studio, the notebook in us-east-1b.
 * terraform.real-plan.test.ts's afterAll closes it.
 */
export function sharedEnvironment(): DeployedEnvironment {
  return (shared ??= new DeployedEnvironment({ availabilityZones: azs("us-east-1", "abc") }));
}
