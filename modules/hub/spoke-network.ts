/**
 * What a hub spoke's network stack builds in place of a local-egress network's InspectedVpc,
 * ServiceEndpoints and DnsFirewall: the SpokeVpc, the same VPC endpoints and data perimeter on its
 * workload subnets, and the DNS Firewall (the spoke's own DnsFirewall, or the hub's shared rule
 * group with the spoke's own names ahead of it). The buckets, keys and the published network
 * contract stay the network stack's: `contract` gives the contract's network fields, so the Studio
 * and notebook stacks read a spoke exactly as they read a local-egress network.
 */
import { Construct } from "constructs";
import type { AccountContext } from "../aws/account-context";
import type { NetworkContractValues } from "../contract/network-contract";
import { ServiceEndpoints, ServiceEndpointsProps } from "../endpoints/service-endpoints";
import { DnsFirewall, DnsFirewallMode, DnsQueryLogSettings } from "../network/dns-firewall";
import { SpokeDnsFirewall } from "./spoke-dns";
import { SpokeVpc, SpokeVpcProps } from "./spoke-vpc";

export interface SpokeNetworkDns {
  /** Names the spoke resolves (its allowlist in DNS form, vpcResolutionNames, the notebook's UI name). Required. */
  readonly allowedDomains: ReadonlyArray<string>;
  /** Names known at plan time (interface endpoint services' private_dns_names). Default none. */
  readonly allowedDomainListsAtPlan?: ReadonlyArray<string[]>;
  /**
   * The hub's shared DNS Firewall rule group ID: associate it (after the spoke's own names) instead
   * of a rule group of the spoke's own. Default: none (the spoke's own DnsFirewall, as a local network's).
   */
  readonly sharedRuleGroupId?: string;
  /** Own group only: block or alert. Default block. */
  readonly mode?: DnsFirewallMode;
  /** Protect the blocking group's association. Default true. */
  readonly mutationProtection?: boolean;
  /** The query log's key, retention and name. Required. */
  readonly queryLog: DnsQueryLogSettings;
}

export interface SpokeNetworkProps extends SpokeVpcProps {
  /** The VPC endpoints and their perimeter (ServiceEndpointsProps without what the spoke VPC gives). Required. */
  readonly endpoints: Omit<ServiceEndpointsProps, "account" | "namePrefix" | "vpcId" | "subnetIds" | "routeTableIdsByAz">;
  /** The DNS Firewall. Required. */
  readonly dns: SpokeNetworkDns;
}

/** What composeSpokeNetwork builds. */
export interface SpokeNetworkParts {
  readonly network: SpokeVpc;
  readonly endpoints: ServiceEndpoints;
  /** The spoke's own DNS Firewall, or the shared group's association with the spoke's names ahead of it. */
  readonly dnsFirewall: DnsFirewall | SpokeDnsFirewall;
  /** The network contract's network fields (the network stack adds its keys and buckets). */
  readonly contract: Pick<NetworkContractValues, "vpcId" | "workloadSubnetIds" | "endpointSecurityGroupId" | "s3EndpointId" | "s3PrefixListId">;
}

/**
 * Builds a spoke's network directly in `scope`, under the construct IDs a local-egress network
 * stack gives the same things: the VPC "network" (InspectedVpc's ID; inside it the VPC, the default
 * security group, the flow logs and each AZ's workload subnet, route table and default route keep
 * InspectedVpc's IDs), the endpoints "endpoints" and the DNS Firewall "dns-firewall". cdktf derives a
 * resource's Terraform address from its construct path, so in a network stack these resources have
 * the same addresses with either egress, and moving an environment between local egress and a hub
 * plans them as no-ops or in-place updates instead of replacements (docs/hub.md, "Moving an
 * environment between local egress and a hub"). `scope` must have no children with those IDs.
 */
export function composeSpokeNetwork(scope: Construct, props: SpokeNetworkProps): SpokeNetworkParts {
  const account: AccountContext = props.logging.account;
  const network = new SpokeVpc(scope, "network", props);
  const endpoints = new ServiceEndpoints(scope, "endpoints", {
    ...props.endpoints,
    account,
    namePrefix: props.namePrefix,
    vpcId: network.vpc.id,
    subnetIds: Object.values(network.lanes).map((l) => l.workload.subnet.id),
    routeTableIdsByAz: network.byAz((l) => l.workload.routeTable.id),
  });
  const dns = props.dns;
  const dnsFirewall =
    dns.sharedRuleGroupId === undefined
      ? new DnsFirewall(scope, "dns-firewall", {
          vpcId: network.vpc.id,
          namePrefix: props.namePrefix,
          allowedDomains: dns.allowedDomains,
          allowedDomainListsAtPlan: dns.allowedDomainListsAtPlan,
          mode: dns.mode,
          mutationProtection: dns.mutationProtection,
          queryLog: dns.queryLog,
        })
      : new SpokeDnsFirewall(scope, "dns-firewall", {
          vpcId: network.vpc.id,
          namePrefix: props.namePrefix,
          sharedRuleGroupId: dns.sharedRuleGroupId,
          allowedDomains: dns.allowedDomains,
          allowedDomainListsAtPlan: dns.allowedDomainListsAtPlan,
          mutationProtection: dns.mutationProtection,
          queryLog: dns.queryLog,
        });
  const contract = {
    vpcId: network.vpc.id,
    workloadSubnetIds: network.byAz((l) => l.workload.subnet.id),
    endpointSecurityGroupId: endpoints.securityGroup.id,
    s3EndpointId: endpoints.s3Gateway.id,
    s3PrefixListId: endpoints.s3Gateway.prefixListId,
  };
  return { network, endpoints, dnsFirewall, contract };
}

/**
 * The spoke network as one construct, for a stack of your own. A network stack uses
 * composeSpokeNetwork instead, so that its resources keep a local-egress network's addresses
 * (under this construct they have its ID in their paths, hence other addresses).
 */
export class SpokeNetwork extends Construct {
  readonly network: SpokeVpc;
  readonly endpoints: ServiceEndpoints;
  /** The spoke's own DNS Firewall, or the shared group's association with the spoke's names ahead of it. */
  readonly dnsFirewall: DnsFirewall | SpokeDnsFirewall;
  private readonly parts: SpokeNetworkParts;

  constructor(scope: Construct, id: string, props: SpokeNetworkProps) {
    super(scope, id);
    this.parts = composeSpokeNetwork(this, props);
    this.network = this.parts.network;
    this.endpoints = this.parts.endpoints;
    this.dnsFirewall = this.parts.dnsFirewall;
  }

  /** The network contract's network fields (the network stack adds its keys and buckets). */
  get contract(): SpokeNetworkParts["contract"] {
    return this.parts.contract;
  }
}
