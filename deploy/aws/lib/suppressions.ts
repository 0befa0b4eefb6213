// Every cdk-nag AwsSolutions finding this stack keeps, on the construct it concerns, each with the
// reason it is accepted. Anything not acknowledged here fails `cdk synth` (lib/app.ts);
// docs/deploy-aws.md has the same list for readers.
import {
  Validations, aws_ec2 as ec2, aws_ecs as ecs, aws_rds as rds, aws_s3 as s3
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

import { Settings } from './settings';

export interface SuppressionTargets {
  readonly logBucket: s3.IBucket;
  readonly albSg: ec2.ISecurityGroup;
  readonly secrets: IConstruct[];
  readonly database: rds.DatabaseInstance;
  /** The service's first, then the one-off tasks'. */
  readonly taskDefinitions: ecs.TaskDefinition[];
}

/** One acknowledgement: a rule id and why the finding is accepted here. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** The acknowledgements, by construct; exported so the tests can check each has a reason. */
export function suppressions(s: Settings, t: SuppressionTargets): [IConstruct, Acknowledgement][] {
  const out: [IConstruct, Acknowledgement][] = [];
  const ack = (scope: IConstruct, id: string, reason: string) => out.push([scope, { id, reason }]);

  ack(t.logBucket, 'AwsSolutions-S1',
    'This bucket is the access-log destination itself (ALB access logs, VPC flow logs); logging its own ' +
      'accesses would need another bucket whose accesses go unlogged in turn.');

  if (s.allowedCidr === '0.0.0.0/0') {
    ack(t.albSg, 'AwsSolutions-EC23',
      'An internet-facing load balancer: ports 443 and 80 (redirected to 443) only, from anywhere by default. ' +
        'Narrow it with -c allowedCidr=...; the tasks and the database accept only the security groups in front of them.');
  }

  for (const secret of t.secrets) {
    ack(secret, 'AwsSolutions-SMG4',
      'ECS injects secrets when a task starts, so an automatic rotation would leave running askdb tasks with a ' +
        'stale database password until their next deployment. Rotate by hand with the steps in ' +
        'docs/deploy-aws.md ("Rotating passwords"), which redeploy the service.');
  }

  ack(t.database, 'AwsSolutions-RDS11',
    'PostgreSQL keeps its default port 5432: the database is in isolated subnets and its security group admits ' +
      'only askdb tasks, so another port would hide nothing; libpq tools then need no port setting.');

  for (const td of t.taskDefinitions) {
    ack(td, 'AwsSolutions-ECS2',
      'The environment holds configuration only (addresses, ports, model id, the RDS endpoint, role names); every ' +
        'password comes from Secrets Manager as an ECS secret.');
    ack(td.obtainExecutionRole(), 'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken, which pulling any ECR image needs, has no resource-level permissions and must ' +
        'be granted on "*" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_id-based-policy-examples.html); ' +
        'the pull actions themselves are granted on the one repository.');
  }

  if (s.enableExec) {
    const taskRole = t.taskDefinitions[0].taskRole;
    ack(taskRole, 'AwsSolutions-IAM5[Resource::*]',
      'ECS Exec (-c enableExec=true): the ssmmessages channel actions have no resource-level permissions ' +
        '(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).');
  }

  if (s.bedrockRegions?.includes('*')) {
    ack(t.taskDefinitions[0].taskRole, 'AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/' +
      s.bedrockModel.split('.').slice(1).join('.') + ']',
      'Chosen with -c bedrockRegions=*: the model in any region, but only through the one inference profile ' +
        '(condition bedrock:InferenceProfileArn), so routing to a region AWS adds later keeps working.');
  }

  if (!s.dbMultiAz) {
    ack(t.database, 'AwsSolutions-RDS3',
      'Chosen with -c dbMultiAz=false: one instance, half the cost, minutes of downtime when its host or zone fails.');
  }

  if (!s.dbDeletionProtection) {
    ack(t.database, 'AwsSolutions-RDS10',
      'Chosen with -c dbDeletionProtection=false (a trial stack): deleting the stack then deletes the instance, ' +
        'after a final snapshot (DeletionPolicy Snapshot).');
  }

  return out;
}

export function addSuppressions(s: Settings, t: SuppressionTargets): void {
  for (const [scope, a] of suppressions(s, t)) {
    Validations.of(scope).acknowledge(a);
  }
}
