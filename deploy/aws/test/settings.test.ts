// Settings: defaults, and a clear message for each value that cannot be used.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SONNET_45, SettingsError, defaultBedrockModel, readSettings } from '../lib/settings';
import { certificateFor } from './support';

const read = (context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  readSettings((k) => context[k], env);
const base = { region: 'us-east-1', certificateArn: certificateFor('us-east-1') };

describe('settings', () => {
  it('defaults to two tasks, VPC endpoints, a Multi-AZ protected database and askdb\'s model', () => {
    const s = read(base);
    assert.equal(s.desiredCount, 2);
    assert.equal(s.egress, 'endpoints');
    assert.equal(s.dbMultiAz, true);
    assert.equal(s.dbDeletionProtection, true);
    assert.equal(s.enableExec, false);
    assert.equal(s.shutdownGraceSeconds, 20);
    assert.equal(s.bedrockModel, `us.${SONNET_45}`);
    assert.equal(s.imageUri, undefined);
    assert.equal(s.readerRole, 'askdb_reader');
  });

  it('follows askdb\'s default model by region (src/llm/bedrock.cc)', () => {
    assert.equal(defaultBedrockModel('us-west-2'), `us.${SONNET_45}`);
    assert.equal(defaultBedrockModel('ca-central-1'), `us.${SONNET_45}`);
    assert.equal(defaultBedrockModel('eu-central-1'), `eu.${SONNET_45}`);
    assert.equal(defaultBedrockModel('ap-southeast-2'), `global.${SONNET_45}`);
  });

  it('takes the region from CDK_DEFAULT_REGION when no context gives one', () => {
    const s = read({ certificateArn: certificateFor('eu-west-1') }, { CDK_DEFAULT_REGION: 'eu-west-1' });
    assert.equal(s.region, 'eu-west-1');
  });

  it('requires the certificate, and says how to pass it', () => {
    assert.throws(() => read({ region: 'us-east-1' }), (e: unknown) =>
      e instanceof SettingsError && /certificateArn is required/.test(e.message) && /-c certificateArn=arn:aws:acm:/.test(e.message));
  });

  it('refuses a certificate from another region', () => {
    assert.throws(() => read({ region: 'us-east-1', certificateArn: certificateFor('eu-west-1') }),
      /certificate .* is in eu-west-1 but the stack is in us-east-1/);
  });

  it('refuses malformed values, naming them', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ certificateArn: 'arn:aws:iam::123456789012:role/x' }, /not an ACM certificate ARN/],
      [{ desiredCount: 1 }, /desiredCount="1" must be a whole number from 2/],
      [{ egress: 'internet' }, /egress="internet"/],
      [{ allowedCidr: 'everyone' }, /allowedCidr/],
      [{ bedrockModel: 'arn:aws:bedrock:us-east-1::foundation-model/x' }, /not an ARN/],
      [{ bedrockRegions: 'us-east-1,mars' }, /"mars" is not a region/],
      [{ logRetentionDays: 10 }, /logRetentionDays=10 is not one CloudWatch accepts/],
      [{ dbName: 'My-Data' }, /dbName="My-Data" must be a PostgreSQL database name/],
      [{ dbMultiAz: 'yes' }, /dbMultiAz="yes" must be true or false/],
      [{ region: 'Virginia' }, /"Virginia" is not a region name/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(() => read({ ...base, ...extra }), (e: unknown) => e instanceof SettingsError && message.test(e.message),
        JSON.stringify(extra));
    }
  });

  it('reads booleans and numbers given as text by `cdk -c`', () => {
    const s = read({ ...base, enableExec: 'true', dbMultiAz: 'false', desiredCount: '4', bedrockRegions: 'us-east-1, us-west-2' });
    assert.equal(s.enableExec, true);
    assert.equal(s.dbMultiAz, false);
    assert.equal(s.desiredCount, 4);
    assert.equal(s.maxCount, 6);
    assert.deepEqual(s.bedrockRegions, ['us-east-1', 'us-west-2']);
  });
});
