import test from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, readEventStream } from '../js/sse.js';

function parseChunks(chunks) {
  const events = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

const STREAM =
  ': keep-alive\n\n' +
  'event: status\ndata: {"stage":"retrieving"}\n\n' +
  'event: answer\r\ndata: {"delta":"line one\r\ndata: line two"}\r\n\r\n' +
  'data:no space\rdata:  two spaces\r\r' +
  'event: done\ndata: {}\n\n';

const EXPECTED = [
  { event: 'status', data: '{"stage":"retrieving"}' },
  { event: 'answer', data: '{"delta":"line one\nline two"}' },
  { event: 'message', data: 'no space\n two spaces' },
  { event: 'done', data: '{}' },
];

test('parses events, comments, multi-line data and all three line ends', () => {
  assert.deepEqual(parseChunks([STREAM]), EXPECTED);
});

test('gives the same events whatever the chunk boundaries', () => {
  for (let size = 1; size <= 7; size++) {
    const chunks = [];
    for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
    assert.deepEqual(parseChunks(chunks), EXPECTED, `chunks of ${size}`);
  }
  for (let cut = 0; cut <= STREAM.length; cut++) {
    assert.deepEqual(parseChunks([STREAM.slice(0, cut), STREAM.slice(cut)]), EXPECTED, `cut at ${cut}`);
  }
});

test('a CR at the end of a chunk and an LF opening the next make one line end', () => {
  assert.deepEqual(parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']), [{ event: 'message', data: 'a\nb' }]);
});

test('events without data are not dispatched; an unfinished event at the end is dropped', () => {
  assert.deepEqual(parseChunks(['event: status\n\n', 'event: x\ndata: 1']), []);
});

test('event type resets after each event; unknown fields are ignored', () => {
  assert.deepEqual(parseChunks(['event: a\nid: 7\nretry: 10\ndata: 1\n\ndata: 2\n\n']), [
    { event: 'a', data: '1' },
    { event: 'message', data: '2' },
  ]);
});

test('readEventStream decodes UTF-8 split across chunks', async () => {
  const bytes = new TextEncoder().encode('event: answer\ndata: {"delta":"São Paulo Zürich 📈"}\n\n');
  const stream = new ReadableStream({
    start(controller) {
      for (const b of bytes) controller.enqueue(new Uint8Array([b]));
      controller.close();
    },
  });
  const events = [];
  await readEventStream(stream, (e) => events.push(e));
  assert.deepEqual(events, [{ event: 'answer', data: '{"delta":"São Paulo Zürich 📈"}' }]);
});
