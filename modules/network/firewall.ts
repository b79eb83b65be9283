/**
 * AWS Network Firewall for the inspected VPC: one firewall with one endpoint per AZ, its policy,
 * the domain allowlist rule group, optional Suricata rules, encryption with a customer key, and
 * alert and flow logs to encrypted CloudWatch log groups.
 *
 * The AZ -> endpoint ID map is plain Terraform over the firewall's own attribute
 *   { for s in firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id }
 * AWS returns sync_states (and the EndpointIds the seed solution indexed by position) in no
 * particular order, so routes must look endpoints up by AZ name, never by position. No custom
 * resource, Lambda or SDK call is needed.
 *
 * Policy: every packet goes to the stateful engine (fragments too; the seed passed them), which
 * evaluates rule groups in STRICT_ORDER: the user's Suricata rules first, then protocol hygiene
 * (PROTOCOL_HYGIENE_RULES), then the allowlist, then the refusals (REFUSAL_RULES: a TCP reset for
 * TLS and HTTP the allowlist did not pass), and finally the default action drops (and alerts on)
 * what nothing decided (STATEFUL_DEFAULT_ACTIONS). The TCP handshake itself is let through so the
 * engine can see the TLS SNI / HTTP Host it filters on.
 */
import { Construct } from "constructs";
import { TerraformIterator, TerraformLocal, Token, propertyAccess } from "cdktf";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
import { NetworkfirewallLoggingConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-logging-configuration";
import { NetworkfirewallRuleGroup, NetworkfirewallRuleGroupRuleGroupRulesSource } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
import { NetworkfirewallTlsInspectionConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-tls-inspection-configuration";
import { encryptedLogGroup, LogSettings } from "../logging/encrypted-log-group";
import { Cidr, overlaps, parseCidr } from "./cidr";

/**
 * Protection of the firewall against deletion and change. Every field defaults to false, so a
 * development environment can be changed and destroyed freely; turn them on in production (after
 * which adding or removing an AZ, or replacing the policy, needs a deliberate apply that turns
 * the relevant one off first).
 */
export interface FirewallProtection {
  /** Refuse to delete the firewall. Default false. */
  readonly deleteProtection?: boolean;
  /** Refuse to change which policy the firewall uses (TLS inspection on/off replaces it). Default false. */
  readonly policyChangeProtection?: boolean;
  /** Refuse to change the firewall's subnets, i.e. to add or remove an AZ. Default false. */
  readonly subnetChangeProtection?: boolean;
}

/** User-supplied Suricata rules, evaluated first (before protocol hygiene and the allowlist). */
export interface SuricataRules {
  /** The rules, in Suricata format, one per line. Required. */
  readonly rules: string;
  /** The rule group's name (unique per account and region). Default `<firewallName>-suricata`. */
  readonly ruleGroupName?: string;
  /**
   * The rule group's capacity: at least the number of rules. AWS fixes it at creation (changing it
   * replaces the group), so the default leaves room to grow. Default 100.
   */
  readonly capacity?: number;
}

/** The refusal rule group (REFUSAL_RULES). */
export interface RefusalOptions {
  /** Reset refused TLS and HTTP at once. Default true; off, the default action drops them silently and clients wait for their timeouts. */
  readonly enabled?: boolean;
  /** The rule group's name. Default `<firewallName>-refusals`. */
  readonly ruleGroupName?: string;
}

/** The protocol-hygiene rule group (PROTOCOL_HYGIENE_RULES). */
export interface ProtocolHygieneOptions {
  /** Evaluate the hygiene rules before the allowlist. Default true: they close the usual ways around name filtering. */
  readonly enabled?: boolean;
  /** The rule group's name. Default `<firewallName>-protocol-hygiene`. */
  readonly ruleGroupName?: string;
  /**
   * Also drop every packet whose source and destination are both outside HOME_NET
   * (FOREIGN_SOURCE_RULE). Default false: an environment's own firewall sees only its NAT
   * gateways' traffic, always from HOME_NET. A hub sees whatever its spokes send: every other rule
   * here names `$HOME_NET` as the source, so a spoke's undeclared range or a spoofed source would
   * pass one-way UDP, ICMP and first bytes undecided.
   */
  readonly refuseOtherSources?: boolean;
}

/**
 * Drops traffic that neither comes from nor goes to HOME_NET: from a source no spoke declares
 * (a secondary CIDR left out, a spoofed address) to anywhere but a spoke. Replies to the spokes
 * (destination in HOME_NET) are not matched.
 */
export const FOREIGN_SOURCE_RULE = 'drop ip !$HOME_NET any -> !$HOME_NET any (msg:"source outside every protected range"; sid:9100018; rev:1;)';

/**
 * TLS inspection of egress HTTPS from HOME_NET to port 443: the firewall decrypts with
 * certificates it signs with this ACM CA and re-encrypts, so its rules see the real host instead of
 * the name the client claims (SNI). The workloads must trust the CA (see trustedCaScript).
 * Adding or removing it replaces the firewall policy (AWS does not change it in place).
 */
export interface TlsInspectionOptions {
  /** ARN of the ACM certificate of the CA the firewall signs with (this account and region). Required. */
  readonly certificateAuthorityArn: string;
  /** The TLS inspection configuration's name. Default `<firewallName>-tls-inspection`. */
  readonly name?: string;
}

/** Domains the workloads may reach by default: PyPI, conda (defaults and named channels) and Kaggle, exact names. */
export const DEFAULT_ALLOWED_DOMAINS: ReadonlyArray<string> = ["pypi.org", "files.pythonhosted.org", "repo.anaconda.com", "conda.anaconda.org", "api.kaggle.com", "www.kaggle.com"];

/** Default capacity of the allowlist and Suricata rule groups: AWS fixes it at creation, so room to grow. */
export const DEFAULT_RULE_GROUP_CAPACITY = 100;

/** The firewall's rules, names and protection; every field has a default. */
export interface FirewallOptions {
  /** The firewall's name (unique per account and region; 1-128 of A-Z a-z 0-9 -). */
  readonly firewallName?: string;
  /** The firewall policy's name. Default `<firewallName>-policy` (`-tls` appended with TLS inspection). */
  readonly policyName?: string;
  /** The domain allowlist rule group's name. Default `<firewallName>-domain-allowlist`. */
  readonly allowlistRuleGroupName?: string;
  /**
   * Domains the workloads may reach over HTTP (Host) and HTTPS (TLS SNI): "host.example.com" (that
   * name) or ".example.com" (the domain and its subdomains). Every other destination is dropped.
   * Default DEFAULT_ALLOWED_DOMAINS (PyPI, conda, Kaggle). Shared-hosting names (a bucket host,
   * a CDN) let data out to anyone's account: the guardrails refuse them unless waived.
   */
  readonly allowedDomains?: ReadonlyArray<string>;
  /**
   * The allowlist rule group's capacity, at least 2 x the number of domains (each takes one
   * HTTP_HOST and one TLS_SNI rule). AWS fixes it at creation (changing it replaces the group).
   * Default 100 (DEFAULT_RULE_GROUP_CAPACITY).
   */
  readonly allowlistCapacity?: number;
  /** Extra Suricata rules, evaluated first. Default: none. */
  readonly suricata?: SuricataRules;
  /** The protocol-hygiene rule group, before the allowlist. Default: on. */
  readonly protocolHygiene?: ProtocolHygieneOptions;
  /** The refusal rule group (REFUSAL_RULES), after the allowlist: a TCP reset for what it did not pass. Default: on. */
  readonly refusals?: RefusalOptions;
  /**
   * What the policy does with packets no rule decided (STATEFUL_DEFAULT_ACTIONS), always with its
   * alert twin. Changing it updates the policy in place (the firewall stays; flows already passed
   * stay passed). Default `drop_established_app_layer_to_server`.
   */
  readonly statefulDefaultAction?: StatefulDefaultAction;
  /** TLS inspection of egress HTTPS. Default: none (the firewall judges HTTPS by its SNI). */
  readonly tlsInspection?: TlsInspectionOptions;
  /** Deletion and change protection. Default: all off (see FirewallProtection). */
  readonly protection?: FirewallProtection;
}

/**
 * Network Firewall's per-policy limits that bound how many allowlists one policy can hold (AWS
 * Network Firewall Developer Guide, "AWS Network Firewall quotas"): at most 20 stateful rule groups
 * referenced by one policy (a quota that cannot be changed), and 30,000 stateful rules (capacity)
 * across them (adjustable). One rule group's capacity is at most 30,000.
 */
export const MAX_STATEFUL_GROUPS_PER_POLICY = 20;
export const MAX_POLICY_STATEFUL_CAPACITY = 30_000;

/**
 * A domain allowlist that passes traffic of some sources only: its own strict-order domain-list
 * rule group whose HOME_NET rule variable is `homeNet`. AWS generates a domain list's rules from
 * HOME_NET ("By default, Network Firewall domain list inspection only includes traffic coming from
 * the VPC where you deploy the firewall. To inspect traffic from IP addresses outside of the
 * deployment VPC, you set the HOME_NET rule variable": Network Firewall API Reference,
 * RulesSourceList), and a rule group's own rule_variables are accepted for every stateful group,
 * domain lists included (hashicorp/terraform-provider-aws, internal/service/networkfirewall/
 * rule_group.go: rule_group.rule_variables beside rules_source). So a source outside `homeNet` is
 * never passed by this group, whatever names it lists.
 *
 * One source, one group: the HOME_NETs of a policy's scoped allowlists may not overlap
 * (InspectionFirewall refuses it). Whether Network Firewall also generates drop rules for an
 * ALLOWLIST domain list in a strict-order group is left open on purpose: the Developer Guide says
 * "For Allow, traffic of the specified protocol type that doesn't match the domain specifications is
 * denied" ("Stateful domain list rule groups") and its examples show generated `drop tls ...
 * "not matching any TLS allowlisted FQDNs"` rules. If it does, the first group holding a source
 * would drop the names of a second group holding it before that group is read; with one group per
 * source, the verdict is the same whether or not those drops exist. So a source that may reach
 * several lists (a hub spoke's own and the shared one) gets one group holding all their names.
 */
export interface ScopedAllowlist {
  /** Key of the group: its construct id (`allowlist-<key>`) and its key in `allowlists`. Letters, digits and "-". Required. */
  readonly key: string;
  /** The rule group's name (unique per account and region). Required. */
  readonly ruleGroupName: string;
  /** The sources this allowlist applies to (HOME_NET of its group), CIDRs. Required, at least one. */
  readonly homeNet: ReadonlyArray<string>;
  /** Domains, in the form of FirewallOptions.allowedDomains. Required, at least one. */
  readonly allowedDomains: ReadonlyArray<string>;
  /** Capacity, at least 2 x the domains; fixed by AWS at creation. Default 100 (DEFAULT_RULE_GROUP_CAPACITY). */
  readonly capacity?: number;
}

export interface InspectionFirewallProps extends FirewallOptions {
  /** The firewall's name (unique per account and region; 1-128 of A-Z a-z 0-9 -); the root of the default names. Required. */
  readonly firewallName: string;
  /** The VPC the firewall inspects. Required. */
  readonly vpcId: string;
  /** Firewall subnet ID per AZ name: one endpoint is created in each. Required, at least one. */
  readonly subnetIdsByAz: Readonly<Record<string, string>>;
  /** HOME_NET for the stateful rules: the traffic the allowlist applies to (the VPC CIDR). Required. */
  readonly homeNet: ReadonlyArray<string>;
  /** Customer key for the firewall, policy and rule groups (the guardrails require one). Required. */
  readonly kmsKeyArn: string;
  /**
   * Where the alert and flow log groups go ("<prefix>/alert", "<prefix>/flow").
   * Default `/aws/vendedlogs/network-firewall/<firewallName>` (under /aws/vendedlogs/, AWS's
   * log-delivery resource policy stays small).
   */
  readonly logGroupPrefix?: string;
  /** Key and retention of the log groups. Default: `kmsKeyArn`, 365 days. */
  readonly logs?: LogSettings;
  /**
   * Allowlists each scoped to its own sources (a hub's spokes), instead of the one allowlist of
   * `allowedDomains` for all of `homeNet`. With them, `allowedDomains`, `allowlistRuleGroupName`
   * and `allowlistCapacity` must be left out; the groups are evaluated after protocol hygiene, in
   * the order given (the order does not change a verdict: their HOME_NETs may not overlap, so each
   * source meets one of them). `homeNet` stays the sources of the hygiene, refusal and Suricata groups (every scope's).
   * Default: none (one allowlist).
   */
  readonly scopedAllowlists?: ReadonlyArray<ScopedAllowlist>;
}

/**
 * Pairs of scoped allowlists whose HOME_NETs share a source (a CIDR of one overlapping a CIDR of
 * the other), as messages naming both groups and ranges and the fix; an unparsable CIDR is a
 * problem too. Empty when every source is in at most one group (see ScopedAllowlist).
 */
export function allowlistOverlaps(allowlists: ReadonlyArray<Pick<ScopedAllowlist, "key" | "homeNet">>): string[] {
  const problems: string[] = [];
  const parsed: Array<{ key: string; text: string; cidr: Cidr }> = [];
  for (const a of allowlists) {
    for (const text of a.homeNet) {
      const cidr = parseCidr(text);
      if (typeof cidr === "string") problems.push(`allowlist "${a.key}": HOME_NET ${text}: ${cidr}`);
      else parsed.push({ key: a.key, text, cidr });
    }
  }
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const [x, y] = [parsed[i], parsed[j]];
      if (x.key === y.key || !overlaps(x.cidr, y.cidr)) continue;
      problems.push(
        `allowlists "${x.key}" (HOME_NET ${x.text}) and "${y.key}" (HOME_NET ${y.text}) hold the same sources: a source may be in one ALLOWLIST group only, ` +
          "or the first group's generated drop rules could refuse the second group's names; give each source one group holding every name it may reach",
      );
    }
  }
  return problems;
}

/** Rule group priorities in the strict-order policy: user rules, protocol hygiene, the allowlist, refusals. */
export const SURICATA_PRIORITY = 100;
export const HYGIENE_PRIORITY = 150;
export const ALLOWLIST_PRIORITY = 200;
export const REFUSALS_PRIORITY = 300;

/**
 * The first-bytes checks (sids 9100012-9100016) read the start of the client's reassembled stream,
 * and Suricata's raw stream inspection moves on in chunks (about 2.5 KB in Suricata 7): past the first
 * chunk, "the stream's first bytes" would be some later bytes, and a long ClientHello or request
 * would be refused. So they apply only while the client has sent less than one full-size segment
 * (stream_size counts the SYN too); past that the refusals' byte limit applies. They also wait for
 * the stream's first byte to be there (stream_size over 1): a segment that arrives before the first
 * one (lost and re-sent) is not the stream's start, and judging it would reset a split ClientHello. They use `content`
 * and `byte_test`, not `pcre`: Network Firewall takes `pcre` only beside `content`, `tls.sni`,
 * `http.host` or `dns.query` ("Limitations and caveats for stateful rules").
 */
const FIRST_BYTES_WINDOW = 1462;

/**
 * Largest TLS record a client may open a connection with (sid 9100014). The application-layer
 * default action forwards a ClientHello's bytes until its SNI is read, so a record header that
 * announces 16 KB would carry 16 KB of anything to any server. Today's ClientHellos, post-quantum
 * key share and ECH included, are under 2 KB; 8 KB leaves room for large session tickets.
 */
const CLIENT_HELLO_RECORD_LIMIT = 8192;

/**
 * Protocol hygiene, before the allowlist (strict order: the first rule that drops, rejects or
 * passes decides; alert rules only log). Why each:
 * - alert on every TLS ClientHello and every HTTP request a workload sends, whatever its SNI or Host
 *   (none, no dot, an IP literal), so the alert log records where each flow went, passed or not
 *   (the allowlist's pass verdicts leave no name in the logs). They key on the ClientHello being
 *   complete and on the request's headers being read, not on the name's shape;
 * - CONNECT would tunnel anything through an allowed proxy host;
 * - an IP literal as SNI or Host names no domain the allowlist could judge;
 * - HTTP/1.0 and HTTP/0.9 requests may carry no header at all (no Host for the allowlist, nothing
 *   that marks the request's headers as read for the refusals), so only HTTP/1.1 is spoken on 80;
 * - TLS only on 443 and HTTP only on 80, and nothing but TLS on 443 / HTTP on 80: other protocols
 *   hidden on the web ports, or the web protocols on other ports, are the usual ways around
 *   name-based filtering. Suricata names a flow's protocol only once it has recognised it, so
 *   `app-layer-protocol:!tls` alone never fires on bytes it cannot place (the flow stays "unknown"
 *   and the default action would let them through while it waits): the first bytes of the client's
 *   stream are checked too, a TLS handshake record (0x16 0x03) on 443, an upper-case method on 80;
 * - no UDP or ICMP to the internet (DNS, QUIC, tunnels): the workloads resolve through the VPC
 *   resolver (DNS Firewall) and speak TCP only. Other IP protocols cannot pass a NAT gateway.
 * TCP is rejected (the client gets a reset at once, not a timeout); UDP and ICMP are dropped. The
 * TLS and HTTP rules wait for the ClientHello or the request's headers, so their alert carries the
 * SNI or Host.
 * Patterns after AWS's Network Firewall egress best-practice rules ("Egress Port TCP/443 but not
 * TLS" ...); sids 9100001-9100099 are reserved for the project's rules (these and REFUSAL_RULES).
 * Every rule is valid for Suricata 7.0 and 8.0 (no `websocket` keyword: 7.0 has no such protocol;
 * a WebSocket upgrade to an allowed host is passed with its HTTP request, before Suricata 8 renames
 * the flow `websocket`). The firewall engine test layer runs them on packets.
 */
export const PROTOCOL_HYGIENE_RULES = [
  'alert tls $HOME_NET any -> any any (msg:"egress TLS ClientHello"; flow:to_server; ssl_state:client_hello; sid:9100001; rev:2;)',
  'alert http $HOME_NET any -> any any (msg:"egress HTTP request"; flow:to_server; http.header_names; content:"|0d 0a|"; startswith; sid:9100002; rev:2;)',
  'reject http $HOME_NET any -> any any (msg:"HTTP CONNECT tunnel"; flow:to_server; http.method; content:"CONNECT"; sid:9100003; rev:1;)',
  'reject tls $HOME_NET any -> any any (msg:"IP literal as TLS SNI"; flow:to_server; tls.sni; pcre:"/^(\\d{1,3}\\.){3}\\d{1,3}$|:/"; sid:9100004; rev:1;)',
  'reject http $HOME_NET any -> any any (msg:"IP literal as HTTP Host"; flow:to_server; http.host; pcre:"/^(\\d{1,3}\\.){3}\\d{1,3}(:\\d+)?$|^\\[/"; sid:9100005; rev:1;)',
  'reject tls $HOME_NET any -> any !443 (msg:"TLS not on TCP/443"; flow:to_server; ssl_state:client_hello; sid:9100006; rev:2;)',
  'reject tcp $HOME_NET any -> any 443 (msg:"TCP/443 but not TLS"; flow:to_server; app-layer-protocol:!tls; sid:9100007; rev:1;)',
  'reject http $HOME_NET any -> any !80 (msg:"HTTP not on TCP/80"; flow:to_server; http.header_names; content:"|0d 0a|"; startswith; sid:9100008; rev:2;)',
  'reject tcp $HOME_NET any -> any 80 (msg:"TCP/80 but not HTTP"; flow:to_server; app-layer-protocol:!http; sid:9100009; rev:1;)',
  'drop udp $HOME_NET any -> any any (msg:"UDP to the internet"; sid:9100010; rev:1;)',
  'drop icmp $HOME_NET any -> any any (msg:"ICMP to the internet"; sid:9100011; rev:1;)',
  `reject tcp $HOME_NET any -> any 443 (msg:"TCP/443 not starting with a TLS handshake record"; flow:established,to_server,only_stream; stream_size:client,>,1; stream_size:client,<,${FIRST_BYTES_WINDOW}; content:!"|16|"; depth:1; sid:9100012; rev:2;)`,
  `reject tcp $HOME_NET any -> any 80 (msg:"TCP/80 not starting with an HTTP method"; flow:established,to_server,only_stream; stream_size:client,>,1; stream_size:client,<,${FIRST_BYTES_WINDOW}; byte_test:1,<,65,0; sid:9100013; rev:2;)`,
  `reject tcp $HOME_NET any -> any 443 (msg:"TLS record longer than a ClientHello"; flow:established,to_server,only_stream; stream_size:client,>,1; stream_size:client,<,${FIRST_BYTES_WINDOW}; content:"|16 03|"; depth:2; byte_test:2,>,${CLIENT_HELLO_RECORD_LIMIT},3; sid:9100014; rev:1;)`,
  `reject tcp $HOME_NET any -> any 443 (msg:"TCP/443 not starting with a TLS handshake record"; flow:established,to_server,only_stream; stream_size:client,>,1; stream_size:client,<,${FIRST_BYTES_WINDOW}; content:"|16|"; depth:1; byte_test:1,!=,3,1; sid:9100015; rev:1;)`,
  `reject tcp $HOME_NET any -> any 80 (msg:"TCP/80 not starting with an HTTP method"; flow:established,to_server,only_stream; stream_size:client,>,1; stream_size:client,<,${FIRST_BYTES_WINDOW}; byte_test:1,>,90,0; sid:9100016; rev:1;)`,
  'reject http $HOME_NET any -> any any (msg:"HTTP request not HTTP/1.1"; flow:to_server; http.request_line; content:!"HTTP/1.1"; endswith; sid:9100017; rev:1;)',
] as const;

/** Largest client byte count a flow may reach without a verdict (REFUSAL_RULES): a ClientHello, post-quantum included, is under 2 KB. */
export const UNDECIDED_FLOW_BYTE_LIMIT = 16384;

/**
 * Refusals, after the allowlist: what it did not pass is refused with a TCP reset the moment the
 * firewall can judge it (a complete ClientHello, a request's headers), so pip, conda and git fail
 * in a second with "connection reset" instead of waiting minutes for a timeout, and a notebook's
 * on-start script does not run past its 5 minutes. Each refusal is an alert that carries the SNI or
 * Host. The last two bound what the application-layer default action lets through while it waits
 * for a name (AWS: it "allows segmented TLS client hello packets until a TLS.SNI field is
 * detected", and the server-directed form never drops the server's packets): a client that never
 * completes a ClientHello or its request headers could otherwise send any amount to any host, and
 * any host could send a workload anything (a server-first banner, a download) while the client says
 * nothing the firewall can judge. A server speaks only after the name was passed in TLS and HTTP, so
 * server data on a flow nothing passed is refused at its first byte (counted by the stream, so a
 * keepalive probe's one old byte is not data). A reject of a server's packet resets the server (AWS:
 * the reset goes "back to sender of the packet"); the workload's client sees a silent drop. An HTTP
 * request without any header line has no Host and never completes "the request's headers" for the
 * rules that key on them, so its end (an empty line) is refused here, after the allowlist.
 * Sids in the reserved range.
 */
export const REFUSAL_RULES = [
  'reject tls $HOME_NET any -> any any (msg:"TLS to a name not on the allowlist"; flow:to_server; ssl_state:client_hello; sid:9100050; rev:1;)',
  'reject http $HOME_NET any -> any any (msg:"HTTP to a host not on the allowlist"; flow:to_server; http.header_names; content:"|0d 0a|"; startswith; sid:9100051; rev:1;)',
  `reject tcp $HOME_NET any -> any any (msg:"no allowed name in the first ${UNDECIDED_FLOW_BYTE_LIMIT} bytes"; flow:established,to_server; stream_size:client,>,${UNDECIDED_FLOW_BYTE_LIMIT}; sid:9100052; rev:1;)`,
  'reject tcp any any -> $HOME_NET any (msg:"server data on a flow nothing passed"; flow:established,to_client; stream_size:server,>,1; sid:9100053; rev:1;)',
  'reject tcp $HOME_NET any -> any any (msg:"HTTP request without headers"; flow:established,to_server,only_stream; app-layer-protocol:http; content:"|0d 0a 0d 0a|"; sid:9100054; rev:1;)',
] as const;

/**
 * The refusals for this firewall. With TLS inspection, decrypted HTTPS on 443 may be HTTP/2, whose
 * server speaks first (its SETTINGS frame) and whose connection preface ends in an empty line: on
 * 443 server data is bounded at 16 KB instead of refused at its first byte, and the headerless-request
 * rule leaves 443 alone.
 */
export function refusalRules(tlsInspection: boolean): string[] {
  if (!tlsInspection) return [...REFUSAL_RULES];
  return [
    ...REFUSAL_RULES.map((r) => (r.includes("sid:9100053;") ? r.replace("reject tcp any any -> ", "reject tcp any !443 -> ") : r.includes("sid:9100054;") ? r.replace("-> any any ", "-> any !443 ") : r)),
    `reject tcp any 443 -> $HOME_NET any (msg:"server data on a flow nothing passed, past ${UNDECIDED_FLOW_BYTE_LIMIT} bytes"; flow:established,to_client; stream_size:server,>,${UNDECIDED_FLOW_BYTE_LIMIT}; sid:9100055; rev:1;)`,
  ];
}

/** The sids the project's own rules use (hygiene and refusals); a user's rule may not reuse them. */
export const PROJECT_RULE_SID_RANGE = [9100001, 9100099] as const;

/**
 * The hygiene rules for this firewall. With TLS inspection the rules see decrypted HTTPS as HTTP
 * on port 443 (AWS Network Firewall, "How rules are evaluated for TLS-inspected traffic"), so
 * HTTP is allowed on 80 and 443, the HTTP/1.1-only rule leaves 443 alone (decrypted HTTPS may be
 * HTTP/2), and the rules on what TCP/443 must carry (TLS, a ClientHello-sized first record) are
 * left out (a non-TLS flow to 443 is not decrypted, carries no name the allowlist passes, and is
 * refused after the allowlist).
 */
export function protocolHygieneRules(tlsInspection: boolean): string[] {
  if (!tlsInspection) return [...PROTOCOL_HYGIENE_RULES];
  return PROTOCOL_HYGIENE_RULES.filter((r) => !["sid:9100007;", "sid:9100012;", "sid:9100014;", "sid:9100015;"].some((sid) => r.includes(sid))).map((r) => (r.includes("sid:9100008;") ? r.replace("-> any !80 ", "-> any ![80,443] ") : r.includes("sid:9100017;") ? r.replace("-> any any ", "-> any !443 ") : r));
}

/**
 * Network Firewall's stateful default actions, each a drop with its alert twin (without the twin,
 * AWS appends `noalert` and a default drop leaves no log line). AWS's names (developer guide,
 * stateful default actions; AWS Security Services best practices, firewall policy configuration):
 * - `drop_established_app_layer_to_server` ("Application drop established (server-directed only)",
 *   AWS's default for new policies since June 2026): waits for the application layer (the TLS SNI,
 *   the HTTP Host) before it drops, and drops only client-to-server packets. A post-quantum
 *   ClientHello split over two segments reaches the allowlist.
 * - `drop_established_app_layer` ("bidirectional"): the same, but also drops server-to-client packets.
 * - `drop_established`: drops every packet of an established flow that no rule passed, from the
 *   first one. A ClientHello split over two segments (OpenSSL 3.5's X25519MLKEM768 key share) is
 *   dropped before its SNI is read, whatever the allowlist says.
 */
export const STATEFUL_DEFAULT_ACTIONS = {
  drop_established_app_layer_to_server: ["aws:drop_established_app_layer_to_server", "aws:alert_established_app_layer_to_server"],
  drop_established_app_layer: ["aws:drop_established_app_layer", "aws:alert_established_app_layer"],
  drop_established: ["aws:drop_established", "aws:alert_established"],
} as const;
export type StatefulDefaultAction = keyof typeof STATEFUL_DEFAULT_ACTIONS;
export const DEFAULT_STATEFUL_DEFAULT_ACTION: StatefulDefaultAction = "drop_established_app_layer_to_server";

export class InspectionFirewall extends Construct {
  readonly firewall: NetworkfirewallFirewall;
  readonly policy: NetworkfirewallFirewallPolicy;
  /** The allowlist group: the only one, or with scopedAllowlists the first of `allowlists`. */
  readonly allowlist: NetworkfirewallRuleGroup;
  /** Every allowlist group by key ("default" for the one of `allowedDomains`), in policy order. */
  readonly allowlists: Readonly<Record<string, NetworkfirewallRuleGroup>>;
  readonly suricata?: NetworkfirewallRuleGroup;
  readonly protocolHygiene?: NetworkfirewallRuleGroup;
  readonly refusals?: NetworkfirewallRuleGroup;
  readonly tlsInspection?: NetworkfirewallTlsInspectionConfiguration;
  readonly logging: NetworkfirewallLoggingConfiguration;
  /** Terraform map expression: AZ name => firewall endpoint ID. */
  readonly endpointIdsByAz: TerraformLocal;
  private readonly azs: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: InspectionFirewallProps) {
    super(scope, id);
    this.azs = new Set(Object.keys(props.subnetIdsByAz));
    if (this.azs.size === 0) throw new Error("InspectionFirewall needs a firewall subnet in at least one AZ");
    const scoped = props.scopedAllowlists;
    if (scoped && (props.allowedDomains !== undefined || props.allowlistRuleGroupName !== undefined || props.allowlistCapacity !== undefined)) {
      throw new Error("give scopedAllowlists or allowedDomains (with allowlistRuleGroupName, allowlistCapacity), not both");
    }
    if (scoped && scoped.length === 0) throw new Error("scopedAllowlists needs at least one allowlist");
    const allowlistSpecs: ReadonlyArray<ScopedAllowlist & { id: string }> = scoped
      ? scoped.map((a) => ({ ...a, id: `allowlist-${a.key}` }))
      : [
          {
            key: "default",
            id: "domain-allowlist",
            ruleGroupName: props.allowlistRuleGroupName ?? `${props.firewallName}-domain-allowlist`,
            homeNet: props.homeNet,
            allowedDomains: props.allowedDomains ?? DEFAULT_ALLOWED_DOMAINS,
            capacity: props.allowlistCapacity,
          },
        ];
    const keys = new Set<string>();
    for (const a of allowlistSpecs) {
      const capacity = a.capacity ?? DEFAULT_RULE_GROUP_CAPACITY;
      const what = scoped ? `allowlist "${a.key}"` : "the firewall allowlist";
      if (!/^[A-Za-z0-9-]+$/.test(a.key)) throw new Error(`allowlist key "${a.key}" may hold only letters, digits and "-"`);
      if (keys.has(a.key)) throw new Error(`two allowlists have the key "${a.key}"`);
      keys.add(a.key);
      if (a.allowedDomains.length === 0) throw new Error(`${what} needs at least one domain`);
      if (a.homeNet.length === 0) throw new Error(`${what} needs at least one source CIDR (HOME_NET)`);
      if (capacity < 2 * a.allowedDomains.length) {
        throw new Error(`${scoped ? `${what}: capacity` : "allowlistCapacity"} ${capacity} is below 2 x ${a.allowedDomains.length} domains (each takes an HTTP_HOST and a TLS_SNI rule)`);
      }
    }
    if (scoped) {
      const overlap = allowlistOverlaps(scoped);
      if (overlap.length > 0) throw new Error(`scopedAllowlists: ${overlap.join("; ")}`);
    }
    if (allowlistSpecs.length > REFUSALS_PRIORITY - ALLOWLIST_PRIORITY) throw new Error(`at most ${REFUSALS_PRIORITY - ALLOWLIST_PRIORITY} allowlists fit between the allowlist and refusal priorities`);
    const protection = props.protection ?? {};
    const logGroupPrefix = props.logGroupPrefix ?? `/aws/vendedlogs/network-firewall/${props.firewallName}`;
    const logs = props.logs ?? { kmsKeyArn: props.kmsKeyArn };
    const encryptionConfiguration = { type: "CUSTOMER_KMS", keyId: props.kmsKeyArn };
    /** A strict-order stateful group with HOME_NET set (default `props.homeNet`); the groups differ only in their rules. */
    const statefulGroup = (ruleGroupId: string, name: string, description: string, capacity: number, rulesSource: NetworkfirewallRuleGroupRuleGroupRulesSource, homeNet = props.homeNet) =>
      new NetworkfirewallRuleGroup(this, ruleGroupId, {
        name,
        description,
        type: "STATEFUL",
        capacity,
        encryptionConfiguration,
        ruleGroup: {
          ruleVariables: { ipSets: [{ key: "HOME_NET", ipSet: { definition: [...homeNet] } }] },
          rulesSource,
          statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
        },
      });

    const allowlists: Record<string, NetworkfirewallRuleGroup> = {};
    for (const a of allowlistSpecs) {
      allowlists[a.key] = statefulGroup(
        a.id,
        a.ruleGroupName,
        scoped ? `Domains the sources of "${a.key}" (HOME_NET) may reach over HTTP (Host header) and HTTPS (TLS SNI)` : "Domains the workloads may reach over HTTP (Host header) and HTTPS (TLS SNI)",
        a.capacity ?? DEFAULT_RULE_GROUP_CAPACITY,
        { rulesSourceList: { generatedRulesType: "ALLOWLIST", targetTypes: ["HTTP_HOST", "TLS_SNI"], targets: [...a.allowedDomains] } },
        a.homeNet,
      );
    }
    this.allowlists = allowlists;
    this.allowlist = allowlists[allowlistSpecs[0].key];
    if (props.suricata) {
      this.suricata = statefulGroup(
        "suricata-rules",
        props.suricata.ruleGroupName ?? `${props.firewallName}-suricata`,
        "User-supplied Suricata rules, evaluated before the domain allowlist",
        props.suricata.capacity ?? DEFAULT_RULE_GROUP_CAPACITY,
        { rulesString: props.suricata.rules },
      );
    }

    if (props.protocolHygiene?.enabled !== false) {
      this.protocolHygiene = statefulGroup(
        "protocol-hygiene",
        props.protocolHygiene?.ruleGroupName ?? `${props.firewallName}-protocol-hygiene`,
        "Logs every SNI/Host; drops CONNECT, IP literals, non-TLS on 443, non-HTTP on 80, UDP and ICMP out",
        // Fixed by AWS at creation: room for the rules to grow without replacing the group.
        100,
        { rulesString: `${[...(props.protocolHygiene?.refuseOtherSources ? [FOREIGN_SOURCE_RULE] : []), ...protocolHygieneRules(props.tlsInspection !== undefined)].join("\n")}\n` },
      );
    }

    if (props.refusals?.enabled !== false) {
      this.refusals = statefulGroup(
        "refusals",
        props.refusals?.ruleGroupName ?? `${props.firewallName}-refusals`,
        "After the allowlist: resets TLS and HTTP to names it did not pass, and flows with no allowed name after 16 KB",
        // Fixed by AWS at creation: room for the rules to grow without replacing the group.
        100,
        { rulesString: `${refusalRules(props.tlsInspection !== undefined).join("\n")}\n` },
      );
    }

    const references = [
      ...(this.suricata ? [{ resourceArn: this.suricata.arn, priority: SURICATA_PRIORITY }] : []),
      ...(this.protocolHygiene ? [{ resourceArn: this.protocolHygiene.arn, priority: HYGIENE_PRIORITY }] : []),
      ...allowlistSpecs.map((a, i) => ({ resourceArn: allowlists[a.key].arn, priority: ALLOWLIST_PRIORITY + i })),
      ...(this.refusals ? [{ resourceArn: this.refusals.arn, priority: REFUSALS_PRIORITY }] : []),
    ];
    if (references.length > MAX_STATEFUL_GROUPS_PER_POLICY) {
      throw new Error(`the policy would reference ${references.length} stateful rule groups; Network Firewall allows ${MAX_STATEFUL_GROUPS_PER_POLICY} per policy (AWS Network Firewall quotas): split the spokes over two hubs`);
    }
    if (props.tlsInspection) {
      this.tlsInspection = new NetworkfirewallTlsInspectionConfiguration(this, "tls-inspection", {
        name: props.tlsInspection.name ?? `${props.firewallName}-tls-inspection`,
        description: "Decrypts and re-encrypts the workloads' HTTPS to the internet, so the rules judge the real host",
        encryptionConfiguration: [encryptionConfiguration],
        tlsInspectionConfiguration: [
          {
            serverCertificateConfiguration: [
              {
                certificateAuthorityArn: props.tlsInspection.certificateAuthorityArn,
                // A revoked server certificate is refused; one whose status cannot be learned passes
                // (OCSP responders are not on the allowlist).
                checkCertificateRevocationStatus: [{ revokedStatusAction: "REJECT", unknownStatusAction: "PASS" }],
                scope: [
                  {
                    protocols: [6],
                    source: props.homeNet.map((addressDefinition) => ({ addressDefinition })),
                    sourcePorts: [{ fromPort: 0, toPort: 65535 }],
                    destination: [{ addressDefinition: "0.0.0.0/0" }],
                    destinationPorts: [{ fromPort: 443, toPort: 443 }],
                  },
                ],
              },
            ],
          },
        ],
      });
    }

    const policyName = props.policyName ?? `${props.firewallName}-policy`;
    this.policy = new NetworkfirewallFirewallPolicy(this, "policy", {
      // AWS adds a TLS inspection configuration only to a new policy: turning it on or off creates
      // a policy of another name first, moves the firewall to it, then deletes the old one.
      name: props.tlsInspection ? `${policyName}-tls` : policyName,
      lifecycle: { createBeforeDestroy: true },
      description: "All traffic to the stateful engine; strict order; reset what the allowlist did not pass; drop established flows nothing decided",
      encryptionConfiguration,
      firewallPolicy: {
        statelessDefaultActions: ["aws:forward_to_sfe"],
        statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
        statefulEngineOptions: { ruleOrder: "STRICT_ORDER", streamExceptionPolicy: "DROP" },
        statefulDefaultActions: [...STATEFUL_DEFAULT_ACTIONS[props.statefulDefaultAction ?? DEFAULT_STATEFUL_DEFAULT_ACTION]],
        statefulRuleGroupReference: references,
        ...(this.tlsInspection ? { tlsInspectionConfigurationArn: this.tlsInspection.arn } : {}),
      },
    });

    this.firewall = new NetworkfirewallFirewall(this, "firewall", {
      name: props.firewallName,
      description: "Inspects all internet traffic of the VPC, one endpoint per AZ",
      vpcId: props.vpcId,
      firewallPolicyArn: this.policy.arn,
      encryptionConfiguration,
      deleteProtection: protection.deleteProtection ?? false,
      firewallPolicyChangeProtection: protection.policyChangeProtection ?? false,
      subnetChangeProtection: protection.subnetChangeProtection ?? false,
      // subnet_mapping is a set: adding or removing an AZ is an in-place update of the firewall.
      subnetMapping: Object.values(props.subnetIdsByAz).map((subnetId) => ({ subnetId })),
    });

    const logGroups = (["alert", "flow"] as const).map((type) => ({
      type,
      group: encryptedLogGroup(this, `${type}-log-group`, `${logGroupPrefix}/${type}`, logs),
    }));
    this.logging = new NetworkfirewallLoggingConfiguration(this, "logging", {
      firewallArn: this.firewall.arn,
      loggingConfiguration: {
        logDestinationConfig: logGroups.map(({ type, group }) => ({
          logType: type.toUpperCase(),
          logDestinationType: "CloudWatchLogs",
          logDestination: { logGroup: group.name },
        })),
      },
    });

    this.endpointIdsByAz = new TerraformLocal(
      this,
      "endpoint-ids-by-az",
      TerraformIterator.fromList(this.firewall.firewallStatus.get(0).syncStates).forExpressionForMap(
        "val.availability_zone",
        "val.attachment[0].endpoint_id",
      ),
    );
  }

  /** `local.<map>["<az>"]`: fails the plan loudly (no silent null route) if AWS has no endpoint there. */
  endpointId(az: string): string {
    if (!this.azs.has(az)) throw new Error(`the firewall has no subnet mapping in ${az}`);
    return Token.asString(propertyAccess(this.endpointIdsByAz.expression, [az]));
  }
}
