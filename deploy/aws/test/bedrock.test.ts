// The task role's Bedrock statements for each kind of model id, as AWS documents them.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { INVOKE_ACTIONS, invokeStatements, profilePrefix } from '../lib/bedrock';
import { SONNET_45, SettingsError } from '../lib/settings';

const ACCOUNT = '123456789012';
const fm = (region: string) => `arn:aws:bedrock:${region}::foundation-model/${SONNET_45}`;

describe('bedrock invoke statements', () => {
  it('grant a foundation model in the stack\'s region only', () => {
    assert.deepEqual(invokeStatements({ modelId: SONNET_45, region: 'us-east-1', account: ACCOUNT }), [
      { sid: 'InvokeFoundationModel', actions: INVOKE_ACTIONS, resources: [fm('us-east-1')] },
    ]);
  });

  it('grant a geographic profile, and the model in its regions only through that profile', () => {
    const profile = `arn:aws:bedrock:eu-west-3:${ACCOUNT}:inference-profile/eu.${SONNET_45}`;
    const [p, m, ...rest] = invokeStatements({ modelId: `eu.${SONNET_45}`, region: 'eu-west-3', account: ACCOUNT });
    assert.deepEqual(rest, []);
    assert.deepEqual(p, { sid: 'InvokeInferenceProfile', actions: INVOKE_ACTIONS, resources: [profile] });
    assert.deepEqual(m.conditions, { StringEquals: { 'bedrock:InferenceProfileArn': profile } });
    assert.deepEqual(m.resources, ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1',
      'eu-west-2', 'eu-west-3'].map(fm));
    for (const r of m.resources) assert.doesNotMatch(r, /\*/);
  });

  it('take the destination regions given, always with the source region', () => {
    const [, m] = invokeStatements({
      modelId: `us.${SONNET_45}`, region: 'us-east-2', account: ACCOUNT, regions: ['us-east-1', 'us-west-2'],
    });
    assert.deepEqual(m.resources, ['us-east-1', 'us-east-2', 'us-west-2'].map(fm));
  });

  it('grant the global profile in the source region and the region-less model, through the profile', () => {
    const profile = `arn:aws:bedrock:ap-southeast-2:${ACCOUNT}:inference-profile/global.${SONNET_45}`;
    assert.deepEqual(invokeStatements({ modelId: `global.${SONNET_45}`, region: 'ap-southeast-2', account: ACCOUNT }), [
      {
        sid: 'InvokeGlobalInferenceProfile', actions: INVOKE_ACTIONS, resources: [profile],
        conditions: { StringEquals: { 'aws:RequestedRegion': 'ap-southeast-2' } },
      },
      {
        sid: 'InvokeModelInSourceRegionThroughProfile', actions: INVOKE_ACTIONS, resources: [fm('ap-southeast-2')],
        conditions: { StringEquals: { 'aws:RequestedRegion': 'ap-southeast-2', 'bedrock:InferenceProfileArn': profile } },
      },
      {
        sid: 'InvokeModelGloballyThroughProfile', actions: INVOKE_ACTIONS,
        resources: [`arn:aws:bedrock:::foundation-model/${SONNET_45}`],
        conditions: { StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': profile } },
      },
    ]);
  });

  it('ask for the regions of a geography they do not know', () => {
    assert.throws(() => invokeStatements({ modelId: `ca.${SONNET_45}`, region: 'ca-central-1', account: ACCOUNT }),
      (e: unknown) => e instanceof SettingsError && /"ca" geography.*-c bedrockRegions=.*get-inference-profile/.test(e.message));
  });

  it('grant only the two invoke actions', () => {
    for (const id of [SONNET_45, `us.${SONNET_45}`, `global.${SONNET_45}`]) {
      for (const s of invokeStatements({ modelId: id, region: 'us-east-1', account: ACCOUNT })) {
        assert.deepEqual(s.actions, ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
      }
    }
  });

  it('tell profiles from models', () => {
    assert.equal(profilePrefix(`us.${SONNET_45}`), 'us');
    assert.equal(profilePrefix(`apac.${SONNET_45}`), 'apac');
    assert.equal(profilePrefix(`global.${SONNET_45}`), 'global');
    assert.equal(profilePrefix(SONNET_45), undefined);
    assert.equal(profilePrefix('meta.llama3-70b-instruct-v1:0'), undefined);
    assert.equal(profilePrefix('us.meta.llama3-2-90b-instruct-v1:0'), 'us');
  });
});
