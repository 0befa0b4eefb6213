// The deployment's settings: CDK context values (`-c name=value` or cdk.json's "context"), read,
// defaulted and checked in one place, so a missing or malformed value stops `cdk synth` with a
// message that says what to pass. Pure functions; no AWS calls.

/** Everything the stack needs to know, after defaults. */
export interface Settings {
  /** Region the stack is deployed to (context `region`, else CDK_DEFAULT_REGION). */
  readonly region: string;
  /** ACM certificate for the HTTPS listener, in the stack's region (context `certificateArn`). */
  readonly certificateArn: string;
  /** A pushed image (ECR or any registry); undefined: build the repository's Containerfile. */
  readonly imageUri?: string;
  /** Bedrock model id or inference profile id askdb calls (ASKDB_LLM_MODEL). */
  readonly bedrockModel: string;
  /** Regions the task role may invoke the model in; undefined: the profile's geography. */
  readonly bedrockRegions?: string[];
  /** 'endpoints': no internet egress, VPC endpoints to AWS; 'nat': one NAT gateway. */
  readonly egress: 'endpoints' | 'nat';
  /** Addresses allowed to reach the load balancer (CIDR). */
  readonly allowedCidr: string;
  readonly desiredCount: number;
  readonly maxCount: number;
  /**
   * The first deployment: the service runs no task yet, since askdb cannot start before the
   * setup-role task has created its database role (docs/deploy-aws.md, "Deploying").
   */
  readonly firstDeploy: boolean;
  /** Fargate task size: CPU units (1024 = 1 vCPU) and MiB. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** askdb's server.shutdown_grace_s; the ECS stop timeout and ALB draining follow from it. */
  readonly shutdownGraceSeconds: number;
  /** ALB idle timeout; askdb's keep-alive (ASKDB_SERVER_IDLE_TIMEOUT_S) is set 10 s longer. */
  readonly albIdleTimeoutSeconds: number;
  /** ECS Exec on the service's tasks (a shell in production tasks: off unless asked). */
  readonly enableExec: boolean;
  readonly dbName: string;
  readonly dbInstanceType: string;
  readonly dbAllocatedStorageGiB: number;
  readonly dbMaxAllocatedStorageGiB: number;
  readonly dbMultiAz: boolean;
  readonly dbDeletionProtection: boolean;
  readonly dbBackupRetentionDays: number;
  readonly dbPerformanceInsights: boolean;
  /** The read-only login role askdb queries the data with, and the schemas it may read. */
  readonly readerRole: string;
  readonly readerSchemas: string;
  /** The first account of server.auth = local, made by the one-off admin task. */
  readonly firstUser: string;
  /** Days CloudWatch keeps askdb's logs and S3 keeps the ALB and VPC flow logs. */
  readonly logRetentionDays: number;
}

/** A setting that cannot be used; the message names the context value and what to pass. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** How a context value is looked up: node.tryGetContext in the app, a plain object in tests. */
export type ContextLookup = (key: string) => unknown;

// The Claude Sonnet 4.5 model askdb defaults to (src/llm/bedrock.cc, kSonnet45).
export const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

/**
 * askdb's own default Bedrock model for a region (src/llm/bedrock.cc, default_bedrock_model):
 * the US inference profile in us-* and ca-*, the EU one in eu-*, the global one elsewhere.
 */
export function defaultBedrockModel(region: string): string {
  if (region.startsWith('us-') || region.startsWith('ca-')) return `us.${SONNET_45}`;
  if (region.startsWith('eu-')) return `eu.${SONNET_45}`;
  return `global.${SONNET_45}`;
}

// The log retentions CloudWatch accepts (RetentionInDays).
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
];

function text(lookup: ContextLookup, key: string): string | undefined {
  const value = lookup(key);
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

function integer(lookup: ContextLookup, key: string, fallback: number, min: number, max: number) {
  const s = text(lookup, key);
  if (s === undefined) return fallback;
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
    throw new SettingsError(`context value ${key}="${s}" must be a whole number from ${min} to ${max}`);
  }
  return Number(s);
}

function flag(lookup: ContextLookup, key: string, fallback: boolean): boolean {
  const value = lookup(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(`context value ${key}="${String(value)}" must be true or false`);
}

function name(lookup: ContextLookup, key: string, fallback: string, what: string): string {
  const s = text(lookup, key) ?? fallback;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) {
    throw new SettingsError(
      `context value ${key}="${s}" must be a PostgreSQL ${what} name: lower-case letters, digits and _, ` +
        'not starting with a digit, at most 63 characters',
    );
  }
  return s;
}

/** Reads and checks every setting. Throws SettingsError naming the first bad value. */
export function readSettings(lookup: ContextLookup, env: NodeJS.ProcessEnv = {}): Settings {
  const region = text(lookup, 'region') ?? env.CDK_DEFAULT_REGION;
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new SettingsError(
      `the stack needs a concrete AWS region: pass -c region=us-east-1 (or set AWS_REGION for the CDK CLI)` +
        (region ? `; "${region}" is not a region name` : ''),
    );
  }

  const certificateArn = text(lookup, 'certificateArn');
  if (!certificateArn) {
    throw new SettingsError(
      'context value certificateArn is required: the ARN of an ACM certificate for the name users will ' +
        'open, in the stack\'s region (-c certificateArn=arn:aws:acm:REGION:ACCOUNT:certificate/ID); ' +
        'see docs/deploy-aws.md, "Prerequisites"',
    );
  }
  const certMatch = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/.exec(certificateArn);
  if (!certMatch) {
    throw new SettingsError(`context value certificateArn="${certificateArn}" is not an ACM certificate ARN`);
  }
  if (certMatch[1] !== region) {
    throw new SettingsError(
      `the certificate ${certificateArn} is in ${certMatch[1]} but the stack is in ${region}: ` +
        'an ALB needs a certificate from ACM in its own region',
    );
  }

  const imageUri = text(lookup, 'imageUri');
  if (imageUri !== undefined && /\s/.test(imageUri)) {
    throw new SettingsError(`context value imageUri="${imageUri}" contains a blank`);
  }

  const bedrockModel = text(lookup, 'bedrockModel') ?? defaultBedrockModel(region);
  if (bedrockModel.startsWith('arn:')) {
    throw new SettingsError(
      `context value bedrockModel="${bedrockModel}": give the model or inference profile id ` +
        '(us.anthropic.claude-sonnet-4-5-20250929-v1:0), not an ARN; the stack builds the ARNs',
    );
  }
  if (!/^[a-z0-9-]+(\.[A-Za-z0-9_-]+)+(:[A-Za-z0-9_-]+)*$/.test(bedrockModel)) {
    throw new SettingsError(`context value bedrockModel="${bedrockModel}" is not a Bedrock model id`);
  }
  const regionsText = text(lookup, 'bedrockRegions');
  let bedrockRegions: string[] | undefined;
  if (regionsText !== undefined) {
    bedrockRegions = regionsText.split(',').map((r) => r.trim()).filter((r) => r !== '');
    for (const r of bedrockRegions) {
      if (r !== '*' && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r)) {
        throw new SettingsError(`context value bedrockRegions: "${r}" is not a region name (or *)`);
      }
    }
    if (bedrockRegions.length === 0) {
      throw new SettingsError('context value bedrockRegions is empty: list regions, comma-separated');
    }
  }

  const egress = text(lookup, 'egress') ?? 'endpoints';
  if (egress !== 'endpoints' && egress !== 'nat') {
    throw new SettingsError(`context value egress="${egress}" must be "endpoints" or "nat"`);
  }

  const allowedCidr = text(lookup, 'allowedCidr') ?? '0.0.0.0/0';
  if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(allowedCidr)) {
    throw new SettingsError(`context value allowedCidr="${allowedCidr}" must be an IPv4 CIDR such as 203.0.113.0/24`);
  }

  const desiredCount = integer(lookup, 'desiredCount', 2, 2, 100);
  const maxCount = integer(lookup, 'maxCount', Math.max(6, desiredCount), desiredCount, 200);

  const shutdownGraceSeconds = integer(lookup, 'shutdownGraceSeconds', 20, 1, 110);
  const retention = integer(lookup, 'logRetentionDays', 30, 1, 3653);
  if (!RETENTION_DAYS.includes(retention)) {
    throw new SettingsError(
      `context value logRetentionDays=${retention} is not one CloudWatch accepts: ${RETENTION_DAYS.join(', ')}`,
    );
  }

  const dbInstanceType = text(lookup, 'dbInstanceType') ?? 't4g.medium';
  if (!/^[a-z0-9-]+\.[a-z0-9]+$/.test(dbInstanceType)) {
    throw new SettingsError(
      `context value dbInstanceType="${dbInstanceType}" must be an instance type without "db.", such as t4g.medium`,
    );
  }
  const dbAllocatedStorageGiB = integer(lookup, 'dbAllocatedStorageGiB', 20, 20, 65536);

  const firstUser = text(lookup, 'firstUser') ?? 'admin';
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(firstUser)) {
    throw new SettingsError(`context value firstUser="${firstUser}" must be letters, digits and . _ @ -`);
  }
  const readerSchemas = text(lookup, 'readerSchemas') ?? 'public';
  if (!/^[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*$/.test(readerSchemas)) {
    throw new SettingsError(`context value readerSchemas="${readerSchemas}" must be schema names separated by commas`);
  }

  return {
    region,
    certificateArn,
    imageUri,
    bedrockModel,
    bedrockRegions,
    egress,
    allowedCidr,
    desiredCount,
    maxCount,
    firstDeploy: flag(lookup, 'firstDeploy', false),
    cpu: integer(lookup, 'cpu', 1024, 256, 16384),
    memoryMiB: integer(lookup, 'memoryMiB', 2048, 512, 122880),
    shutdownGraceSeconds,
    albIdleTimeoutSeconds: integer(lookup, 'albIdleTimeoutSeconds', 120, 1, 3590),
    enableExec: flag(lookup, 'enableExec', false),
    dbName: name(lookup, 'dbName', 'analytics', 'database'),
    dbInstanceType,
    dbAllocatedStorageGiB,
    dbMaxAllocatedStorageGiB: integer(
      lookup, 'dbMaxAllocatedStorageGiB', Math.max(100, dbAllocatedStorageGiB), dbAllocatedStorageGiB, 65536),
    dbMultiAz: flag(lookup, 'dbMultiAz', true),
    dbDeletionProtection: flag(lookup, 'dbDeletionProtection', true),
    dbBackupRetentionDays: integer(lookup, 'dbBackupRetentionDays', 7, 1, 35),
    dbPerformanceInsights: flag(lookup, 'dbPerformanceInsights', false),
    readerRole: name(lookup, 'readerRole', 'askdb_reader', 'role'),
    readerSchemas,
    firstUser,
    logRetentionDays: retention,
  };
}
