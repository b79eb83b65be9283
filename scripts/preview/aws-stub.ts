/**
 * A tiny AWS look-alike on 127.0.0.1 answering only what a plan of these stacks reads (STS
 * GetCallerIdentity, IAM GetUser, EC2 DescribeAvailabilityZones / DescribeVpcEndpointServices, SSM
 * GetParameter / GetParametersByPath) and recording everything else as an unexpected call (answered
 * 400, so a plan that needs more fails instead of guessing). `npm run preview` and the
 * real-provider tests plan against it: nothing reaches AWS.
 */
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { hex, uuidOf } from "./fakes";

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface StubZone {
  readonly name: string;
  /** Default: <region abbreviation>-az<n>, e.g. use1-az1. */
  readonly zoneId?: string;
  /** Default "available". */
  readonly state?: string;
  /** Default "opt-in-not-required". */
  readonly optInStatus?: string;
  /** Default "availability-zone". */
  readonly zoneType?: string;
}

export interface AwsStubOptions {
  /** Default "111122223333". */
  readonly accountId?: string;
  /** Default "us-east-1". */
  readonly region?: string;
  /** Default: <region>a, b, c. */
  readonly zones?: ReadonlyArray<string | StubZone>;
  /**
   * Endpoint services, by full ("com.amazonaws.us-east-1.sts") or short ("sts") name, mapped to
   * the AZs that offer them. A service not listed is offered in every zone, unless
   * `unlistedServices` is "not-found" (then the answer is empty, as AWS answers an unknown name).
   */
  readonly services?: Readonly<Record<string, ReadonlyArray<string>>>;
  readonly unlistedServices?: "everywhere" | "not-found";
  /** SSM parameters (name -> value) served by GetParameter; any other name is ParameterNotFound. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface StubCall {
  /** Signing name from the Authorization header (sts, ec2, ssm, ...), or "?" when unsigned. */
  readonly service: string;
  /** Query-API Action, JSON X-Amz-Target operation, or "<METHOD> <path>" for REST calls. */
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: number;
  /** False for calls the stub does not implement (answered 400): a test should fail on them. */
  readonly handled: boolean;
}

export interface AwsStub {
  readonly url: string;
  readonly accountId: string;
  readonly region: string;
  readonly calls: StubCall[];
  /** Calls the stub does not implement. */
  unexpected(): StubCall[];
  close(): Promise<void>;
}

export function regionAbbrev(region: string): string {
  const [a, b, c] = region.split("-");
  return `${a}${(b ?? "")[0] ?? ""}${c ?? ""}`;
}

interface Reply {
  status: number;
  body: string;
  contentType: string;
  handled: boolean;
  headers?: Record<string, string>;
}

function queryParams(body: string, url: string): Record<string, string> {
  const out: Record<string, string> = {};
  const q = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
  for (const src of [q, body]) for (const [k, v] of new URLSearchParams(src)) out[k] = v;
  return out;
}

/** Filter.N.Name / Filter.N.Value.M -> { name: [values] } */
function ec2Filters(p: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p)) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (!m) continue;
    out[v] = Object.entries(p)
      .filter(([k2]) => k2.startsWith(`Filter.${m[1]}.Value.`))
      .map(([, v2]) => v2);
  }
  return out;
}

function ec2List(p: Record<string, string>, prefix: string): string[] {
  return Object.entries(p)
    .filter(([k]) => new RegExp(`^${prefix}\\.\\d+$`).test(k))
    .sort(([a], [b]) => Number(a.split(".")[1]) - Number(b.split(".")[1]))
    .map(([, v]) => v);
}

/** A 200 answer of the Query (XML) APIs: STS, IAM, EC2. */
const xmlOk = (body: string): Reply => ({ status: 200, body, contentType: "text/xml;charset=UTF-8", handled: true });

function items(values: ReadonlyArray<string>, tag = "item"): string {
  return values.map((v) => `<${tag}>${xml(v)}</${tag}>`).join("");
}

/** Live stubs by URL: what a cached run's key includes, and where a hit replays its calls (see real-plan.ts). */
export const STUBS = new Map<string, { calls: StubCall[]; fingerprint: string }>();

export async function startAwsStub(opts: AwsStubOptions = {}): Promise<AwsStub> {
  const accountId = opts.accountId ?? "111122223333";
  const region = opts.region ?? "us-east-1";
  const abbrev = regionAbbrev(region);
  const zones: Required<StubZone>[] = (opts.zones ?? [`${region}a`, `${region}b`, `${region}c`]).map((z, i) => {
    const zone: StubZone = typeof z === "string" ? { name: z } : z;
    return {
      name: zone.name,
      zoneId: zone.zoneId ?? `${abbrev}-az${i + 1}`,
      state: zone.state ?? "available",
      optInStatus: zone.optInStatus ?? "opt-in-not-required",
      zoneType: zone.zoneType ?? "availability-zone",
    };
  });
  const parameters = opts.parameters ?? {};
  const calls: StubCall[] = [];
  let requestNo = 0;

  // Full names: "com.amazonaws.us-east-1.ecr.api", "aws.sagemaker.us-east-1.notebook"; short: "ecr.api", "sts".
  const fullService = (name: string) => (/^(com\.amazonaws|aws)\./.test(name) ? name : `com.amazonaws.${region}.${name}`);
  const listed = new Map(Object.entries(opts.services ?? {}).map(([k, v]) => [fullService(k), v]));

  function serviceDetails(name: string): Array<{ type: string; xml: string }> {
    const offeredIn = listed.get(name) ?? (opts.unlistedServices === "not-found" ? undefined : zones.map((z) => z.name));
    if (!offeredIn) return [];
    const short = name.split(".").slice(3).join(".") || name;
    // Like AWS: s3 and dynamodb are offered both as Gateway and as Interface services.
    const types = /\.(s3|dynamodb)$/.test(name) ? ["Gateway", "Interface"] : ["Interface"];
    return types.map((type) => {
      const gateway = type === "Gateway";
      const serviceId = `vpce-svc-0${hex(`${name}/${type}`, 16)}`;
      const privateDns = gateway ? "" : `${short}.${region}.amazonaws.com`;
      return {
        type,
        xml:
          `<item><serviceName>${xml(name)}</serviceName><serviceId>${serviceId}</serviceId>` +
          `<serviceType><item><serviceType>${type}</serviceType></item></serviceType>` +
          `<serviceRegion>${region}</serviceRegion>` +
          `<availabilityZoneSet>${items(offeredIn)}</availabilityZoneSet>` +
          `<owner>amazon</owner>` +
          `<baseEndpointDnsNameSet>${items([gateway ? `${short}.${region}.amazonaws.com` : `${short}.${region}.vpce.amazonaws.com`])}</baseEndpointDnsNameSet>` +
          (gateway
            ? ""
            : `<privateDnsName>${privateDns}</privateDnsName><privateDnsNameSet><item><privateDnsName>${privateDns}</privateDnsName></item></privateDnsNameSet>` +
              `<privateDnsNameVerificationState>verified</privateDnsNameVerificationState>`) +
          `<vpcEndpointPolicySupported>true</vpcEndpointPolicySupported>` +
          `<acceptanceRequired>false</acceptanceRequired><managesVpcEndpoints>false</managesVpcEndpoints>` +
          `<supportedIpAddressTypeSet><item>ipv4</item></supportedIpAddressTypeSet><tagSet/>` +
          `</item>`,
      };
    });
  }

  function ec2(action: string, p: Record<string, string>, rid: string): Reply | undefined {
    const ns = `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`;
    const ok = xmlOk;
    if (action === "DescribeAvailabilityZones") {
      const f = ec2Filters(p);
      const names = ec2List(p, "ZoneName");
      const ids = ec2List(p, "ZoneId");
      const all = p.AllAvailabilityZones === "true";
      const match = (values: string[] | undefined, v: string) => !values || values.includes(v);
      const selected = zones.filter(
        (z) =>
          (all || z.optInStatus !== "not-opted-in") &&
          (names.length === 0 || names.includes(z.name)) &&
          (ids.length === 0 || ids.includes(z.zoneId)) &&
          match(f.state, z.state) &&
          match(f["zone-name"], z.name) &&
          match(f["zone-id"], z.zoneId) &&
          match(f["zone-type"], z.zoneType) &&
          match(f["opt-in-status"], z.optInStatus) &&
          match(f["region-name"], region) &&
          match(f["group-name"], region),
      );
      const zonesXml = selected
        .map(
          (z) =>
            `<item><zoneName>${z.name}</zoneName><zoneState>${z.state}</zoneState><regionName>${region}</regionName>` +
            `<zoneId>${z.zoneId}</zoneId><groupName>${region}</groupName><networkBorderGroup>${region}</networkBorderGroup>` +
            `<optInStatus>${z.optInStatus}</optInStatus><zoneType>${z.zoneType}</zoneType><messageSet/></item>`,
        )
        .join("");
      return ok(
        `<?xml version="1.0" encoding="UTF-8"?><DescribeAvailabilityZonesResponse ${ns}><requestId>${rid}</requestId>` +
          `<availabilityZoneInfo>${zonesXml}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`,
      );
    }
    if (action === "DescribeVpcEndpointServices") {
      const f = ec2Filters(p);
      const asked = ec2List(p, "ServiceName");
      const names = asked.length > 0 ? asked : [...listed.keys()];
      const details = names
        .flatMap((n) => serviceDetails(n).map((d) => ({ ...d, name: n })))
        .filter((d) => (!f["service-type"] || f["service-type"].includes(d.type)) && (!f["service-name"] || f["service-name"].includes(d.name)));
      return ok(
        `<?xml version="1.0" encoding="UTF-8"?><DescribeVpcEndpointServicesResponse ${ns}><requestId>${rid}</requestId>` +
          `<serviceNameSet>${items([...new Set(details.map((d) => d.name))])}</serviceNameSet>` +
          `<serviceDetailSet>${details.map((d) => d.xml).join("")}</serviceDetailSet></DescribeVpcEndpointServicesResponse>`,
      );
    }
    return undefined;
  }

  function handle(req: IncomingMessage, body: string): { reply: Reply; call: Omit<StubCall, "status" | "handled"> } {
    const rid = uuidOf(`request-${++requestNo}`);
    const auth = String(req.headers.authorization ?? "");
    const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? "?";
    const target = req.headers["x-amz-target"];
    const contentType = String(req.headers["content-type"] ?? "");

    if (typeof target === "string") {
      // JSON 1.0/1.1 protocol.
      const action = target.slice(target.indexOf(".") + 1);
      let params: Record<string, unknown> = {};
      try {
        params = JSON.parse(body || "{}");
      } catch {
        /* recorded as is */
      }
      const json = (status: number, obj: unknown, handled = true): Reply => ({
        status,
        body: JSON.stringify(obj),
        contentType: "application/x-amz-json-1.1",
        handled,
      });
      if (target === "AmazonSSM.GetParameter") {
        const name = String(params.Name ?? "");
        if (Object.prototype.hasOwnProperty.call(parameters, name)) {
          const path = name.startsWith("/") ? name.slice(1) : name;
          return {
            call: { service, action, params },
            reply: json(200, {
              Parameter: {
                Name: name,
                Type: "String",
                Value: parameters[name],
                Version: 1,
                LastModifiedDate: 1.7e9,
                ARN: `arn:aws:ssm:${region}:${accountId}:parameter/${path}`,
                DataType: "text",
              },
            }),
          };
        }
        return { call: { service, action, params }, reply: json(400, { __type: "ParameterNotFound", message: `Parameter ${name} not found.` }) };
      }
      if (target === "AmazonSSM.GetParametersByPath") {
        // Direct children of Path (Recursive false, as the workload stacks read it); one page.
        const prefix = `${String(params.Path ?? "").replace(/\/$/, "")}/`;
        const found = Object.keys(parameters).filter((n) => n.startsWith(prefix) && (params.Recursive === true || !n.slice(prefix.length).includes("/")));
        return {
          call: { service, action, params },
          reply: json(200, {
            Parameters: found.sort().map((name) => ({
              Name: name,
              Type: "String",
              Value: parameters[name],
              Version: 1,
              LastModifiedDate: 1.7e9,
              ARN: `arn:aws:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}`,
              DataType: "text",
            })),
          }),
        };
      }
      return {
        call: { service, action, params },
        reply: {
          ...json(400, { __type: "UnknownOperationException", message: `aws stub: ${target} is not stubbed` }, false),
          headers: { "x-amzn-ErrorType": "UnknownOperationException" },
        },
      };
    }

    const p = queryParams(contentType.includes("x-www-form-urlencoded") || /(^|&)Action=/.test(body) ? body : "", req.url ?? "");
    const action = p.Action;
    if (action) {
      const params = { ...p };
      if (action === "GetCallerIdentity") {
        return {
          call: { service, action, params },
          reply: xmlOk(
            `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
              `<Arn>arn:aws:iam::${accountId}:user/plan</Arn><UserId>AIDA${hex(accountId, 17).toUpperCase()}</UserId>` +
              `<Account>${accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${rid}</RequestId>` +
              `</ResponseMetadata></GetCallerIdentityResponse>`,
          ),
        };
      }
      if (action === "GetUser" && service === "iam" && !params.UserName) {
        // With static keys and skip_requesting_account_id = false the provider asks IAM first
        // (then STS) for the account ID.
        return {
          call: { service, action, params },
          reply: xmlOk(
            `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User>` +
              `<Path>/</Path><UserName>plan</UserName><UserId>AIDA${hex(accountId, 17).toUpperCase()}</UserId>` +
              `<Arn>arn:aws:iam::${accountId}:user/plan</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>` +
              `</User></GetUserResult><ResponseMetadata><RequestId>${rid}</RequestId></ResponseMetadata></GetUserResponse>`,
          ),
        };
      }
      const ec2Reply = service === "ec2" || service === "?" ? ec2(action, p, rid) : undefined;
      if (ec2Reply) return { call: { service, action, params }, reply: ec2Reply };
      const message = `aws stub: ${service} ${action} is not stubbed`;
      const errorXml =
        service === "ec2"
          ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidAction</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>${rid}</RequestID></Response>`
          : `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xml(message)}</Message></Error><RequestId>${rid}</RequestId></ErrorResponse>`;
      return { call: { service, action, params }, reply: { status: 400, contentType: "text/xml", body: errorXml, handled: false } };
    }

    // REST protocols (S3, ...): nothing stubbed.
    const restAction = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    const message = `aws stub: ${service} ${restAction} is not stubbed`;
    return {
      call: { service, action: restAction, params: { query: (req.url ?? "").split("?")[1] ?? "", body: body.slice(0, 2000) } },
      reply: {
        status: 400,
        contentType: "application/xml",
        handled: false,
        headers: { "x-amzn-ErrorType": "NotStubbed" },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotStubbed</Code><Message>${xml(message)}</Message><RequestId>${rid}</RequestId></Error>`,
      },
    };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let reply: Reply;
      let call: Omit<StubCall, "status" | "handled">;
      try {
        ({ reply, call } = handle(req, body));
      } catch (e) {
        call = { service: "?", action: `${req.method} ${req.url}`, params: { error: String(e) } };
        reply = { status: 500, body: String(e), contentType: "text/plain", handled: false };
      }
      calls.push({ ...call, status: reply.status, handled: reply.handled });
      res.writeHead(reply.status, {
        "Content-Type": reply.contentType,
        "Content-Length": Buffer.byteLength(reply.body),
        "x-amzn-RequestId": "stub",
        ...(reply.headers ?? {}),
      });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  STUBS.set(url, { calls, fingerprint: JSON.stringify({ accountId, region, zones, services: opts.services ?? {}, parameters, rest: { ...opts, accountId: undefined, region: undefined, zones: undefined, services: undefined, parameters: undefined } }) });
  return {
    url,
    accountId,
    region,
    calls,
    unexpected: () => calls.filter((c) => !c.handled),
    close: () =>
      new Promise<void>((resolve) => {
        STUBS.delete(url);
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

