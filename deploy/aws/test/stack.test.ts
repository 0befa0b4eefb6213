// The synthesized template, checked for the properties docs/deploy-aws.md promises: where things
// run, who may reach whom, what is encrypted, what the task role may do, how secrets reach the
// tasks, the listeners, health checks, /metrics, logs, and cdk-nag passing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { aws_s3 as s3 } from 'aws-cdk-lib';

import { CONTAINER_NAME, HEALTH_COMMAND, parseEcrUri } from '../lib/askdb-stack';
import { buildApp } from '../lib/app';
import { suppressions } from '../lib/suppressions';
import { SONNET_45 } from '../lib/settings';
import { contextFor, ecrImageFor, only, refOf, resourcesOf, synth, tempDir } from './support';

// One synth per configuration, shared by the tests below (a synth takes seconds).
const plain = synth(contextFor('us-east-1'));
const variant = synth(contextFor('us-east-1', {
  egress: 'nat', enableExec: true, dbMultiAz: false, allowedCidr: '203.0.113.0/24', desiredCount: 3,
  shutdownGraceSeconds: 45, dbDeletionProtection: false,
}));

const tpl = plain.json;

// ---- helpers over the template ----

function subnetsNamed(json: Record<string, any>, group: string): string[] {
  return Object.entries(resourcesOf(json, 'AWS::EC2::Subnet'))
    .filter(([, r]) => r.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-name' && t.Value === group))
    .map(([id]) => id)
    .sort();
}

/** What the route table of a subnet sends 0.0.0.0/0 to: 'igw', 'nat' or undefined. */
function defaultRoute(json: Record<string, any>, subnet: string): string | undefined {
  const assoc = Object.values(resourcesOf(json, 'AWS::EC2::SubnetRouteTableAssociation'))
    .find((a) => refOf(a.Properties.SubnetId) === subnet);
  assert.ok(assoc, `no route table for ${subnet}`);
  const table = refOf(assoc.Properties.RouteTableId);
  const routes = Object.values(resourcesOf(json, 'AWS::EC2::Route'))
    .filter((r) => refOf(r.Properties.RouteTableId) === table && r.Properties.DestinationCidrBlock === '0.0.0.0/0');
  if (routes.length === 0) return undefined;
  assert.equal(routes.length, 1);
  return routes[0].Properties.GatewayId ? 'igw' : routes[0].Properties.NatGatewayId ? 'nat' : 'other';
}

/** Every ingress rule of a security group: inline ones and separate resources. */
function ingressOf(json: Record<string, any>, sg: string): any[] {
  const inline = json.Resources[sg].Properties.SecurityGroupIngress ?? [];
  const separate = Object.values(resourcesOf(json, 'AWS::EC2::SecurityGroupIngress'))
    .filter((r) => refOf(r.Properties.GroupId) === sg)
    .map((r) => r.Properties);
  return [...inline, ...separate];
}

function container(json: Record<string, any>, taskPrefix: string): any {
  const [, td] = only(json, 'AWS::ECS::TaskDefinition', taskPrefix);
  const defs = td.Properties.ContainerDefinitions;
  assert.equal(defs.length, 1);
  assert.equal(defs[0].Name, CONTAINER_NAME);
  return defs[0];
}

function envOf(c: any): Record<string, any> {
  return Object.fromEntries((c.Environment ?? []).map((e: any) => [e.Name, e.Value]));
}

/** { NAME: [secret logical id, json key] } of a container's secrets. */
function secretsOf(c: any): Record<string, [string, string]> {
  return Object.fromEntries((c.Secrets ?? []).map((s: any) => {
    const parts = s.ValueFrom['Fn::Join'][1];
    return [s.Name, [refOf(parts[0]), String(parts[1]).split(':')[1]]];
  }));
}

/** The statements of every policy attached to a role, and its managed policies. */
function policiesOfRole(json: Record<string, any>, role: string): { statements: any[]; managed: any[] } {
  const statements = Object.values(resourcesOf(json, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => refOf(r) === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const props = json.Resources[role].Properties;
  return { statements: [...statements, ...(props.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement)], managed: props.ManagedPolicyArns ?? [] };
}

// ---- the tests ----

describe('network', () => {
  it('has public subnets for the load balancer only, and app and db subnets without internet routes', () => {
    const publicSubnets = subnetsNamed(tpl, 'public');
    const appSubnets = subnetsNamed(tpl, 'app');
    const dbSubnets = subnetsNamed(tpl, 'db');
    assert.equal(publicSubnets.length, 2);
    assert.equal(appSubnets.length, 2);
    assert.equal(dbSubnets.length, 2);
    for (const s of publicSubnets) assert.equal(defaultRoute(tpl, s), 'igw');
    for (const s of [...appSubnets, ...dbSubnets]) assert.equal(defaultRoute(tpl, s), undefined, s);
    for (const s of [...publicSubnets, ...appSubnets, ...dbSubnets]) {
      assert.equal(tpl.Resources[s].Properties.MapPublicIpOnLaunch, false, s);
    }
    assert.deepEqual(Object.keys(resourcesOf(tpl, 'AWS::EC2::NatGateway')), []);

    const [, alb] = only(tpl, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    assert.equal(alb.Properties.Scheme, 'internet-facing');
    assert.deepEqual(alb.Properties.Subnets.map(refOf).sort(), publicSubnets);
  });

  it('with egress=nat routes the app subnets (only) through one NAT gateway', () => {
    const v = variant.json;
    assert.equal(Object.keys(resourcesOf(v, 'AWS::EC2::NatGateway')).length, 1);
    for (const s of subnetsNamed(v, 'app')) assert.equal(defaultRoute(v, s), 'nat', s);
    for (const s of subnetsNamed(v, 'db')) assert.equal(defaultRoute(v, s), undefined, s);
    assert.deepEqual(Object.values(resourcesOf(v, 'AWS::EC2::VPCEndpoint'))
      .filter((e) => e.Properties.VpcEndpointType === 'Interface'), []);
  });

  it('has VPC endpoints for every AWS API the tasks call, in the app subnets, open to the tasks only', () => {
    const endpoints = Object.values(resourcesOf(tpl, 'AWS::EC2::VPCEndpoint'));
    const names = endpoints.map((e) => {
      const n = e.Properties.ServiceName;
      return typeof n === 'string' ? n : n['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : 'us-east-1')).join('');
    }).map((n) => n.replace(/^com\.amazonaws\.us-east-1\./, '')).sort();
    assert.deepEqual(names, ['bedrock-runtime', 'ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager']);
    const app = subnetsNamed(tpl, 'app');
    for (const e of endpoints.filter((x) => x.Properties.VpcEndpointType === 'Interface')) {
      assert.deepEqual(e.Properties.SubnetIds.map(refOf).sort(), app);
      assert.equal(e.Properties.PrivateDnsEnabled, true);
      const [sg] = e.Properties.SecurityGroupIds.map(refOf);
      const rules = ingressOf(tpl, sg);
      assert.equal(rules.length, 1);
      assert.equal(refOf(rules[0].SourceSecurityGroupId), serviceSecurityGroup());
      assert.equal(rules[0].FromPort, 443);
    }
  });

  it('logs VPC flows and ALB access to the log bucket, which is private, encrypted and TLS-only', () => {
    const [, flow] = only(tpl, 'AWS::EC2::FlowLog');
    assert.equal(flow.Properties.LogDestinationType, 's3');
    assert.equal(flow.Properties.TrafficType, 'ALL');
    const [bucketId, bucket] = only(tpl, 'AWS::S3::Bucket');
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    assert.equal(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, 'AES256');
    const [, policy] = only(tpl, 'AWS::S3::BucketPolicy');
    assert.equal(refOf(policy.Properties.Bucket), bucketId);
    assert.ok(policy.Properties.PolicyDocument.Statement.some((s: any) =>
      s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
    const [, alb] = only(tpl, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const attrs = Object.fromEntries(alb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
    assert.equal(attrs['access_logs.s3.enabled'], 'true');
    assert.equal(refOf(attrs['access_logs.s3.bucket']), bucketId);
    assert.equal(attrs['routing.http.drop_invalid_header_fields.enabled'], 'true');
    assert.equal(attrs['idle_timeout.timeout_seconds'], '120');
  });
});

function serviceSecurityGroup(json: Record<string, any> = tpl): string {
  const [, service] = only(json, 'AWS::ECS::Service');
  const groups = service.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.map(refOf);
  assert.equal(groups.length, 1);
  return groups[0];
}

describe('security groups', () => {
  it('lets the internet reach the load balancer on 443 and 80 only', () => {
    const [, alb] = only(tpl, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const [sg] = alb.Properties.SecurityGroups.map(refOf);
    const rules = ingressOf(tpl, sg).map((r) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`).sort();
    assert.deepEqual(rules, ['0.0.0.0/0:443-443', '0.0.0.0/0:80-80']);
    const narrowed = ingressOf(variant.json, refOf(only(variant.json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[1].Properties.SecurityGroups[0]));
    assert.deepEqual(narrowed.map((r) => r.CidrIp), ['203.0.113.0/24', '203.0.113.0/24']);
  });

  it('lets only the load balancer reach the tasks, on 8080', () => {
    const [, alb] = only(tpl, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const rules = ingressOf(tpl, serviceSecurityGroup());
    assert.equal(rules.length, 1);
    assert.equal(refOf(rules[0].SourceSecurityGroupId), refOf(alb.Properties.SecurityGroups[0]));
    assert.equal(rules[0].FromPort, 8080);
    assert.equal(rules[0].ToPort, 8080);
  });

  it('lets only the tasks reach the database, on 5432', () => {
    const [, db] = only(tpl, 'AWS::RDS::DBInstance');
    const groups = db.Properties.VPCSecurityGroups.map(refOf);
    assert.equal(groups.length, 1);
    const rules = ingressOf(tpl, groups[0]);
    assert.equal(rules.length, 1);
    assert.equal(refOf(rules[0].SourceSecurityGroupId), serviceSecurityGroup());
    assert.equal(rules[0].IpProtocol, 'tcp');
    assert.equal(rules[0].FromPort, 5432);
    assert.equal(rules[0].ToPort, 5432);
  });
});

describe('database', () => {
  it('is PostgreSQL 16 in the db subnets, private, encrypted, backed up, protected from deletion', () => {
    const [, db] = only(tpl, 'AWS::RDS::DBInstance');
    const p = db.Properties;
    assert.equal(p.Engine, 'postgres');
    assert.match(String(p.EngineVersion), /^16(\.|$)/);
    assert.equal(p.StorageEncrypted, true);
    assert.equal(p.PubliclyAccessible, false);
    assert.equal(p.MultiAZ, true);
    assert.equal(p.DeletionProtection, true);
    assert.equal(p.BackupRetentionPeriod, 7);
    assert.equal(p.DBName, 'analytics');
    assert.equal(p.MasterUsername, 'askdb_admin');
    assert.equal(db.DeletionPolicy, 'Snapshot');
    const [, group] = only(tpl, 'AWS::RDS::DBSubnetGroup');
    assert.deepEqual(group.Properties.SubnetIds.map(refOf).sort(), subnetsNamed(tpl, 'db'));
    const [, v] = only(variant.json, 'AWS::RDS::DBInstance');
    assert.equal(v.Properties.MultiAZ, false);
    assert.equal(v.Properties.DeletionProtection, false);
  });
});

describe('service', () => {
  it('runs at least two Fargate tasks in the app subnets without public IPs, with a rolling-back circuit breaker', () => {
    const [, service] = only(tpl, 'AWS::ECS::Service');
    const p = service.Properties;
    assert.equal(p.LaunchType, 'FARGATE');
    assert.equal(p.DesiredCount, 2);
    assert.deepEqual(p.DeploymentConfiguration, {
      DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MaximumPercent: 200, MinimumHealthyPercent: 100,
    });
    assert.equal(p.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, 'DISABLED');
    assert.deepEqual(p.NetworkConfiguration.AwsvpcConfiguration.Subnets.map(refOf).sort(), subnetsNamed(tpl, 'app'));
    assert.equal(p.EnableExecuteCommand, false);
    const [, scalable] = only(tpl, 'AWS::ApplicationAutoScaling::ScalableTarget');
    assert.equal(scalable.Properties.MinCapacity, 2);
    assert.equal(only(variant.json, 'AWS::ECS::Service')[1].Properties.DesiredCount, 3);
  });

  it('runs no task on the first deployment, before the database role exists', () => {
    const first = synth(contextFor('us-east-1', { firstDeploy: 'true' }));
    assert.equal(only(first.json, 'AWS::ECS::Service')[1].Properties.DesiredCount, 0);
    assert.equal(only(first.json, 'AWS::ApplicationAutoScaling::ScalableTarget')[1].Properties.MinCapacity, 0);
    assert.deepEqual(first.built.nag.validateScope(first.built.app).violations, []);
  });

  it('configures askdb by environment, with every password injected from Secrets Manager', () => {
    const c = container(tpl, 'ServiceTask');
    const env = envOf(c);
    assert.equal(env.ASKDB_SERVER_HOST, '0.0.0.0');
    assert.equal(env.ASKDB_SERVER_PORT, '8080');
    assert.equal(env.ASKDB_SERVER_AUTH, 'local');
    assert.equal(env.ASKDB_SERVER_SHUTDOWN_GRACE_S, '20');
    // Keep-alive longer than the ALB's idle timeout; the ALB's range trusted for X-Forwarded-For.
    assert.equal(env.ASKDB_SERVER_IDLE_TIMEOUT_S, '130');
    const [vpcId] = only(tpl, 'AWS::EC2::VPC');
    assert.deepEqual(env.ASKDB_SERVER_PROXY_TRUSTED, { 'Fn::GetAtt': [vpcId, 'CidrBlock'] });
    assert.equal(env.ASKDB_LLM_PROVIDER, 'bedrock');
    assert.equal(env.ASKDB_LLM_MODEL, `us.${SONNET_45}`);
    assert.equal(env.ASKDB_LLM_REGION, 'us-east-1');
    const url = (v: any) => v['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : '{}')).join('');
    assert.equal(url(env.ASKDB_DATABASE_URL), 'postgresql://askdb_reader@{}:{}/analytics?sslmode=require');
    assert.equal(url(env.ASKDB_STORE_URL), 'postgresql://askdb_admin@{}:{}/analytics?sslmode=require');
    for (const name of Object.keys(env)) assert.doesNotMatch(name, /PASSWORD|SECRET|KEY/);

    const secrets = secretsOf(c);
    const [readerSecret] = only(tpl, 'AWS::SecretsManager::Secret', 'ReaderSecret');
    const [attachment] = only(tpl, 'AWS::SecretsManager::SecretTargetAttachment');
    assert.deepEqual(secrets, {
      ASKDB_DATABASE_PASSWORD: [readerSecret, 'password'],
      ASKDB_STORE_PASSWORD: [attachment, 'password'],
    });
    assert.deepEqual(c.PortMappings, [{ ContainerPort: 8080, Name: 'http', Protocol: 'tcp' }]);
  });

  it('stops within askdb\'s shutdown grace, and drains the load balancer for as long', () => {
    const c = container(tpl, 'ServiceTask');
    assert.equal(c.StopTimeout, 30);
    const attrs = (json: Record<string, any>) => Object.fromEntries(
      only(json, 'AWS::ElasticLoadBalancingV2::TargetGroup')[1].Properties.TargetGroupAttributes.map((a: any) => [a.Key, a.Value]));
    assert.equal(attrs(tpl)['deregistration_delay.timeout_seconds'], '30');
    const v = container(variant.json, 'ServiceTask');
    assert.equal(envOf(v).ASKDB_SERVER_SHUTDOWN_GRACE_S, '45');
    assert.equal(v.StopTimeout, 55);
    assert.equal(attrs(variant.json)['deregistration_delay.timeout_seconds'], '55');
  });

  it('has a container health check and logs to CloudWatch with a retention', () => {
    const c = container(tpl, 'ServiceTask');
    assert.deepEqual(c.HealthCheck.Command, HEALTH_COMMAND);
    const [logGroup, group] = only(tpl, 'AWS::Logs::LogGroup');
    assert.equal(group.Properties.RetentionInDays, 30);
    for (const prefix of ['ServiceTask', 'SetupRoleTask', 'AdminTask']) {
      const log = container(tpl, prefix).LogConfiguration;
      assert.equal(log.LogDriver, 'awslogs');
      assert.equal(refOf(log.Options['awslogs-group']), logGroup);
    }
  });

  it('uses the pushed ECR image and lets the execution role pull only that repository', () => {
    const c = container(tpl, 'ServiceTask');
    assert.equal(c.Image['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : 'amazonaws.com')).join(''),
      ecrImageFor('us-east-1'));
    const [, td] = only(tpl, 'AWS::ECS::TaskDefinition', 'ServiceTask');
    const { statements } = policiesOfRole(tpl, refOf(td.Properties.ExecutionRoleArn));
    const pull = statements.find((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
    assert.ok(pull);
    assert.match(JSON.stringify(pull.Resource), /repository\/askdb"/);
  });
});

describe('task role', () => {
  it('may only invoke the configured model: its inference profile, and the model through that profile', () => {
    const [, td] = only(tpl, 'AWS::ECS::TaskDefinition', 'ServiceTask');
    const role = refOf(td.Properties.TaskRoleArn);
    const { statements, managed } = policiesOfRole(tpl, role);
    assert.deepEqual(managed, []);
    const profileArn = { 'Fn::Join': ['', ['arn:aws:bedrock:us-east-1:', { Ref: 'AWS::AccountId' }, `:inference-profile/us.${SONNET_45}`]] };
    assert.deepEqual(statements, [
      {
        Sid: 'InvokeInferenceProfile',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: profileArn,
      },
      {
        Sid: 'InvokeModelThroughProfile',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'].map((r) =>
          `arn:aws:bedrock:${r}::foundation-model/${SONNET_45}`),
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
    ]);
    // Only the ECS tasks of this account may assume it.
    const trust = tpl.Resources[role].Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.length, 1);
    assert.deepEqual(trust[0].Principal, { Service: 'ecs-tasks.amazonaws.com' });
    assert.deepEqual(trust[0].Condition.StringEquals, { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  it('gets the ECS Exec channel only when enableExec is set', () => {
    const [, td] = only(variant.json, 'AWS::ECS::TaskDefinition', 'ServiceTask');
    const { statements } = policiesOfRole(variant.json, refOf(td.Properties.TaskRoleArn));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    assert.deepEqual(actions, [
      'bedrock:InvokeModel', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream',
      'bedrock:InvokeModelWithResponseStream', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
    ]);
    assert.equal(only(variant.json, 'AWS::ECS::Service')[1].Properties.EnableExecuteCommand, true);
  });

  it('leaves the one-off tasks without AWS permissions', () => {
    for (const prefix of ['SetupRoleTask', 'AdminTask']) {
      const [, td] = only(tpl, 'AWS::ECS::TaskDefinition', prefix);
      const { statements, managed } = policiesOfRole(tpl, refOf(td.Properties.TaskRoleArn));
      assert.deepEqual([statements, managed], [[], []], prefix);
    }
  });
});

describe('load balancer', () => {
  it('serves HTTPS with the given certificate and redirects HTTP to it', () => {
    const listeners = Object.values(resourcesOf(tpl, 'AWS::ElasticLoadBalancingV2::Listener'));
    assert.equal(listeners.length, 2);
    const https = listeners.find((l) => l.Properties.Port === 443)!;
    assert.equal(https.Properties.Protocol, 'HTTPS');
    assert.deepEqual(https.Properties.Certificates, [{ CertificateArn: contextFor('us-east-1').certificateArn }]);
    assert.match(https.Properties.SslPolicy, /^ELBSecurityPolicy-TLS13-/);
    assert.equal(https.Properties.DefaultActions[0].Type, 'forward');
    const http = listeners.find((l) => l.Properties.Port === 80)!;
    assert.deepEqual(http.Properties.DefaultActions, [
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
    ]);
  });

  it('checks the targets\' health on /healthz, port 8080', () => {
    plain.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz', Port: 8080, Protocol: 'HTTP', TargetType: 'ip', Matcher: { HttpCode: '200' },
    });
  });

  it('answers /metrics itself with 404, before any other rule', () => {
    const rules = Object.values(resourcesOf(tpl, 'AWS::ElasticLoadBalancingV2::ListenerRule'))
      .sort((a, b) => a.Properties.Priority - b.Properties.Priority);
    assert.equal(rules.length, 1);
    const [https] = Object.entries(resourcesOf(tpl, 'AWS::ElasticLoadBalancingV2::Listener'))
      .find(([, l]) => l.Properties.Port === 443)!;
    for (const rule of rules) {
      assert.equal(refOf(rule.Properties.ListenerArn), https);
      assert.equal(rule.Properties.Actions.length, 1);
      assert.equal(rule.Properties.Actions[0].Type, 'fixed-response');
      assert.equal(rule.Properties.Actions[0].FixedResponseConfig.StatusCode, '404');
    }
    assert.deepEqual(rules[0].Properties.Priority, 1);
    assert.deepEqual(rules[0].Properties.Conditions, [
      { Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } },
    ]);
  });
});

describe('one-off tasks', () => {
  it('setup-role runs `askdb setup-role --apply` as the RDS master user, with the reader\'s password', () => {
    const c = container(tpl, 'SetupRoleTask');
    assert.deepEqual(c.EntryPoint, ['askdb']);
    assert.deepEqual(c.Command, [
      'setup-role', '--apply', '--role', 'askdb_reader', '--password-env', 'ASKDB_READER_PASSWORD', '--schemas', 'public',
    ]);
    const env = envOf(c);
    assert.deepEqual(Object.keys(env).sort(), ['PGDATABASE', 'PGHOST', 'PGPORT', 'PGSSLMODE']);
    assert.equal(env.PGDATABASE, 'analytics');
    assert.equal(env.PGSSLMODE, 'require');
    const [reader] = only(tpl, 'AWS::SecretsManager::Secret', 'ReaderSecret');
    const [attachment] = only(tpl, 'AWS::SecretsManager::SecretTargetAttachment');
    assert.deepEqual(secretsOf(c), {
      PGUSER: [attachment, 'username'], PGPASSWORD: [attachment, 'password'], ASKDB_READER_PASSWORD: [reader, 'password'],
    });
  });

  it('admin adds the first user with the generated password, read from stdin', () => {
    const c = container(tpl, 'AdminTask');
    assert.deepEqual(c.EntryPoint, ['/bin/sh', '-c']);
    assert.deepEqual(c.Command, [`printf '%s\\n' "$ASKDB_FIRST_USER_PASSWORD" | askdb users add 'admin'`]);
    const [first] = only(tpl, 'AWS::SecretsManager::Secret', 'FirstUserSecret');
    assert.deepEqual(secretsOf(c).ASKDB_FIRST_USER_PASSWORD, [first, 'password']);
    assert.equal(envOf(c).ASKDB_LLM_PROVIDER, 'none');
  });

  it('are outputs, with the subnets and security group to run them in', () => {
    const outputs = tpl.Outputs as Record<string, any>;
    for (const name of ['ClusterName', 'SetupRoleTaskDefinition', 'AdminTaskDefinition', 'TaskSubnets',
      'TaskSecurityGroup', 'FirstUserSecretArn', 'LogGroupName', 'Url']) {
      assert.ok(outputs[name], name);
    }
    const subnets = outputs.TaskSubnets.Value['Fn::Join'][1].map(refOf).sort();
    assert.deepEqual(subnets, subnetsNamed(tpl, 'app'));
    assert.equal(refOf(outputs.TaskSecurityGroup.Value), serviceSecurityGroup());
  });
});

describe('generated secrets', () => {
  it('are letters and digits only, so they fit connection strings unquoted', () => {
    for (const [, secret] of Object.entries(resourcesOf(tpl, 'AWS::SecretsManager::Secret'))) {
      const g = secret.Properties.GenerateSecretString;
      assert.ok(g.ExcludePunctuation === true || /[!@#$%^&*()'"/\\ ]/.test(g.ExcludeCharacters), JSON.stringify(g));
      assert.ok((g.PasswordLength ?? 30) >= 24);
    }
  });
});

describe('image', () => {
  it('builds the repository\'s Containerfile at deploy time, never at synth', () => {
    const root = tempDir('repo');
    fs.writeFileSync(path.join(root, 'Containerfile'), 'FROM scratch\n');
    fs.mkdirSync(path.join(root, 'deploy', 'aws', 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(root, 'deploy', 'aws', 'node_modules', 'big'), 'x');
    const context = contextFor('us-east-1');
    delete context.imageUri;
    const built = buildApp({ context, repoRoot: root, outdir: tempDir('out'), env: {} });
    const assembly = built.app.synth();
    const assets = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${built.stack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(assets.dockerImages) as any[];
    assert.equal(images.length, 1);
    assert.equal(images[0].source.dockerFile, 'Containerfile');
    assert.equal(images[0].source.platform, 'linux/amd64');
    const staged = path.join(assembly.directory, images[0].source.directory);
    assert.ok(fs.existsSync(path.join(staged, 'Containerfile')));
    assert.ok(!fs.existsSync(path.join(staged, 'deploy', 'aws')), 'deploy/aws is left out of the build context');
    const c = container(JSON.parse(fs.readFileSync(path.join(assembly.directory, built.stack.templateFile), 'utf8')), 'ServiceTask');
    assert.match(JSON.stringify(c.Image), /cdk-hnb659fds-container-assets/);
  });

  it('reads ECR image URIs with a tag or a digest, and tells other registries apart', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseEcrUri('111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/askdb:1.2'),
      { account: '111122223333', region: 'eu-west-1', repository: 'team/askdb', tagOrDigest: '1.2' });
    assert.equal(parseEcrUri(`111122223333.dkr.ecr.eu-west-1.amazonaws.com/askdb@${digest}`)?.tagOrDigest, digest);
    assert.equal(parseEcrUri('111122223333.dkr.ecr.eu-west-1.amazonaws.com/askdb')?.tagOrDigest, 'latest');
    assert.equal(parseEcrUri('ghcr.io/example/askdb:1'), undefined);
    assert.equal(parseEcrUri('public.ecr.aws/example/askdb:1'), undefined);
  });

  it('refuses a non-ECR image without internet egress, and says what to do', () => {
    assert.throws(() => synth(contextFor('us-east-1', { imageUri: 'ghcr.io/example/askdb:1' })),
      /not in ECR.*push the image to ECR.*egress=nat/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged, in either configuration', () => {
    for (const s of [plain, variant]) {
      const report = s.built.nag.validateScope(s.built.app);
      assert.deepEqual(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`), []);
    }
  });

  it('gives every acknowledgement a reason', () => {
    const all = [plain, variant].flatMap((x) => suppressions(x.built.stack.settings, x.built.stack.suppressionTargets));
    assert.ok(all.length >= 12);
    for (const [scope, a] of all) {
      assert.match(a.id, /^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      assert.ok(a.reason.length >= 60, `${a.id} on ${scope.node.path}: "${a.reason}"`);
    }
  });

  it('fails the synth when a finding is not acknowledged', () => {
    const built = buildApp({ context: contextFor('us-east-1'), outdir: tempDir('out'), env: {} });
    new s3.Bucket(built.stack, 'CarelessBucket'); // no access logs, no TLS-only policy
    const report = built.nag.validateScope(built.app);
    assert.ok(report.violations.some((v) => v.ruleName === 'AwsSolutions-S1' && v.severity === 'error'));
    assert.ok(report.violations.some((v) => v.ruleName === 'AwsSolutions-S10'));
    assert.throws(() => built.app.synth(), /[Vv]alidation/);
  });
});
