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

export class SpokeNetwork extends Construct {
  readonly network: SpokeVpc;
  readonly endpoints: ServiceEndpoints;
  /** The spoke's own DNS Firewall, or the shared group's association with the spoke's names ahead of it. */
  readonly dnsFirewall: DnsFirewall | SpokeDnsFirewall;

  constructor(scope: Construct, id: string, props: SpokeNetworkProps) {
    super(scope, id);
    const account: AccountContext = props.logging.account;
    this.network = new SpokeVpc(this, "network", props);
    this.endpoints = new ServiceEndpoints(this, "endpoints", {
      ...props.endpoints,
      account,
      namePrefix: props.namePrefix,
      vpcId: this.network.vpc.id,
      subnetIds: Object.values(this.network.lanes).map((l) => l.workload.subnet.id),
      routeTableIdsByAz: this.network.byAz((l) => l.workload.routeTable.id),
    });
    const dns = props.dns;
    this.dnsFirewall =
      dns.sharedRuleGroupId === undefined
        ? new DnsFirewall(this, "dns-firewall", {
            vpcId: this.network.vpc.id,
            namePrefix: props.namePrefix,
            allowedDomains: dns.allowedDomains,
            allowedDomainListsAtPlan: dns.allowedDomainListsAtPlan,
            mode: dns.mode,
            mutationProtection: dns.mutationProtection,
            queryLog: dns.queryLog,
          })
        : new SpokeDnsFirewall(this, "dns-firewall", {
            vpcId: this.network.vpc.id,
            namePrefix: props.namePrefix,
            sharedRuleGroupId: dns.sharedRuleGroupId,
            allowedDomains: dns.allowedDomains,
            allowedDomainListsAtPlan: dns.allowedDomainListsAtPlan,
            mutationProtection: dns.mutationProtection,
            queryLog: dns.queryLog,
          });
  }

  /** The network contract's network fields (the network stack adds its keys and buckets). */
  get contract(): Pick<NetworkContractValues, "vpcId" | "workloadSubnetIds" | "endpointSecurityGroupId" | "s3EndpointId" | "s3PrefixListId"> {
    return {
      vpcId: this.network.vpc.id,
      workloadSubnetIds: this.network.byAz((l) => l.workload.subnet.id),
      endpointSecurityGroupId: this.endpoints.securityGroup.id,
      s3EndpointId: this.endpoints.s3Gateway.id,
      s3PrefixListId: this.endpoints.s3Gateway.prefixListId,
    };
  }
}
