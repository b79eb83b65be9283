/**
 * Plan-time checks of what only AWS knows, with data sources and postconditions (no custom
 * resources): that every configured AZ exists and is available in this account and region, and
 * that every interface endpoint service is offered in every configured AZ. A failing check stops
 * `terraform plan` with a message naming the AZ or service, before anything is created; the
 * alternative is an apply that fails halfway (subnets made, the endpoint refused).
 *
 * AZ names ("us-east-1a") map to different physical AZs in different accounts; that is fine here
 * because everything is keyed by the name in this account, and the check runs in that account.
 */
import { Construct } from "constructs";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { hclList } from "../hcl";

/** A service checked in some AZs only, or configured by another field than vpcEndpoints.interfaceServices. */
export interface InterfaceServiceCheck {
  /** Full service name, e.g. "aws.sagemaker.us-east-1.notebook". Required. */
  readonly serviceName: string;
  /** The config field that asks for it, for messages. Default "vpcEndpoints.interfaceServices". */
  readonly field?: string;
  /** The AZs its endpoint uses. Default: every AZ of availabilityZones. */
  readonly availabilityZones?: ReadonlyArray<string>;
  /** Where those AZs come from, for messages. Default: the checks' source. */
  readonly source?: string;
}

export interface AvailabilityChecksProps {
  /** The region the stack's provider deploys to, for messages. Required. */
  readonly region: string;
  /** AZ names the stack builds in: each must be an available AZ of this account and region. Required. */
  readonly availabilityZones: ReadonlyArray<string>;
  /**
   * Full interface endpoint service names ("com.amazonaws.us-east-1.sts"), keyed by short name:
   * each must be offered in every AZ (interfaceServiceName builds them). Default: none.
   */
  readonly interfaceServices?: Readonly<Record<string, string | InterfaceServiceCheck>>;
  /** Where the AZ list comes from, for messages: 'availabilityZones in config/dev.json'. Default "availabilityZones". */
  readonly source?: string;
}

export class AvailabilityChecks extends Construct {
  readonly zones: DataAwsAvailabilityZones;
  /** Keyed by service short name. */
  readonly services: Readonly<Record<string, DataAwsVpcEndpointService>>;

  constructor(scope: Construct, id: string, props: AvailabilityChecksProps) {
    super(scope, id);
    const azs = hclList(props.availabilityZones);
    const source = props.source ?? "availabilityZones";
    this.zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      lifecycle: {
        postcondition: [
          {
            condition: `\${length(setsubtract(${azs}, self.names)) == 0}`,
            errorMessage: `${source}: \${join(", ", setsubtract(${azs}, self.names))} is not an available Availability Zone of ${props.region} in this account (available: \${join(", ", self.names)}). Nothing was created.`,
          },
        ],
      },
    });
    const services: Record<string, DataAwsVpcEndpointService> = {};
    for (const [short, spec] of Object.entries(props.interfaceServices ?? {})) {
      const { serviceName, field = "vpcEndpoints.interfaceServices", availabilityZones, source: azSource = source } = typeof spec === "string" ? { serviceName: spec } : spec;
      const where = availabilityZones ? hclList(availabilityZones) : azs;
      const named = field === "vpcEndpoints.interfaceServices" ? `${field} "${short}"` : field;
      const remedy = field === "vpcEndpoints.interfaceServices" ? "remove the service from vpcEndpoints.interfaceServices" : `turn ${field} off`;
      services[short] = new DataAwsVpcEndpointService(this, `service-${short}`, {
        serviceName,
        serviceType: "Interface",
        lifecycle: {
          postcondition: [
            {
              condition: `\${length(setsubtract(${where}, self.availability_zones)) == 0}`,
              errorMessage: `${named} (${serviceName}) is not offered in \${join(", ", setsubtract(${where}, self.availability_zones))} (offered in: \${join(", ", self.availability_zones)}). Remove that AZ from ${azSource} or ${remedy}. Nothing was created.`,
            },
          ],
        },
      });
    }
    this.services = services;
  }
}
