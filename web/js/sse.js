// Server-Sent Events read from a fetch() body (EventSource cannot POST or send headers).
// SseParser follows the WHATWG event-stream rules: lines end in CRLF, LF or CR; "event:"
// and "data:" fields (one optional space after the colon); data lines joined with "\n";
// ":" comment lines ignored; a blank line dispatches; an unfinished event at the end of
// the stream is dropped. Chunks may split anywhere, even between CR and LF.

export class SseParser {
  // onEvent({event, data}) is called once per complete event; event defaults to "message".
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.afterCR = false;
    this.reset();
  }

  reset() {
    this.type = '';
    this.data = [];
  }

  push(text) {
    if (this.afterCR && text.startsWith('\n')) text = text.slice(1);
    this.afterCR = false;
    const buf = this.buffer + text;
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(buf.slice(start, i));
      if (c === '\r') {
        if (i + 1 < buf.length) {
          if (buf[i + 1] === '\n') i++;
        } else {
          this.afterCR = true; // an LF may open the next chunk
        }
      }
      start = i + 1;
    }
    this.buffer = buf.slice(start);
  }

  // The stream ended: a last line without its newline still counts, an event without its
  // blank line does not.
  end() {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
    this.reset();
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.type || 'message', data: this.data.join('\n') });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    // "id" and "retry" mean nothing here: a dropped answer is retried by the person.
  }
}

// Reads a ReadableStream of bytes to its end, calling onEvent for each event.
// Rejects when the connection breaks (or with an AbortError when aborted).
export async function readEventStream(stream, onEvent) {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
