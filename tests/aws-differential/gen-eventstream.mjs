// Writes event-stream differential cases: streams of messages drawn at random from a fixed seed,
// each message encoded by the AWS SDK for JavaScript's EventStreamCodec (@smithy/eventstream-codec),
// the codec Bedrock's JavaScript client decodes with. check.cc feeds the bytes to askdb's
// EventStreamDecoder, whole and in random pieces, and compares every header and payload.
//
//   node gen-eventstream.mjs OUT.json [--seed N] [--count N]
//
// Messages use every header type (bool true and false, byte, short, integer, long, binary, string,
// timestamp, uuid), names of 0 to 255 bytes, and payloads from empty to a megabyte. Some streams are
// then damaged: one bit flipped in one message (the SDK's own decoder must refuse that message,
// and askdb must deliver the messages before it and then fail), or cut short (askdb's finish()
// must fail).
import { writeFileSync } from 'node:fs';
import { EventStreamCodec, Int64 } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { makeRandom, b64, utf8 } from './random.mjs';

const args = process.argv.slice(2);
const out = args[0];
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
if (!out) {
  console.error('usage: node gen-eventstream.mjs OUT.json [--seed N] [--count N]');
  process.exit(2);
}
const seed = option('--seed', 20250604);
const count = option('--count', 300);
const random = makeRandom(seed);
const codec = new EventStreamCodec(toUtf8, fromUtf8);

// The wire type byte of each of the SDK's header types (askdb's EventStreamHeaderType).
const TYPE = { boolTrue: 0, boolFalse: 1, byte: 2, short: 3, integer: 4, long: 5, binary: 6, string: 7, timestamp: 8, uuid: 9 };
const MAX_HEADER_VALUE = 32767;  // the codec's limit for binary and string values

const NAMES = [':event-type', ':message-type', ':content-type', ':exception-type', ':date', ':chunk-signature', 'x', 'X', ' ', '😀'];

// A header name of at most 255 UTF-8 bytes; an empty one now and then (the format allows it).
function randomName(taken) {
  for (;;) {
    let name;
    const kind = random.int(0, 99);
    if (kind < 3) name = '';
    else if (kind < 45) name = random.pick(NAMES);
    else if (kind < 50) name = random.text(random.int(200, 255), 'abcdefghijklmnopqrstuvwxyz-');
    else name = random.unicode(random.int(1, 40));
    while (utf8(name).length > 255) name = [...name].slice(0, -1).join('');
    if (!taken.has(name)) return name;
  }
}

// Returns [sdkValue, expected] for a header of `type`.
function randomValue(type) {
  switch (type) {
    case 'boolTrue':
      return [{ type: 'boolean', value: true }, { type: TYPE.boolTrue, int: '1' }];
    case 'boolFalse':
      return [{ type: 'boolean', value: false }, { type: TYPE.boolFalse, int: '0' }];
    case 'byte': {
      const v = random.chance(0.2) ? random.pick([-128, -1, 0, 127]) : random.int(-128, 127);
      return [{ type: 'byte', value: v }, { type: TYPE.byte, int: String(v) }];
    }
    case 'short': {
      const v = random.chance(0.2) ? random.pick([-32768, -1, 0, 32767]) : random.int(-32768, 32767);
      return [{ type: 'short', value: v }, { type: TYPE.short, int: String(v) }];
    }
    case 'integer': {
      const v = random.chance(0.2) ? random.pick([-2147483648, -1, 0, 2147483647]) : random.int(-2147483648, 2147483647);
      return [{ type: 'integer', value: v }, { type: TYPE.integer, int: String(v) }];
    }
    case 'long': {
      const bytes = random.chance(0.2)
        ? Uint8Array.from(random.pick([[0x80, 0, 0, 0, 0, 0, 0, 0], [0x7f, 255, 255, 255, 255, 255, 255, 255], [255, 255, 255, 255, 255, 255, 255, 255], [0, 0, 0, 0, 0, 0, 0, 0]]))
        : random.bytes(8);
      const v = BigInt.asIntN(64, BigInt('0x' + Buffer.from(bytes).toString('hex')));
      return [{ type: 'long', value: new Int64(bytes) }, { type: TYPE.long, int: v.toString() }];
    }
    case 'binary': {
      const bytes = random.bytes(random.chance(0.05) ? random.int(4096, MAX_HEADER_VALUE) : random.int(0, 64));
      return [{ type: 'binary', value: bytes }, { type: TYPE.binary, bytes_b64: b64(bytes) }];
    }
    case 'string': {
      let text = random.chance(0.3) ? random.pick(['event', 'chunk', 'contentBlockDelta', 'messageStop', 'application/json', '']) : random.unicode(random.int(0, 80));
      if (random.chance(0.03)) text = random.text(random.int(8000, MAX_HEADER_VALUE), 'abc é');
      while (utf8(text).length > MAX_HEADER_VALUE) text = text.slice(0, -1);
      return [{ type: 'string', value: text }, { type: TYPE.string, bytes_b64: b64(utf8(text)) }];
    }
    case 'timestamp': {
      // Milliseconds since the epoch, anywhere a JavaScript Date can be (about ±275,000 years).
      const ms = random.chance(0.3) ? random.pick([0, -1, 1717500000123, -8.64e15, 8.64e15]) : random.int(-8.64e15, 8.64e15);
      return [{ type: 'timestamp', value: new Date(ms) }, { type: TYPE.timestamp, int: String(ms) }];
    }
    case 'uuid': {
      const bytes = random.bytes(16);
      const hex = Buffer.from(bytes).toString('hex');
      const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      return [{ type: 'uuid', value: text }, { type: TYPE.uuid, bytes_b64: b64(bytes) }];
    }
  }
  throw new Error(`unknown type ${type}`);
}

function randomPayload() {
  const kind = random.int(0, 99);
  if (kind < 20) return new Uint8Array(0);
  if (kind < 60) {
    return utf8(JSON.stringify({ contentBlockIndex: 0, delta: { text: random.unicode(random.int(0, 60)) }, p: random.text(random.int(0, 30), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') }));
  }
  if (kind < 99) return random.bytes(random.int(1, 5000));
  return random.bytes(random.int(64 * 1024, 1024 * 1024));
}

function randomMessage() {
  const headers = {};
  const taken = new Set();
  const n = random.chance(0.1) ? 0 : random.int(1, 9);
  for (let i = 0; i < n; ++i) {
    const name = randomName(taken);
    taken.add(name);
    headers[name] = randomValue(random.pick(Object.keys(TYPE)));
  }
  const sdkHeaders = {};
  for (const [name, [value]] of Object.entries(headers)) sdkHeaders[name] = value;
  const body = randomPayload();
  const bytes = codec.encode({ headers: sdkHeaders, body });
  // The expected headers in wire order: the codec writes them in the object's key order.
  const expected = Object.entries(headers).map(([name, [, want]]) => ({ name, name_b64: b64(utf8(name)), ...want }));
  // The SDK's own decoder must read back what it wrote.
  const decoded = codec.decode(bytes);
  if (Object.keys(decoded.headers).join('\n') !== Object.keys(headers).join('\n') ||
      Buffer.compare(Buffer.from(decoded.body), Buffer.from(body)) !== 0) {
    throw new Error('the SDK does not read back its own message');
  }
  return {
    bytes,
    want: {
      total_length: bytes.byteLength,
      headers_length: codec.formatHeaders(sdkHeaders).byteLength,
      headers: expected,
      payload_b64: b64(body),
    },
  };
}

const sdkRefuses = (bytes) => {
  try {
    codec.decode(bytes);
    return false;
  } catch {
    return true;
  }
};

const cases = [];
for (let i = 0; i < count; ++i) {
  const messages = [];
  const n = random.chance(0.3) ? 1 : random.int(2, 6);
  for (let m = 0; m < n; ++m) messages.push(randomMessage());
  const c = { name: `stream-${String(i).padStart(4, '0')}`, outcome: 'ok', messages: messages.map((m) => m.want) };
  const chunks = messages.map((m) => Buffer.from(m.bytes));
  const damage = random.int(0, 99);
  if (damage < 10) {
    // Flip one bit of one message: the SDK refuses it (a CRC no longer matches), so askdb must
    // deliver the messages before it and fail on it.
    const at = random.int(0, n - 1);
    const bit = random.int(0, chunks[at].length * 8 - 1);
    chunks[at] = Buffer.from(chunks[at]);
    chunks[at][bit >> 3] ^= 1 << (bit & 7);
    if (!sdkRefuses(new Uint8Array(chunks[at]))) throw new Error('the SDK accepted a damaged message');
    c.outcome = 'error';
    c.messages = c.messages.slice(0, at);
    c.damage = `bit ${bit} of message ${at} flipped`;
  } else if (damage < 15) {
    // Cut the stream inside its last message: the messages before it arrive, finish() fails.
    const last = chunks.length - 1;
    const keep = random.int(1, chunks[last].length - 1);
    chunks[last] = chunks[last].subarray(0, keep);
    c.outcome = 'truncated';
    c.messages = c.messages.slice(0, last);
    c.damage = `cut after ${keep} bytes of message ${last}`;
  }
  c.stream_b64 = Buffer.concat(chunks).toString('base64');
  cases.push(c);
}
writeFileSync(out, JSON.stringify({ generator: '@smithy/eventstream-codec EventStreamCodec', seed, cases }));
const total = cases.reduce((sum, c) => sum + c.messages.length, 0);
console.log(`gen-eventstream: ${cases.length} streams, ${total} messages encoded by the SDK (seed ${seed}) -> ${out}`);
