#!/usr/bin/env node
// The CDK app the CLI runs (cdk.json "app"): `npx cdk synth|deploy -c certificateArn=...`.
// A bad or missing setting prints what to pass and exits 1 before anything is synthesized.
import { buildApp } from '../lib/app';
import { SettingsError } from '../lib/settings';

try {
  buildApp().app.synth();
} catch (e) {
  if (e instanceof SettingsError) {
    console.error(`askdb deploy/aws: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
