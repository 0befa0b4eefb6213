// Shared by the tests: synthesize the app as `cdk synth` would (cdk.json's feature flags, the
// given context), into a temporary folder, and small helpers over the template.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../lib/app';

const HERE = path.resolve(__dirname, '..', '..'); // deploy/aws (tests run from dist/test)
const CDK_JSON = JSON.parse(fs.readFileSync(path.join(HERE, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

export const DUMMY_ACCOUNT = '123456789012';
export const certificateFor = (region: string) =>
  `arn:aws:acm:${region}:${DUMMY_ACCOUNT}:certificate/00000000-0000-4000-8000-000000000000`;
export const ecrImageFor = (region: string) => `${DUMMY_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/askdb:1.0`;

/** The context of a plain deployment in `region` with a pushed image, plus `extra`. */
export function contextFor(region: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...CDK_JSON.context,
    region,
    certificateArn: certificateFor(region),
    imageUri: ecrImageFor(region),
    ...extra,
  };
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A new temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `askdb-deploy-${prefix}-`));
  tempDirs.push(d);
  return d;
}

export interface Synthesized {
  readonly template: Template;
  readonly json: Record<string, any>;
  readonly built: ReturnType<typeof buildApp>;
}

/** Builds the app with `context` and returns the stack's template. */
export function synth(context: Record<string, unknown>, repoRoot?: string): Synthesized {
  const built = buildApp({ context, repoRoot, outdir: tempDir('out'), env: {} });
  const template = Template.fromStack(built.stack);
  return { template, json: template.toJSON(), built };
}

/** The resources of one type, by logical id. */
export function resourcesOf(json: Record<string, any>, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type));
}

/** The only resource of a type whose logical id starts with `prefix`. */
export function only(json: Record<string, any>, type: string, prefix = ''): [string, any] {
  const found = Object.entries(resourcesOf(json, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  }
  return found[0];
}

/** The logical id a { Ref } or { Fn::GetAtt } points to. */
export function refOf(value: any): string {
  if (value && typeof value === 'object') {
    if ('Ref' in value) return value.Ref;
    if ('Fn::GetAtt' in value) return value['Fn::GetAtt'][0];
  }
  throw new Error(`not a reference: ${JSON.stringify(value)}`);
}
