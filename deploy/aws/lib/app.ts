// Builds the CDK app: the stack from its settings, with cdk-nag's AwsSolutions rules as a policy
// validation plugin (cdk-nag 3; the Aspect of cdk-nag 2), so app.synth() and `cdk synth` fail on
// any finding, error or warning, that is neither fixed nor acknowledged with a reason
// (lib/suppressions.ts). bin/askdb.ts and the tests both use it.
import * as path from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { AskdbStack } from './askdb-stack';
import { readSettings } from './settings';

/** The askdb checkout this file lives in (deploy/aws/dist/lib/ → the root). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface BuildOptions {
  /** Context values; the CDK CLI passes its own (cdk.json, -c) through the environment. */
  readonly context?: Record<string, unknown>;
  /** Where the Containerfile is; default REPO_ROOT. */
  readonly repoRoot?: string;
  /** Where to write the cloud assembly; default the CLI's (CDK_OUTDIR) or a temporary folder. */
  readonly outdir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function buildApp(options: BuildOptions = {}): { app: App; stack: AskdbStack; nag: AwsSolutionsChecks } {
  const app = new App({ context: options.context, outdir: options.outdir });
  const settings = readSettings((key) => app.node.tryGetContext(key), options.env ?? process.env);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Askdb';
  const stack = new AskdbStack(app, stackName, {
    // The account stays a deploy-time value: synth needs no AWS credentials and makes no lookups.
    env: { region: settings.region },
    description: 'askdb: ask a PostgreSQL database questions in plain language (docs/deploy-aws.md)',
    settings,
    repoRoot: options.repoRoot ?? REPO_ROOT,
  });
  // Unacknowledged findings are printed by synth and written to cdk.out/validation-report.json.
  const nag = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(nag);
  return { app, stack, nag };
}
