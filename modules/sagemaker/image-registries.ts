/**
 * Which ECR registries the execution roles and the ECR endpoints admit image pulls from.
 *
 * SageMaker pulls a training, processing, tuning or transform job's image, and a model's, with the
 * job's execution role (AWS, "SageMaker execution roles": CreateTrainingJob needs
 * ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer; a refused pull
 * fails the job with "Access denied for repository ... in registry ID ..."). SageMaker's own images
 * (deep learning containers, built-in algorithms, scikit-learn and XGBoost, SageMaker Distribution,
 * Spark processing, Clarify, ...) live in AWS-owned accounts that differ per region; the table in
 * sagemaker-image-registries.ts (generated from the SageMaker Python SDK) lists them.
 */
import { SAGEMAKER_IMAGE_FAMILY_SOURCES, SAGEMAKER_IMAGE_REGISTRIES, SAGEMAKER_IMAGE_SOURCE } from "./sagemaker-image-registries";

export { SAGEMAKER_IMAGE_FAMILY_SOURCES, SAGEMAKER_IMAGE_REGISTRIES, SAGEMAKER_IMAGE_SOURCE };

/** Every family of the table (SDK file names: "pytorch", "sklearn", "xgboost", "sagemaker-distribution", ...). */
export const SAGEMAKER_IMAGE_FAMILIES: ReadonlyArray<string> = Object.keys(SAGEMAKER_IMAGE_FAMILY_SOURCES);

/** `true`: every family; `false`: none; a list: those families only. */
export type SageMakerImageSelection = boolean | ReadonlyArray<string>;

/**
 * Why `selection` cannot be honoured in `region` (empty when it can): a region the table does not
 * know, or a family SageMaker does not publish there. Each message says the fix.
 */
export function sageMakerImageProblems(region: string, selection: SageMakerImageSelection): string[] {
  if (selection === false) return [];
  const unknown = typeof selection === "boolean" ? [] : selection.filter((f) => !SAGEMAKER_IMAGE_FAMILIES.includes(f));
  if (unknown.length) {
    return unknown.map(
      (f) =>
        `"${f}" is not a family of the project's table of SageMaker images; use the SageMaker Python SDK's framework names ` +
        `(e.g. "pytorch", "tensorflow", "huggingface", "sklearn", "xgboost", "sagemaker-distribution", "spark", "clarify"; all ${SAGEMAKER_IMAGE_FAMILIES.length} are the keys of ` +
        "SAGEMAKER_IMAGE_FAMILY_SOURCES in modules/sagemaker/sagemaker-image-registries.ts)",
    );
  }
  const table = SAGEMAKER_IMAGE_REGISTRIES[region];
  const regenerate = "regenerate the table from a newer SageMaker Python SDK (scripts/sagemaker-image-registries.ts)";
  if (!table) {
    return [
      `the project's table of SageMaker image registries (${SAGEMAKER_IMAGE_SOURCE.repository} at ${SAGEMAKER_IMAGE_SOURCE.commit.slice(0, 12)}) has no entry for ` +
        `"${region}", so jobs with SageMaker's images would be refused: ${regenerate}, or set sagemakerImages to false and list the region's ` +
        "registry accounts in vpcEndpoints.ecrImageAccounts",
    ];
  }
  if (selection === true) return [];
  const offered = new Set(Object.values(table).flat());
  return selection
    .filter((family) => !offered.has(family))
    .map((family) => `"${family}": SageMaker publishes no ${family} images in ${region} (per ${SAGEMAKER_IMAGE_FAMILY_SOURCES[family]?.file ?? "the SDK"}): remove it, or ${regenerate}`);
}

export interface ImageRegistryChoice {
  /** The deployment region. Required. */
  readonly region: string;
  /** The deploying account: never listed (its own repositories are always allowed). Required. */
  readonly accountId: string;
  /** SageMaker's families to admit. Default `true` (every family of the region). */
  readonly sagemakerImages?: SageMakerImageSelection;
  /** Further registry accounts (e.g. a central image account). Default: none. */
  readonly extraAccounts?: ReadonlyArray<string>;
}

/**
 * The foreign registry accounts to admit, sorted and distinct: the region's SageMaker accounts of
 * the selected families plus `extraAccounts`. Throws on a region or family the table cannot serve
 * (config validation reports those first, with sageMakerImageProblems).
 */
export function imageRegistryAccounts(choice: ImageRegistryChoice): string[] {
  const selection = choice.sagemakerImages ?? true;
  const problems = sageMakerImageProblems(choice.region, selection);
  if (problems.length) throw new Error(problems.join("; "));
  const sagemaker =
    selection === false
      ? []
      : Object.entries(SAGEMAKER_IMAGE_REGISTRIES[choice.region])
          .filter(([, families]) => selection === true || families.some((f) => selection.includes(f)))
          .map(([account]) => account);
  return [...new Set([...sagemaker, ...(choice.extraAccounts ?? [])])].filter((a) => a !== choice.accountId).sort();
}
