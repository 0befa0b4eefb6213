// AskdbStack: askdb on AWS, one stack. What it builds (docs/deploy-aws.md has the picture):
//
//   internet ─▶ ALB (public subnets; HTTPS 443, HTTP 80 → 443; /metrics answered 404 here)
//                 │ 8080, from the ALB's security group only
//                 ▼
//   ECS Fargate service "askdb serve", ≥ 2 tasks (app subnets, no public IP), task role: Bedrock
//   invoke on one model only ──▶ Bedrock, ECR, Secrets Manager, CloudWatch Logs through VPC
//   endpoints (or one NAT gateway with -c egress=nat)
//                 │ 5432, from the service's security group only
//                 ▼
//   RDS PostgreSQL 16 (db subnets, isolated; encrypted; backups; deletion protection)
//
// plus two one-off task definitions (setup-role: the read-only role; admin: the first askdb
// user), the secrets they and the service read, and the logs: askdb's in CloudWatch, the ALB's
// access logs and the VPC flow logs in an S3 bucket. Settings come from lib/settings.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  Aws, CfnOutput, Duration, Fn, IgnoreMode, RemovalPolicy, Size, Stack, StackProps, Tags,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_ecr_assets as ecrAssets,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_logs as logs,
  aws_rds as rds,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

import { invokeStatements } from './bedrock';
import { Settings, SettingsError } from './settings';
import { SuppressionTargets, addSuppressions } from './suppressions';

/** The port askdb serves on inside the task (ASKDB_SERVER_PORT). */
export const ASKDB_PORT = 8080;
/** The RDS master user; also the app store's user (docs/deploy-aws.md, "Who connects as whom"). */
export const DB_ADMIN_USER = 'askdb_admin';
/** Name of the askdb container in every task definition. */
export const CONTAINER_NAME = 'askdb';
/** What the container health check runs (the image's own HEALTHCHECK runs the same). */
export const HEALTH_COMMAND = ['CMD', 'askdb', 'health'];
/** Files of the repository that never go into the image's build context. */
export const IMAGE_EXCLUDES = ['.git', 'build*', '**/node_modules', 'deploy/aws', '**/cdk.out', '.askdb', '**/*.swp'];

// Generated passwords are letters and digits only: they go into libpq connection strings and
// shell variables, where punctuation would need quoting. 32 of them carry about 190 bits.
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ';

const FIXED_404_BODY = JSON.stringify({
  error: { code: 'not_found', message: 'no such page.' },
});

export interface AskdbStackProps extends StackProps {
  readonly settings: Settings;
  /** The repository root: the build context of the image when no imageUri is given. */
  readonly repoRoot: string;
}

export class AskdbStack extends Stack {
  /** The settings it was built from. */
  public readonly settings: Settings;
  /** The constructs lib/suppressions.ts acknowledges findings on. */
  public readonly suppressionTargets: SuppressionTargets;

  constructor(scope: Construct, id: string, props: AskdbStackProps) {
    super(scope, id, props);
    const s = props.settings;
    this.settings = s;
    Tags.of(this).add('app', 'askdb');

    // ---- Logs: one bucket for the ALB's access logs and the VPC's flow logs ----
    const logBucket = new s3.Bucket(this, 'LogBucket', {
      // ALB access logs can only be written with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(s.logRetentionDays) }],
      // Kept when the stack is deleted: logs outlive what they record (docs: "Tearing down").
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: s.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ---- Network ----
    const appSubnetType = s.egress === 'nat' ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: s.egress === 'nat' ? 1 : 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: appSubnetType, cidrMask: 22 },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toS3(logBucket, 'vpc-flow-logs/'),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const appSubnets: ec2.SubnetSelection = { subnetGroupName: 'app' };
    const dbSubnets: ec2.SubnetSelection = { subnetGroupName: 'db' };

    const albSg = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'askdb load balancer: HTTPS and HTTP (redirected) from allowedCidr',
      allowAllOutbound: false,
    });
    albSg.addIngressRule(ec2.Peer.ipv4(s.allowedCidr), ec2.Port.tcp(443), 'HTTPS');
    albSg.addIngressRule(ec2.Peer.ipv4(s.allowedCidr), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');

    const serviceSg = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'askdb tasks (service and one-off): 8080 from the load balancer only',
      allowAllOutbound: false,
    });
    serviceSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
      'AWS APIs over HTTPS: Bedrock, ECR, Secrets Manager, CloudWatch Logs');

    const dbSg = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'askdb database: PostgreSQL from askdb tasks only',
      allowAllOutbound: false,
    });
    dbSg.addIngressRule(serviceSg, ec2.Port.tcp(5432), 'PostgreSQL from askdb tasks');
    serviceSg.addEgressRule(dbSg, ec2.Port.tcp(5432), 'PostgreSQL to the database');

    if (s.egress === 'endpoints') {
      // Private endpoints for every AWS API the tasks call; without them (and without NAT)
      // isolated subnets reach nothing. S3 is where ECR keeps image layers.
      vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [appSubnets] });
      const endpointSg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc,
        description: 'askdb VPC interface endpoints: HTTPS from askdb tasks',
        allowAllOutbound: false,
      });
      endpointSg.addIngressRule(serviceSg, ec2.Port.tcp(443), 'HTTPS from askdb tasks');
      const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
        BedrockRuntime: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      };
      if (s.enableExec) services.SsmMessages = ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES;
      for (const [name, service] of Object.entries(services)) {
        vpc.addInterfaceEndpoint(`${name}Endpoint`, {
          service,
          subnets: appSubnets,
          securityGroups: [endpointSg],
          privateDnsEnabled: true,
          open: false,
        });
      }
    }

    // ---- Secrets ----
    const credentials = rds.Credentials.fromGeneratedSecret(DB_ADMIN_USER, {
      secretName: `${this.stackName}/db-admin`,
      excludeCharacters: PUNCTUATION,
    });
    const readerSecret = new secretsmanager.Secret(this, 'ReaderSecret', {
      secretName: `${this.stackName}/db-reader`,
      description: `askdb: password of the read-only database role ${s.readerRole}`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: s.readerRole }),
        generateStringKey: 'password',
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 32,
      },
    });
    const firstUserSecret = new secretsmanager.Secret(this, 'FirstUserSecret', {
      secretName: `${this.stackName}/first-user`,
      description: `askdb: first password of the askdb account ${s.firstUser} (change it after the first login)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: s.firstUser }),
        generateStringKey: 'password',
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 24,
      },
    });

    // ---- Database ----
    const db = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: new ec2.InstanceType(s.dbInstanceType),
      vpc,
      vpcSubnets: dbSubnets,
      securityGroups: [dbSg],
      publiclyAccessible: false,
      port: 5432,
      credentials,
      databaseName: s.dbName,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      allocatedStorage: s.dbAllocatedStorageGiB,
      maxAllocatedStorage: s.dbMaxAllocatedStorageGiB,
      multiAz: s.dbMultiAz,
      deletionProtection: s.dbDeletionProtection,
      backupRetention: Duration.days(s.dbBackupRetentionDays),
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      iamAuthentication: true,
      enablePerformanceInsights: s.dbPerformanceInsights,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    const adminSecret = db.secret!;
    const host = db.dbInstanceEndpointAddress;
    const port = db.dbInstanceEndpointPort;
    // RDS for PostgreSQL 15 and later refuses unencrypted connections (rds.force_ssl = 1);
    // "require" encrypts without checking the server certificate (see docs, "Hardening").
    const dbUrl = (user: string) => `postgresql://${user}@${host}:${port}/${s.dbName}?sslmode=require`;

    // ---- Image ----
    const image = this.image(s, props.repoRoot);

    // ---- ECS ----
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const runtimePlatform: ecs.RuntimePlatform = {
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    };
    const logDriver = (prefix: string) =>
      ecs.LogDrivers.awsLogs({
        logGroup,
        streamPrefix: prefix,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      });
    const tasksPrincipal = () =>
      new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ecs:${s.region}:${Aws.ACCOUNT_ID}:*` },
      });

    // The service's task role: invoke the one configured Bedrock model, nothing else.
    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: tasksPrincipal(),
      description: `askdb tasks: bedrock:InvokeModel and InvokeModelWithResponseStream on ${s.bedrockModel} only`,
    });
    for (const st of invokeStatements({
      modelId: s.bedrockModel,
      region: s.region,
      account: Aws.ACCOUNT_ID,
      regions: s.bedrockRegions,
    })) {
      taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ effect: iam.Effect.ALLOW, ...st }));
    }

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'ServiceTask', {
      family: `${this.stackName}-serve`,
      cpu: s.cpu,
      memoryLimitMiB: s.memoryMiB,
      runtimePlatform,
      taskRole,
    });
    const graceSeconds = s.shutdownGraceSeconds;
    taskDefinition.addContainer(CONTAINER_NAME, {
      image,
      essential: true,
      portMappings: [{ containerPort: ASKDB_PORT, name: 'http', protocol: ecs.Protocol.TCP }],
      environment: {
        ASKDB_SERVER_HOST: '0.0.0.0',
        ASKDB_SERVER_PORT: String(ASKDB_PORT),
        ASKDB_SERVER_AUTH: 'local',
        ASKDB_SERVER_SHUTDOWN_GRACE_S: String(graceSeconds),
        // askdb keeps idle connections open longer than the ALB does, so the ALB never reuses
        // one askdb is closing (a 502).
        ASKDB_SERVER_IDLE_TIMEOUT_S: String(s.albIdleTimeoutSeconds + 10),
        // The ALB's addresses: rate limits count the client's own address (X-Forwarded-For).
        ASKDB_SERVER_PROXY_TRUSTED: vpc.vpcCidrBlock,
        ASKDB_DATABASE_URL: dbUrl(s.readerRole),
        ASKDB_STORE_URL: dbUrl(DB_ADMIN_USER),
        ASKDB_LLM_PROVIDER: 'bedrock',
        ASKDB_LLM_MODEL: s.bedrockModel,
        ASKDB_LLM_REGION: s.region,
      },
      secrets: {
        ASKDB_DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(readerSecret, 'password'),
        ASKDB_STORE_PASSWORD: ecs.Secret.fromSecretsManager(adminSecret, 'password'),
      },
      logging: logDriver('serve'),
      // ECS sends SIGTERM, then SIGKILL after stopTimeout: askdb needs its grace and a margin
      // to store what was cut short and exit 0.
      stopTimeout: Duration.seconds(Math.min(120, graceSeconds + 10)),
      healthCheck: {
        command: HEALTH_COMMAND,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
    });

    const service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: s.firstDeploy ? 0 : s.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: appSubnets,
      securityGroups: [serviceSg],
      circuitBreaker: { enable: true, rollback: true },
      // askdb migrates its store and indexes the catalog at start.
      healthCheckGracePeriod: Duration.seconds(120),
      enableExecuteCommand: s.enableExec,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    const scaling = service.autoScaleTaskCount({
      minCapacity: s.firstDeploy ? 0 : s.desiredCount,
      maxCapacity: s.maxCount,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    // ---- Load balancer ----
    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(s.albIdleTimeoutSeconds),
    });
    alb.logAccessLogs(logBucket, 'alb');
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: ASKDB_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [service],
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // ECS deregisters a stopping task, waits this long (answers in flight go on), then sends
      // SIGTERM; askdb then has its grace. Same length, so draining covers what the grace would.
      deregistrationDelay: Duration.seconds(graceSeconds + 10),
    });
    const https = alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(s.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
      defaultAction: elbv2.ListenerAction.forward([targetGroup]),
    });
    alb.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    // Prometheus metrics stay inside the VPC: the ALB answers /metrics itself.
    new elbv2.ApplicationListenerRule(this, 'MetricsNotFound', {
      listener: https,
      priority: 1,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: FIXED_404_BODY }),
    });
    // askdb answers /metrics only as spelled (an escaped "/%6Detrics" gets its own 404), so this
    // literal rule is enough.

    // ---- One-off tasks ----
    // setup-role: creates the read-only login role askdb queries with, as the RDS master user.
    const setupRoleTask = new ecs.FargateTaskDefinition(this, 'SetupRoleTask', {
      family: `${this.stackName}-setup-role`,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform,
      taskRole: new iam.Role(this, 'SetupRoleTaskRole', {
        assumedBy: tasksPrincipal(),
        description: 'askdb setup-role one-off task: no AWS permissions',
      }),
    });
    setupRoleTask.addContainer(CONTAINER_NAME, {
      image,
      essential: true,
      entryPoint: ['askdb'],
      command: [
        'setup-role', '--apply',
        '--role', s.readerRole,
        '--password-env', 'ASKDB_READER_PASSWORD',
        '--schemas', s.readerSchemas,
      ],
      environment: { PGHOST: host, PGPORT: port, PGDATABASE: s.dbName, PGSSLMODE: 'require' },
      secrets: {
        PGUSER: ecs.Secret.fromSecretsManager(adminSecret, 'username'),
        PGPASSWORD: ecs.Secret.fromSecretsManager(adminSecret, 'password'),
        ASKDB_READER_PASSWORD: ecs.Secret.fromSecretsManager(readerSecret, 'password'),
      },
      logging: logDriver('setup-role'),
    });

    // admin: `askdb users ...` against the app store; by default adds the first account with the
    // generated password (read from stdin, so it never shows in a command line).
    const adminTask = new ecs.FargateTaskDefinition(this, 'AdminTask', {
      family: `${this.stackName}-admin`,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform,
      taskRole: new iam.Role(this, 'AdminTaskRole', {
        assumedBy: tasksPrincipal(),
        description: 'askdb admin one-off task: no AWS permissions',
      }),
    });
    adminTask.addContainer(CONTAINER_NAME, {
      image,
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      command: [`printf '%s\\n' "$ASKDB_FIRST_USER_PASSWORD" | askdb users add '${s.firstUser}'`],
      environment: {
        ASKDB_DATABASE_URL: dbUrl(s.readerRole),
        ASKDB_STORE_URL: dbUrl(DB_ADMIN_USER),
        ASKDB_LLM_PROVIDER: 'none',
      },
      secrets: {
        ASKDB_DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(readerSecret, 'password'),
        ASKDB_STORE_PASSWORD: ecs.Secret.fromSecretsManager(adminSecret, 'password'),
        ASKDB_FIRST_USER_PASSWORD: ecs.Secret.fromSecretsManager(firstUserSecret, 'password'),
      },
      logging: logDriver('admin'),
    });

    // ---- Outputs: what docs/deploy-aws.md's commands read ----
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('Url', `https://${alb.loadBalancerDnsName}`, 'The load balancer (point your DNS name at it)');
    out('LoadBalancerDnsName', alb.loadBalancerDnsName, 'CNAME or alias target for your DNS name');
    out('ClusterName', cluster.clusterName, 'ECS cluster');
    out('ServiceName', service.serviceName, 'ECS service running askdb serve');
    out('SetupRoleTaskDefinition', setupRoleTask.family, 'One-off task: creates the read-only role');
    out('AdminTaskDefinition', adminTask.family, 'One-off task: askdb users (adds the first user)');
    out('TaskSubnets', Fn.join(',', vpc.selectSubnets(appSubnets).subnetIds), 'Subnets for one-off tasks');
    out('TaskSecurityGroup', serviceSg.securityGroupId, 'Security group for one-off tasks');
    out('DatabaseEndpoint', host, 'RDS endpoint');
    out('DatabaseAdminSecretArn', adminSecret.secretArn, 'RDS master user (also the app store user)');
    out('DatabaseReaderSecretArn', readerSecret.secretArn, `Password of ${s.readerRole}`);
    out('FirstUserSecretArn', firstUserSecret.secretArn, `First password of the askdb account ${s.firstUser}`);
    out('LogGroupName', logGroup.logGroupName, 'askdb logs');
    out('LogBucketName', logBucket.bucketName, 'ALB access logs and VPC flow logs');
    out('BedrockModel', s.bedrockModel, 'ASKDB_LLM_MODEL');

    this.suppressionTargets = {
      logBucket,
      albSg,
      secrets: [db.node.findChild('Secret'), readerSecret, firstUserSecret],
      database: db,
      taskDefinitions: [taskDefinition, setupRoleTask, adminTask],
    };
    addSuppressions(s, this.suppressionTargets);
  }

  // The container image: a pushed one (ECR: the execution role may pull it), or the repository's
  // Containerfile, built and pushed by `cdk deploy` (never by synth).
  private image(s: Settings, repoRoot: string): ecs.ContainerImage {
    if (s.imageUri !== undefined) {
      const ecrUri = parseEcrUri(s.imageUri);
      if (ecrUri === undefined) {
        if (s.egress === 'endpoints') {
          throw new SettingsError(
            `imageUri "${s.imageUri}" is not in ECR, and with egress=endpoints the tasks cannot reach other ` +
              'registries: push the image to ECR in this region, or pass -c egress=nat',
          );
        }
        return ecs.ContainerImage.fromRegistry(s.imageUri);
      }
      if (ecrUri.region !== s.region && s.egress === 'endpoints') {
        throw new SettingsError(
          `imageUri "${s.imageUri}" is in ${ecrUri.region}, and the ECR endpoints serve ${s.region} only: ` +
            'replicate the repository to this region, or pass -c egress=nat',
        );
      }
      const repository = ecr.Repository.fromRepositoryAttributes(this, 'ImageRepository', {
        repositoryName: ecrUri.repository,
        repositoryArn: `arn:${Aws.PARTITION}:ecr:${ecrUri.region}:${ecrUri.account}:repository/${ecrUri.repository}`,
      });
      return ecs.ContainerImage.fromEcrRepository(repository, ecrUri.tagOrDigest);
    }
    if (!fs.existsSync(path.join(repoRoot, 'Containerfile'))) {
      throw new SettingsError(
        `there is no Containerfile in ${repoRoot} to build the image from: run from an askdb checkout, ` +
          'or pass a pushed image with -c imageUri=ACCOUNT.dkr.ecr.REGION.amazonaws.com/askdb:TAG',
      );
    }
    const asset = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: repoRoot,
      file: 'Containerfile',
      platform: ecrAssets.Platform.LINUX_AMD64,
      exclude: IMAGE_EXCLUDES,
      ignoreMode: IgnoreMode.DOCKER,
    });
    return ecs.ContainerImage.fromDockerImageAsset(asset);
  }
}

export interface EcrUri {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  readonly tagOrDigest: string;
}

/** Splits ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO[:TAG|@sha256:DIGEST]; undefined if not ECR. */
export function parseEcrUri(uri: string): EcrUri | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))?$/.exec(uri);
  if (!m) return undefined;
  return { account: m[1], region: m[2], repository: m[3], tagOrDigest: m[5] ?? m[4] ?? 'latest' };
}
