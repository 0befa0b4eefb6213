// Writes SigV4 differential cases: requests drawn at random from a fixed seed, each signed by the
// AWS SDK for JavaScript's SignatureV4 (@smithy/signature-v4, double URI-encoding of the path as
// for every service but S3). check.cc signs the same requests with askdb and compares the
// Authorization headers byte for byte.
//
//   node gen-sigv4.mjs OUT.json [--seed N] [--count N]
//
// Each case holds the request as askdb takes it (method, path as sent, raw query string, headers
// in order with repeats, body), the signing parameters, and what the SDK produced: the
// Authorization header, and for diagnosis its canonical request and string to sign.
//
// The SDK takes the query as an object of decoded values and the headers as an object (one value
// per name), so each request is given to it in that form: repeated query keys become an array,
// and a header sent twice becomes one value, the trimmed values joined with ',' (which is what
// SigV4 says to sign for a repeated header). Requests use only headers the SDK signs (not
// User-Agent, Date, X-Amz-Date … which it drops or sets itself); some carry the caller's own
// x-amz-content-sha256 (UNSIGNED-PAYLOAD …), which both sign as the payload hash.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, ALWAYS_UNSIGNABLE_HEADERS } from '@smithy/signature-v4';
import { makeRandom, b64, utf8 } from './random.mjs';

const args = process.argv.slice(2);
const out = args[0];
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
if (!out) {
  console.error('usage: node gen-sigv4.mjs OUT.json [--seed N] [--count N]');
  process.exit(2);
}
const seed = option('--seed', 20250604);
const count = option('--count', 500);
const random = makeRandom(seed);

// The SDK's signer, keeping the canonical request and string to sign it builds.
class RecordingSigner extends SignatureV4 {
  createCanonicalRequest(...rest) {
    this.canonicalRequest = super.createCanonicalRequest(...rest);
    return this.canonicalRequest;
  }
  async createStringToSign(...rest) {
    this.stringToSign = await super.createStringToSign(...rest);
    return this.stringToSign;
  }
}

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = ALNUM + '+/';

const hexByte = (byte) => {
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  return '%' + (random.chance(0.2) ? hex.toLowerCase() : hex);
};

// Percent-encodes `text` as a client might put it in a query string: unreserved characters
// mostly raw, sub-delimiters sometimes raw, '&' '#' '%' and space always encoded, '=' raw only in
// a value, non-ASCII as raw UTF-8 or escapes, hex digits in either case.
function encodeQueryPart(text, isKey) {
  let raw = '';
  for (const ch of text) {
    if (UNRESERVED.includes(ch)) {
      raw += random.chance(0.05) ? hexByte(ch.charCodeAt(0)) : ch;
    } else if (ch === '=' && !isKey) {
      raw += random.chance(0.5) ? '=' : hexByte(0x3d);
    } else if ("!$'()*+,/:;@?".includes(ch)) {
      raw += random.chance(0.5) ? ch : hexByte(ch.charCodeAt(0));
    } else if (ch.codePointAt(0) > 0x7f && random.chance(0.3)) {
      raw += ch;  // raw UTF-8
    } else {
      for (const byte of utf8(ch)) raw += hexByte(byte);
    }
  }
  return raw;
}

const QUERY_KEYS = [
  'a', 'A', 'b', 'B', 'Action', 'Version', 'prefix', 'max-keys', 'list-type',
  'continuation-token', 'x-id', 'key', 'Key', 'k', 'é', '中文', 'a b', 'a+b', 'a=b', '%', '&',
  'k~._-', '', 'ünïcode', '😀', 'X-Amz-Meta', '~', '*', "it's",
];
const QUERY_VALUES = [
  '', '1', '0', '2010-05-08', 'a b', 'val=ue', '=', '%41', '+', 'a+b', '&', 'é', '中文', '😀',
  '/path/to', 'true', ' lead and trail ', '~._-', "!'()*", '%%',
];

function randomQuery() {
  const params = [];  // decoded [key, value]
  const n = random.chance(0.3) ? 0 : random.int(1, 7);
  for (let i = 0; i < n; ++i) {
    let key;
    if (params.length > 0 && random.chance(0.25)) key = random.pick(params)[0];  // repeated key
    else if (random.chance(0.7)) key = random.pick(QUERY_KEYS);
    else key = random.unicode(random.int(1, 8));
    const value = random.chance(0.6) ? random.pick(QUERY_VALUES) : random.unicode(random.int(0, 12));
    params.push([key, value]);
  }
  const pieces = [];
  for (const [key, value] of params) {
    let piece = encodeQueryPart(key, true);
    // "key" alone means an empty value; an empty key needs its '='.
    if (value !== '' || key === '' || random.chance(0.5)) piece += '=' + encodeQueryPart(value, false);
    pieces.push(piece);
    if (random.chance(0.05)) pieces.push('');  // a stray '&'
  }
  let raw = pieces.join('&');
  if (raw !== '' && random.chance(0.05)) raw = '&' + raw;
  if (raw !== '' && random.chance(0.05)) raw += '&';
  const sdkQuery = {};
  for (const [key, value] of params) {
    if (!(key in sdkQuery)) sdkQuery[key] = value;
    else if (Array.isArray(sdkQuery[key])) sdkQuery[key].push(value);
    else sdkQuery[key] = [sdkQuery[key], value];
  }
  return { raw, sdkQuery };
}

const MODEL_IDS = [
  'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
  'anthropic.claude-3-haiku-20240307-v1:0',
  'us.anthropic.claude-sonnet-4-20250514-v1:0',
  'eu.anthropic.claude-3-7-sonnet-20250219-v1:0',
  'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0',
  'arn:aws:bedrock:eu-west-3:123456789012:provisioned-model/abc123 def',
];
const ACTIONS = ['converse', 'converse-stream', 'invoke', 'invoke-with-response-stream'];

function randomSegment() {
  switch (random.int(0, 13)) {
    case 0: return '.';
    case 1: return '..';
    case 2: return '';
    case 3: return random.pick(['%20', '%2F', '%3A', '%25', '%E2%82%AC', '%7e', '%2f%2F', '%', '%zz', '%4']);
    case 4: return random.text(random.int(1, 6), "!$&'()*+,;=:@");
    case 5: return random.unicode(random.int(1, 5)).replace(/[?#/\x00-\x1f\x7f]/g, 'x');
    case 6: return 'a b  c';
    case 7: return random.text(random.int(1, 8), UNRESERVED);
    case 8: return encodeURIComponent(random.pick(MODEL_IDS));
    default: return random.text(random.int(1, 12), ALNUM + '-_');
  }
}

function randomPath() {
  if (random.chance(0.25)) {
    return `/model/${encodeURIComponent(random.pick(MODEL_IDS))}/${random.pick(ACTIONS)}`;
  }
  const segments = [];
  const n = random.int(0, 6);
  for (let i = 0; i < n; ++i) segments.push(randomSegment());
  return '/' + segments.join('/') + (n > 0 && random.chance(0.2) ? '/' : '');
}

// Headers the SDK never signs, drops or sets itself: left out of the requests.
const NOT_SIGNED_BY_SDK = new Set([
  ...Object.keys(ALWAYS_UNSIGNABLE_HEADERS), 'host', 'date', 'x-amz-date', 'x-amz-security-token',
  'x-amz-content-sha256',
]);
const HEADER_NAMES = [
  'Content-Type', 'Accept', 'X-Amz-Target', 'X-Amzn-Bedrock-Accept', 'X-Amzn-Bedrock-Trace',
  'X-Amzn-Bedrock-GuardrailIdentifier', 'Content-Length', 'Content-Encoding', 'My-Header1',
  'x-amz-meta-foo', 'X-Amz-Client-Context', 'amz-sdk-invocation-id', 'amz-sdk-request', 'ETag',
  'If-None-Match', 'X-Forwarded-For', 'a', 'Z',
];
const HEADER_VALUES = [
  'application/json', 'application/vnd.amazon.eventstream', 'AmazonBedrock.Converse', 'ENABLED',
  '  leading', 'trailing   ', '  both  ', 'a   b    c', 'tab\there', '\t\ttabs\t', '"a   quoted   value"',
  '', ' ', 'attempt=1; max=3', 'value, with, commas', 'é  中文  😀', '123',
];

function randomHeaderName() {
  let name;
  do {
    name = random.chance(0.6)
      ? random.pick(HEADER_NAMES)
      : random.text(1, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') +
        random.text(random.int(0, 15), ALNUM + '-_');
  } while (NOT_SIGNED_BY_SDK.has(name.toLowerCase()) || /^(proxy|sec)-/i.test(name));
  return mixCase(name);
}

function mixCase(name) {
  if (!random.chance(0.3)) return name;
  let out = '';
  for (const ch of name) out += random.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}

function randomHeaderValue() {
  if (random.chance(0.6)) return random.pick(HEADER_VALUES);
  let value = '';
  const words = random.int(0, 5);
  for (let i = 0; i < words; ++i) {
    value += random.text(random.int(0, 3), '  \t');
    value += random.chance(0.2) ? random.unicode(random.int(1, 6)).replace(/[\x00-\x1f\x7f]/g, '')
                                : random.text(random.int(1, 10), ALNUM + '-_.:;/=,"()');
  }
  return value + random.text(random.int(0, 2), ' \t');
}

// What SigV4 signs for a header value: trimmed, each run of spaces and tabs made one space.
const trimAll = (value) => value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

const REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-3', 'ap-northeast-1', 'ap-south-1', 'us-gov-west-1', 'cn-north-1', 'il-central-1'];
const SERVICES = ['bedrock', 'bedrock', 'bedrock', 'sts', 'execute-api', 'dynamodb', 'lambda', 'service', 'iam', 'es'];
const METHODS = ['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function randomBody() {
  const kind = random.int(0, 99);
  if (kind < 35) return new Uint8Array(0);
  if (kind < 65) {
    return utf8(JSON.stringify({
      messages: [{ role: 'user', content: [{ text: random.unicode(random.int(0, 200)) }] }],
      inferenceConfig: { maxTokens: random.int(1, 4096), temperature: random.next() },
    }));
  }
  if (kind < 97) return random.bytes(random.int(1, 3000));
  return random.bytes(random.int(64 * 1024, 1024 * 1024));
}

function amzDate(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function randomCredentials() {
  const credentials = {
    accessKeyId: random.pick(['AKIA', 'ASIA']) + random.text(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
    secretAccessKey: random.text(40, BASE64),
  };
  if (random.chance(0.4)) {
    credentials.sessionToken = random.text(random.int(100, 600), BASE64) + random.pick(['', '=', '==']);
  }
  return credentials;
}

function randomRequest(index) {
  const host = random.pick([
    'bedrock-runtime.us-east-1.amazonaws.com', 'bedrock-runtime.eu-west-3.amazonaws.com:443',
    'example.amazonaws.com', 'localhost:8080', '127.0.0.1:9000', 'sts.amazonaws.com',
  ]);
  const headers = [[random.pick(['Host', 'host', 'HOST', 'hOsT']), random.chance(0.1) ? `  ${host} ` : host]];
  const n = random.int(0, 6);
  for (let i = 0; i < n; ++i) {
    if (headers.length > 1 && random.chance(0.15)) {
      const [name] = random.pick(headers.slice(1));
      headers.push([mixCase(name), randomHeaderValue()]);  // the same header again
    } else {
      headers.push([randomHeaderName(), randomHeaderValue()]);
    }
  }
  const body = randomBody();
  let applyChecksum = random.chance(0.5);
  if (random.chance(0.08)) {
    // The caller's own payload hash: both sign it in place of the body's. (Only with
    // applyChecksum when it is the body's hash: askdb's add_content_sha256_header replaces it.)
    const value = random.pick(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'real']);
    if (value === 'real') {
      headers.push([mixCase('X-Amz-Content-Sha256'), createHash('sha256').update(body).digest('hex')]);
    } else {
      headers.push([mixCase('X-Amz-Content-Sha256'), value]);
      applyChecksum = false;
    }
  }
  const query = randomQuery();
  return {
    name: `random-${String(index).padStart(4, '0')}`,
    method: random.pick(METHODS),
    path: randomPath(),
    query: query.raw,
    sdkQuery: query.sdkQuery,
    headers,
    body,
    region: random.pick(REGIONS),
    service: random.pick(SERVICES),
    date: new Date(Math.floor(random.int(Date.UTC(2000, 0, 1), Date.UTC(2037, 11, 31)) / 1000) * 1000),
    credentials: randomCredentials(),
    applyChecksum,
  };
}

// Cases written out by hand: what askdb sends to Bedrock, and path shapes worth pinning.
function fixedRequests() {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };
  const withToken = { ...credentials, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJH' };
  const converse = JSON.stringify({
    messages: [{ role: 'user', content: [{ text: 'How many orders were placed in 2024?' }] }],
    system: [{ text: 'You write PostgreSQL.' }],
    inferenceConfig: { maxTokens: 1024 },
  });
  const base = {
    method: 'POST', query: '', sdkQuery: {}, region: 'us-east-1', service: 'bedrock',
    date: new Date(Date.UTC(2025, 5, 4, 12, 36, 0)), credentials, applyChecksum: false,
    body: utf8(converse),
  };
  const bedrockHeaders = (region) => [
    ['Host', `bedrock-runtime.${region}.amazonaws.com`],
    ['Content-Type', 'application/json'],
    ['Accept', 'application/vnd.amazon.eventstream'],
  ];
  const cases = [
    { ...base, name: 'bedrock-converse-stream', path: '/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream', headers: bedrockHeaders('us-east-1') },
    { ...base, name: 'bedrock-converse-stream-session-token', credentials: withToken, path: '/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream', headers: bedrockHeaders('us-east-1') },
    { ...base, name: 'bedrock-converse-stream-content-sha256', applyChecksum: true, region: 'eu-west-3', path: '/model/eu.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse-stream', headers: bedrockHeaders('eu-west-3') },
    { ...base, name: 'bedrock-invoke-inference-profile-arn', path: `/model/${encodeURIComponent('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0')}/invoke`, headers: bedrockHeaders('us-east-1') },
  ];
  const paths = ['/', '//', '/./', '/a/b/..', '/a/b/../', '/a/b/.', '/a/b/./', '/a/./b/../c', '/..', '/../a', '/a//b//', '/a%2Fb/%2e%2e/c'];
  paths.forEach((path, i) => {
    cases.push({ ...base, name: `path-${i}`, method: 'GET', body: new Uint8Array(0), path, headers: [['Host', 'example.amazonaws.com']] });
  });
  cases.push({
    ...base, name: 'query-empty-keys-and-case', method: 'GET', body: new Uint8Array(0), path: '/',
    query: 'b=2&=x&B=1&a&a=&a=z&a=A', sdkQuery: { b: '2', '': 'x', B: '1', a: ['', '', 'z', 'A'] },
    headers: [['Host', 'example.amazonaws.com']],
  });
  cases.push({
    ...base, name: 'caller-unsigned-payload', path: '/',
    headers: [['Host', 'example.amazonaws.com'], ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD']],
  });
  cases.push({
    ...base, name: 'repeated-header', method: 'GET', body: new Uint8Array(0), path: '/',
    headers: [['Host', 'example.amazonaws.com'], ['My-Header1', '  value1 '], ['my-header1', 'value2   x'], ['MY-HEADER1', '']],
  });
  return cases;
}

async function sign(req) {
  const signer = new RecordingSigner({
    credentials: req.credentials,
    region: req.region,
    service: req.service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: req.applyChecksum,
  });
  // One value per header name for the SDK: a repeated header's trimmed values joined with ','.
  const groups = new Map();
  for (const [name, value] of req.headers) {
    const key = name.toLowerCase();
    if (!groups.has(key)) groups.set(key, { name, values: [] });
    groups.get(key).values.push(value);
  }
  const headers = {};
  for (const { name, values } of groups.values()) {
    headers[name] = values.length === 1 ? values[0] : values.map(trimAll).join(',');
  }
  const host = trimAll(req.headers[0][1]);
  const request = new HttpRequest({
    method: req.method,
    protocol: 'https:',
    hostname: host.replace(/:\d+$/, ''),
    path: req.path,
    query: req.sdkQuery,
    headers,
    body: req.body,
  });
  const signed = await signer.sign(request, { signingDate: req.date });
  return {
    name: req.name,
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    body_b64: b64(req.body),
    region: req.region,
    service: req.service,
    amz_date: amzDate(req.date),
    access_key_id: req.credentials.accessKeyId,
    secret_access_key: req.credentials.secretAccessKey,
    session_token: req.credentials.sessionToken ?? '',
    add_content_sha256_header: req.applyChecksum,
    sdk: {
      authorization: signed.headers.authorization,
      canonical_request: signer.canonicalRequest,
      string_to_sign: signer.stringToSign,
    },
  };
}

const requests = fixedRequests();
for (let i = 0; i < count; ++i) requests.push(randomRequest(i));
const cases = [];
for (const req of requests) cases.push(await sign(req));
writeFileSync(out, JSON.stringify({
  generator: '@smithy/signature-v4 SignatureV4 (uriEscapePath: true), @aws-crypto/sha256-js',
  seed,
  cases,
}));
console.log(`gen-sigv4: ${cases.length} requests signed by the SDK (seed ${seed}) -> ${out}`);
