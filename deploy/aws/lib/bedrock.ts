// The task role's permission to call one Bedrock model, and nothing else: the two invoke actions
// askdb needs (Converse is authorised as bedrock:InvokeModel, ConverseStream as
// bedrock:InvokeModelWithResponseStream) on exactly the resources AWS documents for the kind of
// model id given:
//
//  - a foundation model id (anthropic.claude-...): that model in the stack's region;
//  - a geographic cross-Region inference profile (us., eu., apac., jp., au. ...): the profile in
//    the stack's region and account, and the foundation model in the source region and in every
//    destination region of the profile, the latter only when called through that profile
//    (condition bedrock:InferenceProfileArn);
//  - the global profile (global.): the profile and the foundation model in the source region
//    (aws:RequestedRegion = the region), and the region-less foundation model ARN that global
//    routing is authorised against (aws:RequestedRegion = "unspecified"), both model grants only
//    through the profile.
//
// See https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
// and https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html.
// Pure functions over strings (the account may be a CloudFormation token); no AWS calls.
import { SettingsError } from './settings';

export const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** One IAM statement, in the shape iam.PolicyStatement takes. */
export interface InvokeStatement {
  readonly sid: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: Record<string, Record<string, string>>;
}

/**
 * Destination regions of the geographic profiles, by prefix: every region of the geography that a
 * profile of that prefix lists for some model (AWS, "Supported Regions and models for inference
 * profiles"). A model's profile may route to fewer; granting the rest gives nothing more, since
 * the model grant holds only through that one profile. A region AWS adds later must be added
 * here or with -c bedrockRegions (`aws bedrock get-inference-profile` lists the current ones).
 */
export const GEOGRAPHY_REGIONS: Record<string, string[]> = {
  us: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  eu: ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  apac: [
    'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1',
    'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'me-central-1',
  ],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  au: ['ap-southeast-2', 'ap-southeast-4'],
};

export interface ModelTarget {
  /** The id askdb is given (ASKDB_LLM_MODEL). */
  readonly modelId: string;
  readonly region: string;
  /** The account id, or a token standing for it. */
  readonly account: string;
  readonly partition?: string;
  /** Destination regions to grant; undefined: GEOGRAPHY_REGIONS of the profile's prefix. */
  readonly regions?: string[];
}

/** What kind of id this is: a geographic profile's prefix, 'global', or undefined (a model). */
export function profilePrefix(modelId: string): string | undefined {
  const first = modelId.split('.')[0];
  if (first === 'global' || first in GEOGRAPHY_REGIONS) return first;
  // Other short prefixes are profiles of geographies this file does not know (us-gov., ca. ...).
  if (/^[a-z]{2,4}(-gov)?$/.test(first) && modelId.split('.').length > 2) return first;
  return undefined;
}

/**
 * The statements that let a principal invoke `modelId` and nothing else. Throws SettingsError
 * when the id is a profile of a geography whose regions are not known and none were given.
 */
export function invokeStatements(target: ModelTarget): InvokeStatement[] {
  const partition = target.partition ?? 'aws';
  const { modelId, region, account } = target;
  const prefix = profilePrefix(modelId);
  const foundationArn = (r: string, model: string) => `arn:${partition}:bedrock:${r}::foundation-model/${model}`;

  if (prefix === undefined) {
    return [{ sid: 'InvokeFoundationModel', actions: INVOKE_ACTIONS, resources: [foundationArn(region, modelId)] }];
  }

  const model = modelId.slice(prefix.length + 1);
  const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`;

  if (prefix === 'global') {
    return [
      {
        sid: 'InvokeGlobalInferenceProfile',
        actions: INVOKE_ACTIONS,
        resources: [profileArn],
        conditions: { StringEquals: { 'aws:RequestedRegion': region } },
      },
      {
        sid: 'InvokeModelInSourceRegionThroughProfile',
        actions: INVOKE_ACTIONS,
        resources: [foundationArn(region, model)],
        conditions: { StringEquals: { 'aws:RequestedRegion': region, 'bedrock:InferenceProfileArn': profileArn } },
      },
      {
        sid: 'InvokeModelGloballyThroughProfile',
        actions: INVOKE_ACTIONS,
        resources: [foundationArn('', model)],
        conditions: {
          StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': profileArn },
        },
      },
    ];
  }

  const destinations = target.regions ?? GEOGRAPHY_REGIONS[prefix];
  if (destinations === undefined) {
    throw new SettingsError(
      `bedrockModel "${modelId}" is an inference profile of the "${prefix}" geography, whose destination ` +
        'regions this stack does not know: pass them with -c bedrockRegions=REGION,REGION (the modelArn ' +
        `regions of \`aws bedrock get-inference-profile --inference-profile-identifier ${modelId}\`)`,
    );
  }
  const regions = destinations.includes('*') ? ['*'] : [...new Set([region, ...destinations])].sort();
  return [
    { sid: 'InvokeInferenceProfile', actions: INVOKE_ACTIONS, resources: [profileArn] },
    {
      sid: 'InvokeModelThroughProfile',
      actions: INVOKE_ACTIONS,
      resources: regions.map((r) => foundationArn(r, model)),
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    },
  ];
}
