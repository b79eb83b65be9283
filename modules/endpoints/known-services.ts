/**
 * Interface endpoint services that config may name by short name (vpcEndpoints.interfaceServices),
 * so that a typo ("sagemaker-api", "ecr.docker") stops synth instead of an apply that fails on an
 * unknown service after the network is half built. Whether a listed service is offered in the
 * configured region and AZs is still checked at plan time (modules/aws/availability-checks.ts).
 *
 * Sources: AWS PrivateLink Guide, "AWS services that integrate with AWS PrivateLink"
 * (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html), whose
 * "Service name" column gives com.amazonaws.<region>.<short name>; every short name below also
 * appears in aws-cdk's InterfaceVpcEndpointAwsService (aws-cdk-lib/aws-ec2/lib/vpc-endpoint.ts,
 * v2.179.0, 2025), which tracks that page. The list is what SageMaker workloads in this VPC
 * plausibly call, not every AWS service.
 *
 * To use a service that is not here: in config, write it as
 *   { "service": "<short name>", "acknowledgeUnlisted": "<why, e.g. where AWS documents it>" }
 * or, for everyone, add it below with its source. Only regional com.amazonaws.<region>.<name>
 * services and SageMaker's aws.sagemaker.<region>.<name> UI services fit interfaceServiceName();
 * global ones (com.amazonaws.iam) and other prefixes (aws.api.<region>.*) do not, so they are left out.
 * SageMaker's UI services (studio, notebook) are not here: see SAGEMAKER_UI_ENDPOINT_FIELDS.
 */

/** Short name => what it serves (shown in messages). "s3" is not here: it is always a gateway endpoint. */
export const KNOWN_INTERFACE_SERVICES: Readonly<Record<string, string>> = {
  // SageMaker (SageMaker AI Developer Guide, "Connect to SageMaker AI Within your VPC"; Feature Store, Experiments)
  "sagemaker.api": "SageMaker API (control plane)",
  "sagemaker.api-fips": "SageMaker API, FIPS",
  "sagemaker.runtime": "SageMaker Runtime (InvokeEndpoint)",
  "sagemaker.runtime-fips": "SageMaker Runtime, FIPS",
  "sagemaker.featurestore-runtime": "SageMaker Feature Store runtime",
  "sagemaker.metrics": "SageMaker Metrics (training metrics, Experiments)",
  "sagemaker-geospatial": "SageMaker geospatial capabilities",
  // What the SageMaker SDK, training and processing jobs and Studio apps use around it
  sts: "AWS STS",
  ssm: "Systems Manager (Parameter Store)",
  ssmmessages: "Systems Manager Session Manager messages",
  ec2messages: "Systems Manager agent messages",
  ec2: "Amazon EC2 API",
  monitoring: "CloudWatch metrics",
  logs: "CloudWatch Logs",
  events: "EventBridge",
  "ecr.api": "Amazon ECR API",
  "ecr.dkr": "Amazon ECR Docker registry",
  servicecatalog: "AWS Service Catalog (SageMaker Projects)",
  kms: "AWS KMS",
  secretsmanager: "AWS Secrets Manager",
  elasticfilesystem: "Amazon EFS API",
  "application-autoscaling": "Application Auto Scaling (endpoint autoscaling)",
  cloudformation: "AWS CloudFormation (SageMaker Projects)",
  codebuild: "AWS CodeBuild (Studio image builds)",
  codecommit: "AWS CodeCommit API",
  "git-codecommit": "AWS CodeCommit Git",
  "codeartifact.api": "AWS CodeArtifact API",
  "codeartifact.repositories": "AWS CodeArtifact repositories (pip/conda through a private mirror)",
  // Data sources and services notebooks commonly call
  athena: "Amazon Athena",
  glue: "AWS Glue",
  lakeformation: "AWS Lake Formation",
  elasticmapreduce: "Amazon EMR",
  "emr-serverless": "Amazon EMR Serverless",
  redshift: "Amazon Redshift",
  "redshift-data": "Amazon Redshift Data API",
  dynamodb: "Amazon DynamoDB (interface endpoint)",
  "kinesis-streams": "Amazon Kinesis Data Streams",
  "kinesis-firehose": "Amazon Data Firehose",
  sqs: "Amazon SQS",
  sns: "Amazon SNS",
  states: "AWS Step Functions (SageMaker Pipelines callbacks)",
  lambda: "AWS Lambda",
  xray: "AWS X-Ray",
  // AI services
  bedrock: "Amazon Bedrock (control plane)",
  "bedrock-runtime": "Amazon Bedrock runtime",
  "bedrock-agent": "Agents for Amazon Bedrock (build time)",
  "bedrock-agent-runtime": "Agents for Amazon Bedrock runtime",
  comprehend: "Amazon Comprehend",
  rekognition: "Amazon Rekognition",
  textract: "Amazon Textract",
  translate: "Amazon Translate",
  transcribe: "Amazon Transcribe",
};

/**
 * SageMaker's UI endpoint services (aws.sagemaker.<region>.studio / .notebook) are not configured
 * in vpcEndpoints.interfaceServices: they exist only when the field named here is true. With
 * private DNS they answer every Studio domain's or notebook instance's name, of any account, past
 * Network Firewall, and no client inside the VPC needs them (people open Studio from outside), so
 * they are off by default and opted into per workload (docs/egress-perimeter.md).
 * Sources: SageMaker AI Developer Guide, "Connect to Studio through an interface VPC endpoint" and
 * "Connect to a notebook instance through a VPC interface endpoint".
 */
export const SAGEMAKER_UI_ENDPOINT_FIELDS: Readonly<Record<string, string>> = {
  studio: "studio.uiEndpoint",
  notebook: "notebook.uiEndpoint",
};

/** The problem with naming a SageMaker UI service in vpcEndpoints.interfaceServices, or undefined for any other name. */
export function uiEndpointProblem(name: string): string | undefined {
  const field = Object.prototype.hasOwnProperty.call(SAGEMAKER_UI_ENDPOINT_FIELDS, name) ? SAGEMAKER_UI_ENDPOINT_FIELDS[name] : undefined;
  if (field === undefined) return undefined;
  return (
    `"${name}" (aws.sagemaker.<region>.${name}) is not configured here: remove it and, only if people reach ${name === "studio" ? "Studio" : "the notebook instance"} ` +
    `over VPN or Direct Connect through this VPC, set ${field}: true (it is off by default: with private DNS the endpoint reaches every ` +
    `${name === "studio" ? "Studio domain" : "notebook instance"} of every account past Network Firewall; docs/egress-perimeter.md)`
  );
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** Known names close to `name` (typos, "-" for "."), best first. */
export function similarKnownServices(name: string): string[] {
  const normalized = name.replace(/[-_]/g, ".");
  return Object.keys(KNOWN_INTERFACE_SERVICES)
    .map((known) => ({ known, d: Math.min(distance(name, known), distance(normalized, known.replace(/[-_]/g, "."))) }))
    .filter(({ known, d }) => d <= Math.max(2, Math.floor(known.length / 4)))
    .sort((x, y) => x.d - y.d)
    .map(({ known }) => known);
}

/** The problem with an unlisted short name, or undefined when it is listed. */
export function unknownServiceProblem(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(KNOWN_INTERFACE_SERVICES, name)) return undefined;
  const ui = uiEndpointProblem(name);
  if (ui) return ui;
  const similar = similarKnownServices(name);
  return (
    `"${name}" is not a known interface endpoint service${similar.length ? ` (did you mean ${similar.map((s) => `"${s}"`).join(" or ")}?)` : ""}. ` +
    `If AWS offers it (AWS PrivateLink, "AWS services that integrate with AWS PrivateLink"), write ` +
    `{ "service": "${name}", "acknowledgeUnlisted": "<why, e.g. where AWS documents it>" }, or add it to KNOWN_INTERFACE_SERVICES in modules/endpoints/known-services.ts`
  );
}
