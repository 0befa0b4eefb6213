// A small seeded random source for the generators: the same seed gives the same cases on every
// machine and Node.js version (Math.random cannot be seeded).

// mulberry32: 32 bits of state, good enough to pick test cases.
export function makeRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    next,
    // An integer in [lo, hi] (both included).
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; ++i) out[i] = Math.floor(next() * 256);
      return out;
    },
    // `n` characters drawn from `alphabet`.
    text: (n, alphabet) => {
      let out = '';
      for (let i = 0; i < n; ++i) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; --i) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  // Unicode text of `n` code points: mostly ASCII, some Latin-1, CJK and emoji (4-byte UTF-8),
  // never a lone surrogate (JavaScript strings could hold one; UTF-8 cannot).
  random.unicode = (n) => {
    let out = '';
    for (let i = 0; i < n; ++i) {
      const kind = random.int(0, 9);
      if (kind < 6) out += String.fromCodePoint(random.int(0x20, 0x7e));
      else if (kind < 7) out += String.fromCodePoint(random.int(0xa0, 0x24f));
      else if (kind < 8) out += String.fromCodePoint(random.int(0x4e00, 0x9fff));
      else if (kind < 9) out += String.fromCodePoint(random.int(0x1f300, 0x1faff));
      else out += String.fromCodePoint(random.int(0, 0x1f));
    }
    return out;
  };
  return random;
}

export const b64 = (bytes) => Buffer.from(bytes).toString('base64');
export const utf8 = (text) => new Uint8Array(Buffer.from(text, 'utf8'));
