/**
 * What the user wrote against what would be deployed. Two kinds of rule live here:
 *
 * - `writtenIssues`: settings that would silently do nothing, which only the file as written shows
 *   (after parsing, a default is indistinguishable from a value the user gave): a notebook section
 *   without `enabled` (the notebook defaults to off, so its settings deploy nothing), a Suricata
 *   capacity without a Suricata rules file. These are errors: the fix is one line.
 * - `configWarnings`: settings a user may mean but whose consequence is easy to miss (a public VPC
 *   range, a very large source range, SageMaker endpoints a notebook's SDK needs). They are accepted;
 *   each warning names the consequence, and `npm run synth` prints it (stacks/network-stack.ts).
 *
 * Both report at the field to edit, as crossFieldIssues does (schema.ts).
 */
import type { ConfigFile, CrossFieldIssue } from "./schema";
import { interfaceServiceOf } from "./schema";
import { sourceCidrFinding, vpcCidrFinding } from "./ranges";

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Problems that need the file as written: settings the defaults would silently make inert. */
export function writtenIssues(raw: unknown): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  if (!isPlainObject(raw)) return issues;
  const notebook = raw.notebook;
  if (isPlainObject(notebook) && !("enabled" in notebook)) {
    const set = Object.keys(notebook);
    if (set.length > 0) {
      issues.push({
        path: ["notebook", "enabled"],
        message:
          `missing: the notebook section sets ${set.join(", ")} but not enabled, and notebook.enabled defaults to false, so no notebook would be deployed. ` +
          'Add "enabled": true to deploy it, or "enabled": false to keep the settings for later',
      });
    }
  }
  const firewall = raw.firewall;
  if (isPlainObject(firewall) && "suricataRuleGroupCapacity" in firewall && !("suricataRulesFile" in firewall)) {
    issues.push({
      path: ["firewall", "suricataRuleGroupCapacity"],
      message: "has no effect without firewall.suricataRulesFile (no Suricata rule group is deployed): set suricataRulesFile, or remove this",
    });
  }
  return issues;
}

/** Services the SageMaker Python SDK calls on every Session (get_caller_identity: README, "AWS APIs"). */
const SDK_SESSION_SERVICE = "sts";

/**
 * Accepted settings whose consequence a reviewer should see, for a file whose every field parsed
 * and that has no problem (the loader calls it only then).
 */
export function configWarnings(cfg: ConfigFile): CrossFieldIssue[] {
  const warnings: CrossFieldIssue[] = [];
  const add = (path: ReadonlyArray<string | number>, message: string) => warnings.push({ path, message });

  const vpc = vpcCidrFinding(cfg.vpcCidr);
  if (vpc?.severity === "warning") add(["vpcCidr"], vpc.message);

  if (cfg.studio.enabled) {
    cfg.studio.allowedSourceCidrs.forEach((c, i) => {
      const finding = sourceCidrFinding(c);
      if (finding?.severity === "warning") add(["studio", "allowedSourceCidrs", i], finding.message);
    });
    if (cfg.studio.uiEndpoint && cfg.studio.allowedSourceCidrs.length > 0) {
      add(
        ["studio", "allowedSourceCidrs"],
        "with studio.uiEndpoint on: the policy this list produces denies CreatePresignedDomainUrl for every call through a VPC endpoint (such calls carry no source address), " +
          "so people who open Studio through the studio endpoint are refused once their role has the policy; give those people a role without it",
      );
    }
  }

  const services = cfg.vpcEndpoints.interfaceServices.map(interfaceServiceOf);
  if (cfg.notebook.enabled && !services.includes("sagemaker.api")) {
    add(
      ["vpcEndpoints", "interfaceServices"],
      'leaves out "sagemaker.api": the notebook instance still starts, but the SageMaker SDK in it cannot create or describe jobs, models or endpoints ' +
        "(the firewall refuses *.amazonaws.com); add it unless the notebook is for exploration only",
    );
  }
  if ((cfg.notebook.enabled || cfg.studio.enabled) && !services.includes(SDK_SESSION_SERVICE)) {
    add(
      ["vpcEndpoints", "interfaceServices"],
      `leaves out "${SDK_SESSION_SERVICE}": the SageMaker SDK calls STS get_caller_identity for every Session (default bucket, execution role), ` +
        "and without the endpoint that call times out; add it unless nobody uses the SDK",
    );
  }
  return warnings;
}
