/**
 * The Terraform backend of one stack, from config: local state by default, Terraform Cloud (one
 * workspace per stack), or S3 with native lock files. Credentials are never written here: the
 * Terraform Cloud token comes from TF_TOKEN_<host> or `terraform login`, AWS credentials from the
 * usual AWS environment.
 */
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../modules/config/load";

/** `projectName` is the default key prefix and workspace prefix (a hub passes its own: stacks/hub.ts). */
export function configureBackend(stack: TerraformStack, env: Pick<EnvironmentConfig, "backend" | "projectName" | "region">): void {
  const name = stack.node.id;
  const backend = env.backend;
  switch (backend.type) {
    case "local":
      // Relative to the stack's working directory (cdktf.out/stacks/<stack>): the project folder,
      // where cdktf puts local state by default, without an absolute, machine-specific path.
      new LocalBackend(stack, { path: `../../../terraform.${name}.tfstate` });
      return;
    case "cloud":
      new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix ?? `${env.projectName}-`}${name}`, backend.project),
      });
      return;
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix ?? env.projectName}/${name}.tfstate`,
        region: backend.region ?? env.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
      });
      // cdktf 0.21's S3BackendConfig predates use_lockfile (S3-native locking, Terraform >= 1.10).
      s3.addOverride("use_lockfile", true);
      return;
    }
  }
}
