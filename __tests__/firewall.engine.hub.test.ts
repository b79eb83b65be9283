/**
 * Layer 6 for the egress hub (issue 24 D): the hub's one firewall policy, laid out as Network Firewall
 * runs it (each group's HOME_NET resolved as AWS documents: its own rule variable, else the policy's,
 * else the firewall's VPC; scripts/firewall-engine/layout.ts), run in a real Suricata on packets from
 * several sources at once (one pcap, one run), decided in strict order. Per-spoke allowlists: a
 * spoke's name passes for its own addresses only; the shared list for the spokes that asked for it;
 * nothing for an address in no spoke. Hygiene and refusals hold for every spoke. No address is in two
 * allowlist groups, so the verdicts are the same whether or not Network Firewall generates drop rules
 * for an ALLOWLIST domain list in strict order (both layouts are run: layout.ts, domainListDrops).
 *
 * Two hubs: a fixture built here (alpha and beta with their own, different lists, beta with two
 * ranges; gamma on the shared list only; delta with its own list and the shared one) and
 * examples/hub/config's `central-inspection` as
 * `npm run synth` writes it. Every source address, name and expected outcome is written here from
 * the config, never read from the code under test. Suricata is required, as in
 * firewall.engine.test.ts (this file's name holds "engine": test:unit skips it).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Testing } from "cdktf";
import { HubStack, HubStackProps } from "../stacks/hub-stack";
import { catalogueSpecs, nameSpecs } from "../scripts/firewall-engine/catalogue";
import { Evaluation, FlowResult, evaluateSources } from "../scripts/firewall-engine/evaluate";
import { loadProblems } from "../scripts/firewall-engine/engine";
import { LayoutOptions, layOutPolicy } from "../scripts/firewall-engine/layout";
import { Json, readStackJson, synthJson } from "./support/synth";
import { scratchDir } from "./support/scratch";

const ROOT = join(__dirname, "..");

// ---- the fixture hub ----
const HUB_CIDR = "100.64.0.0/23";
const ALPHA_NAMES = ["huggingface.co", ".hf.co"];
const BETA_NAMES = ["api.kaggle.com"];
const DELTA_NAMES = ["repo.anaconda.com"];
const SHARED_NAMES = ["conda.anaconda.org"];
const PROPS: HubStackProps = {
  name: "engine-hub",
  accountId: "444455556666",
  region: "us-east-1",
  hub: {
    vpcCidr: HUB_CIDR,
    availabilityZones: ["us-east-1a", "us-east-1b"],
    share: { organizationArn: "arn:aws:organizations::999988887777:organization/o-abcdef1234" },
    sharedAllowlist: { allowedDomains: SHARED_NAMES },
    spokes: [
      { name: "alpha", cidrs: ["10.10.0.0/16"], accountId: "111122223333", attachmentId: "tgw-attach-0aaaaaaaaaaaaaaa1", accept: true, allowedDomains: ALPHA_NAMES, sharedAllowlist: false },
      { name: "beta", cidrs: ["10.20.0.0/16", "10.21.0.0/16"], accountId: "222233334444", attachmentId: "tgw-attach-0bbbbbbbbbbbbbbb2", accept: true, allowedDomains: BETA_NAMES, sharedAllowlist: false },
      { name: "gamma", cidrs: ["10.30.0.0/16"], accountId: "333344445555", attachmentId: "tgw-attach-0ccccccccccccccc3", accept: true, sharedAllowlist: true },
      { name: "delta", cidrs: ["10.40.0.0/16"], accountId: "555566667777", attachmentId: "tgw-attach-0ddddddddddddddd4", accept: true, allowedDomains: DELTA_NAMES, sharedAllowlist: true },
    ],
  },
};

/** One address per source: each spoke range, the hub's own VPC, and a range no spoke declares. */
const ADDRESS = {
  alpha: "10.10.3.7",
  beta: "10.20.3.7",
  "beta-second-range": "10.21.3.7",
  gamma: "10.30.3.7",
  delta: "10.40.3.7",
  "hub-vpc": "100.64.0.77",
  "no-spoke": "10.99.3.7",
} as const;
type Source = keyof typeof ADDRESS;
const SOURCES = Object.keys(ADDRESS) as Source[];
const SPOKE_SOURCES: Source[] = ["alpha", "beta", "beta-second-range", "gamma", "delta"];
const OUTSIDE: Source[] = ["hub-vpc", "no-spoke"];

/** The names each source may reach (written from PROPS: own list, plus the shared one for gamma and delta). */
const MAY_REACH: Record<Source, string[]> = {
  alpha: ["huggingface.co", "files.hf.co", "hf.co"],
  beta: ["api.kaggle.com"],
  "beta-second-range": ["api.kaggle.com"],
  gamma: ["conda.anaconda.org"],
  delta: ["repo.anaconda.com", "conda.anaconda.org"],
  "hub-vpc": [],
  "no-spoke": [],
};
const NAMES = ["huggingface.co", "files.hf.co", "hf.co", "api.kaggle.com", "repo.anaconda.com", "conda.anaconda.org", "example.net"];

const fixture = synthJson(new HubStack(Testing.app(), PROPS));
const copy = (j: Json): Json => JSON.parse(JSON.stringify(j));

/** Every source's TLS and HTTP flow to every name, and (for the allowed name of each) the whole catalogue. */
function matrixOf(stack: Json, sources: ReadonlyArray<Source> = SOURCES, full = false, layout: LayoutOptions = {}): Evaluation {
  return evaluateSources(
    stack,
    sources.map((source) => ({
      source,
      client: ADDRESS[source],
      specs: [...nameSpecs(NAMES, ADDRESS[source]), ...(full ? catalogueSpecs({ client: ADDRESS[source], allowed: MAY_REACH[source][0] ?? "huggingface.co", denied: "example.net" }) : [])],
    })),
    layout,
  );
}

/** Pairs of domain-list groups of a laid-out policy whose resolved HOME_NETs share a CIDR (the fixture's ranges never nest, so equal CIDRs are what to look for). */
function sharedSources(stack: Json): string[] {
  const lists = layOutPolicy(stack).groups.filter((g) => g.source === "domain list");
  return lists.flatMap((a, i) => lists.slice(i + 1).flatMap((b) => a.homeNet.filter((c) => b.homeNet.includes(c)).map((c) => `${c} in ${a.ruleGroupName} and ${b.ruleGroupName}`)));
}

function result(e: Evaluation, source: string, id: string): FlowResult {
  const r = e.results.get(`${source}/${id}`);
  if (!r) throw new Error(`no flow ${source}/${id}`);
  return r;
}

/** "passed" or "refused" per source and name, TLS and HTTP alike (a refusal: reset or dropped, never forwarded). */
function verdicts(e: Evaluation, sources: ReadonlyArray<Source>, names = NAMES): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources)
    for (const n of names)
      for (const p of ["tls", "http"]) {
        const o = result(e, s, `${p}:${n}`).outcome;
        out[`${s} ${p}:${n}`] = o === "passed" ? "passed" : o === "reset" || o === "dropped" ? "refused" : o;
      }
  return out;
}
const expected = (sources: ReadonlyArray<Source>, may: (s: Source, n: string) => boolean, names = NAMES) =>
  Object.fromEntries(sources.flatMap((s) => names.flatMap((n) => ["tls", "http"].map((p) => [`${s} ${p}:${n}`, may(s, n) ? "passed" : "refused"]))));

/** The fixture's policy with one group's HOME_NET (or the policy's variables) edited. */
function withGroup(edit: (group: Json, name: string) => void, policyEdit?: (fp: Json) => void): Json {
  const j = copy(fixture);
  for (const g of Object.values<Json>(j.resource.aws_networkfirewall_rule_group)) edit(g, g.name);
  if (policyEdit) policyEdit(Object.values<Json>(j.resource.aws_networkfirewall_firewall_policy)[0].firewall_policy);
  return j;
}
const homeNetOf = (g: Json): string[] => g.rule_group.rule_variables.ip_sets.find((s: Json) => s.key === "HOME_NET").ip_set.definition;
const listTargets = (g: Json): string[] | undefined => g.rule_group.rules_source.rules_source_list?.targets;
const isGroupFor = (targets: string[]) => (g: Json) => JSON.stringify(listTargets(g)) === JSON.stringify(targets);

let matrix: Evaluation;
/** The same flows with the drop rules the Developer Guide shows for an ALLOWLIST domain list (layout.ts, domainListDrops). */
let withDrops: Evaluation;
beforeAll(() => {
  matrix = matrixOf(fixture, SOURCES, true);
  withDrops = matrixOf(fixture, SPOKE_SOURCES, false, { domainListDrops: true });
});

describe("the fixture hub's policy", () => {
  test("every group loads into Suricata with its own HOME_NET, with no error or warning (with the documented domain-list drops too); each allowlist's HOME_NET is its spokes' ranges", () => {
    for (const layout of [{}, { domainListDrops: true }]) {
      for (const g of layOutPolicy(fixture, layout).groups) expect({ group: g.name, layout, problems: loadProblems(g.rules, g.variables) }).toEqual({ group: g.name, layout, problems: [] });
    }
    const lists = layOutPolicy(fixture).groups.filter((g) => g.source === "domain list").map((g) => [g.homeNet, g.homeNetFrom]);
    expect(lists).toEqual(
      expect.arrayContaining([
        [["10.10.0.0/16"], "rule group"],
        [["10.20.0.0/16", "10.21.0.0/16"], "rule group"],
        [["10.30.0.0/16"], "rule group"],
        [["10.40.0.0/16"], "rule group"],
      ]),
    );
    expect(lists).toHaveLength(4);
  });

  test("no address is in two allowlist groups: delta, on the shared list with a list of its own, is in its own group only", () => {
    expect(sharedSources(fixture)).toEqual([]);
  });

  test("with the drop rules AWS documents for an ALLOWLIST domain list, every spoke's verdicts are the same: each reaches its own names and the shared ones it asked for, nothing else", () => {
    expect(verdicts(withDrops, SPOKE_SOURCES)).toEqual(expected(SPOKE_SOURCES, (s, n) => MAY_REACH[s].includes(n)));
  });

  test("each spoke reaches its own names and the shared ones it asked for; every other name is refused (TLS and HTTP)", () => {
    expect(verdicts(matrix, SPOKE_SOURCES)).toEqual(expected(SPOKE_SOURCES, (s, n) => MAY_REACH[s].includes(n)));
  });

  test("spoke alpha's name is refused for spoke beta (both ranges) and for gamma, with a TCP reset at the ClientHello by the refusals", () => {
    for (const s of ["beta", "beta-second-range", "gamma"] as const) {
      const r = result(matrix, s, "tls:huggingface.co");
      expect([s, r.outcome, r.decidedOn, r.rule?.sid, r.clientBytesForwarded]).toEqual([s, "reset", "client-hello", 9100050, 0]);
    }
  });

  test("the shared name passes for gamma and delta (on the shared list) only: alpha and beta, not on it, are refused", () => {
    expect(SPOKE_SOURCES.map((s) => [s, result(matrix, s, "tls:conda.anaconda.org").outcome])).toEqual([
      ["alpha", "reset"],
      ["beta", "reset"],
      ["beta-second-range", "reset"],
      ["gamma", "passed"],
      ["delta", "passed"],
    ]);
  });

  test("an address in no spoke (the hub's own VPC, a range no spoke declares) reaches no name at all: dropped by the hygiene group's foreign-source rule", () => {
    expect(verdicts(matrix, OUTSIDE)).toEqual(expected(OUTSIDE, () => false));
    for (const s of OUTSIDE) expect([s, result(matrix, s, "tls:huggingface.co").rule?.sid, result(matrix, s, "tls:huggingface.co").clientBytesForwarded]).toEqual([s, 9100018, 0]);
  });

  test.each(SPOKE_SOURCES)("hygiene and refusals hold for %s: IP literal, other ports, non-TLS on 443, UDP, ICMP, server data, CONNECT", (s) => {
    const outcomes = Object.fromEntries(
      ["tls-ip-literal", "tls-no-sni", "tls-allowed-8443", "not-tls-on-443", "not-http-on-80", "http-connect", "http-10-allowed", "server-push", "dns-udp", "quic", "icmp", "tls13-allowed"].map((id) => {
        const r = result(matrix, s, id);
        return [id, `${r.outcome} ${r.rule?.source === "domain list" ? "allowlist" : (r.rule?.sid ?? "")}`];
      }),
    );
    expect(outcomes).toEqual({
      "tls-ip-literal": "reset 9100004",
      "tls-no-sni": "reset 9100050",
      "tls-allowed-8443": "reset 9100006",
      "not-tls-on-443": "reset 9100012",
      "not-http-on-80": "reset 9100013",
      "http-connect": "reset 9100003",
      "http-10-allowed": "reset 9100017",
      "server-push": "dropped 9100053",
      "dns-udp": "dropped 9100010",
      quic: "dropped 9100010",
      icmp: "dropped 9100011",
      "tls13-allowed": "passed allowlist",
    });
  });

  test("an address in no spoke sends nothing at all: one-way UDP and ICMP and bytes that are not TLS on 443 are dropped by 9100018 (the rules that name $HOME_NET as the source do not see it)", () => {
    for (const s of OUTSIDE)
      expect([s, ...["dns-udp", "icmp", "not-tls-on-443"].map((id) => `${result(matrix, s, id).outcome} ${result(matrix, s, id).rule?.sid}`)]).toEqual([s, "dropped 9100018", "dropped 9100018", "dropped 9100018"]);
  });
});

describe("each expectation can fail: broken copies of the fixture's policy", () => {
  // The layout before review finding 1: delta also in the shared group's HOME_NET, its own group
  // holding its own names only. Without generated drops the union passes; with them the first group
  // (the shared one, at the lower priority) drops delta's own name before delta's group is read.
  const twoGroupsForDelta = () =>
    withGroup((g) => {
      if (isGroupFor(SHARED_NAMES)(g)) homeNetOf(g).push("10.40.0.0/16");
      if (isGroupFor([...DELTA_NAMES, ...SHARED_NAMES])(g)) g.rule_group.rules_source.rules_source_list.targets = [...DELTA_NAMES];
    });

  test("delta in two allowlist groups (its own, and the shared one): the overlap check finds it", () => {
    expect(sharedSources(twoGroupsForDelta())).toEqual([expect.stringContaining("10.40.0.0/16 in ")]);
  });

  test("delta in two allowlist groups: passed as a union without generated drops, but with the documented drops its own name is refused", () => {
    const broken = twoGroupsForDelta();
    expect(result(matrixOf(broken, ["delta"]), "delta", "tls:repo.anaconda.com").outcome).toBe("passed");
    const e = matrixOf(broken, ["delta"], false, { domainListDrops: true });
    expect([result(e, "delta", "tls:repo.anaconda.com").outcome, result(e, "delta", "tls:repo.anaconda.com").rule?.msg]).toEqual(["dropped", "not matching any TLS allowlisted FQDNs"]);
  });

  test("alpha's HOME_NET widened to beta's range: alpha's name passes for beta", () => {
    const broken = withGroup((g) => {
      if (isGroupFor(ALPHA_NAMES)(g)) homeNetOf(g).push("10.20.0.0/16");
    });
    expect(result(matrixOf(broken, ["beta"]), "beta", "tls:huggingface.co").outcome).toBe("passed");
  });

  test("the shared list's HOME_NET widened to alpha: the shared name passes for alpha", () => {
    const broken = withGroup((g) => {
      if (isGroupFor(SHARED_NAMES)(g)) homeNetOf(g).push("10.10.0.0/16");
    });
    expect(result(matrixOf(broken, ["alpha"]), "alpha", "tls:conda.anaconda.org").outcome).toBe("passed");
  });

  test("alpha's group without a HOME_NET of its own, under a policy HOME_NET of every spoke: the policy's applies (AWS), so alpha's name passes for gamma", () => {
    const broken = withGroup(
      (g) => {
        if (isGroupFor(ALPHA_NAMES)(g)) delete g.rule_group.rule_variables;
      },
      (fp) => {
        fp.policy_variables = { rule_variables: [{ key: "HOME_NET", ip_set: { definition: ["10.10.0.0/16", "10.20.0.0/16", "10.21.0.0/16", "10.30.0.0/16"] } }] };
      },
    );
    const group = layOutPolicy(broken).groups.find((g) => g.source === "domain list" && g.homeNetFrom === "policy variables");
    expect(group?.homeNet).toEqual(["10.10.0.0/16", "10.20.0.0/16", "10.21.0.0/16", "10.30.0.0/16"]);
    expect(result(matrixOf(broken, ["gamma"]), "gamma", "tls:huggingface.co").outcome).toBe("passed");
  });

  test("alpha's group with no HOME_NET anywhere: AWS's default is the firewall's VPC, so alpha is refused its own name and the hub VPC reaches it", () => {
    const broken = withGroup((g) => {
      if (isGroupFor(ALPHA_NAMES)(g)) delete g.rule_group.rule_variables;
    });
    expect(layOutPolicy(broken).groups.find((g) => g.homeNetFrom === "firewall VPC")?.homeNet).toEqual([HUB_CIDR]);
    const e = matrixOf(broken, ["alpha", "hub-vpc"]);
    // The hub VPC's own address is still dropped first by 9100018 (the hygiene group's HOME_NET is every spoke).
    expect([result(e, "alpha", "tls:huggingface.co").outcome, result(e, "hub-vpc", "tls:huggingface.co").rule?.sid]).toEqual(["reset", 9100018]);
  });

  test("without the foreign-source rule (9100018), an address in no spoke sends one-way UDP and ICMP undecided: the gap it closes", () => {
    const broken = withGroup((g) => {
      const rules = g.rule_group.rules_source.rules_string;
      if (rules?.includes("sid:9100018;")) g.rule_group.rules_source.rules_string = rules.split("\n").filter((r: string) => !r.includes("sid:9100018;")).join("\n");
    });
    const e = matrixOf(broken, ["hub-vpc"], true);
    expect(["dns-udp", "icmp"].map((id) => result(e, "hub-vpc", id).outcome)).toEqual(["not decided", "not decided"]);
  });

  test("hygiene narrowed to alpha's range: UDP from gamma is no longer dropped by the hygiene rule", () => {
    const broken = withGroup((g) => {
      if (g.rule_group.rules_source.rules_string?.includes("sid:9100010;")) g.rule_group.rule_variables.ip_sets[0].ip_set.definition = ["10.10.0.0/16"];
    });
    const r = result(evaluateSources(broken, [{ source: "gamma", client: ADDRESS.gamma, specs: catalogueSpecs({ client: ADDRESS.gamma, allowed: "conda.anaconda.org", denied: "example.net" }) }]), "gamma", "dns-udp");
    expect(r.rule?.sid).not.toBe(9100010);
  });
});

describe("examples/hub/config's central-inspection, as npm run synth writes it", () => {
  const outdir = join(scratchDir("firewall-engine-hub"), "cdktf.out");
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-main.cjs")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, SAGEMAKER_ANFW_CONFIG_DIR: join(ROOT, "examples", "hub", "config"), CDKTF_OUTDIR: outdir },
  });
  // From the example's files: team-a (10.10.0.0/16) lists the Kaggle names; team-b (10.20.0.0/16)
  // lists the conda preset and takes the hub's shared list (the pip preset).
  const TEAM_A = "10.10.8.9";
  const TEAM_B = "10.20.8.9";
  const HUB = "100.64.1.9";
  const KAGGLE = ["api.kaggle.com", "www.kaggle.com"];
  const CONDA = ["repo.anaconda.com", "conda.anaconda.org"];
  const PIP = ["pypi.org", "files.pythonhosted.org"];
  const ALL = [...KAGGLE, ...CONDA, ...PIP];

  test("team-a reaches Kaggle only; team-b conda and the shared pip names only; the hub's VPC nothing", () => {
    expect({ code: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
    const stack = readStackJson(join(outdir, "stacks", "central-inspection"));
    const sources = { "team-a": TEAM_A, "team-b": TEAM_B, hub: HUB };
    const e = evaluateSources(
      stack,
      Object.entries(sources).map(([source, client]) => ({ source, client, specs: nameSpecs(ALL, client) })),
    );
    const may: Record<string, string[]> = { "team-a": KAGGLE, "team-b": [...CONDA, ...PIP], hub: [] };
    const got = Object.fromEntries(Object.keys(sources).flatMap((s) => ALL.map((n) => [`${s} ${n}`, [result(e, s, `tls:${n}`).outcome, result(e, s, `http:${n}`).outcome].join("/")])));
    const want = Object.fromEntries(Object.keys(sources).flatMap((s) => ALL.map((n) => [`${s} ${n}`, may[s].includes(n) ? "passed/passed" : s === "hub" ? "dropped/dropped" : "reset/reset"])));
    expect(got).toEqual(want);
    // team-b (its own list and the shared one) is in one allowlist group; with the documented
    // domain-list drops the same names pass and the same are refused (dropped by the group, not reset).
    expect(sharedSources(stack)).toEqual([]);
    const d = evaluateSources(stack, [{ source: "team-b", client: TEAM_B, specs: nameSpecs(ALL, TEAM_B) }], { domainListDrops: true });
    expect(Object.fromEntries(ALL.map((n) => [n, result(d, "team-b", `tls:${n}`).outcome === "passed" && result(d, "team-b", `http:${n}`).outcome === "passed"]))).toEqual(Object.fromEntries(ALL.map((n) => [n, may["team-b"].includes(n)])));
  });

  test("npm run firewall-engine prints the hub's matrix from the synthesized stacks (team-a's row: its Kaggle name passes, team-b's name is reset)", () => {
    const cli = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "firewall-engine", "cli.ts")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir } });
    expect({ code: cli.status, stderr: cli.stderr }).toEqual({ code: 0, stderr: "" });
    const lines = cli.stdout.split("\n");
    const header = lines.find((l) => l.startsWith("| from"))!.split("|").map((c) => c.trim());
    const teamA = lines.find((l) => l.startsWith("| 10.10.0.0/16"))!.split("|").map((c) => c.trim());
    const column = (name: string) => header.findIndex((h) => h.startsWith(`${name} `));
    // One column per allowlist group (its first exact name): team-b's group holds the conda names first.
    const teamBColumn = CONDA.map(column).find((i) => i >= 0)!;
    expect([teamA[column("api.kaggle.com")], teamA[teamBColumn]]).toEqual(["passed / passed", "reset / reset"]);
    expect(cli.stdout).toMatch(/## team-a-network: no firewall policy/);
  });
});
