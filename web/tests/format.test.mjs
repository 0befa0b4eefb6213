import test from 'node:test';
import assert from 'node:assert/strict';
import { formatUsd, usageLines } from '../js/format.js';

test('costs read as dollars, small ones with two significant digits', () => {
  assert.equal(formatUsd(0.0123), '$0.012');
  assert.equal(formatUsd(0.5), '$0.5');
  assert.equal(formatUsd(1.5), '$1.50');
  assert.equal(formatUsd(0), '$0');
  assert.equal(formatUsd(0.00004), '<$0.0001');
  assert.equal(formatUsd(null), '');
  assert.equal(formatUsd(undefined), '');
  assert.equal(formatUsd(-1), '');
});

test('usage lists each LLM call with its model and cost', () => {
  const lines = usageLines({
    prompt: 1300,
    completion: 90,
    cost_usd: 0.00525,
    calls: [
      { stage: 'write_sql', model: 'claude-sonnet-4-5', prompt: 1000, completion: 40, cost_usd: 0.0036 },
      { stage: 'answer', model: 'claude-sonnet-4-5', prompt: 300, completion: 50, cost_usd: null },
    ],
  }).split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^Writing SQL: 1,?000 prompt \+ 40 completion tokens on claude-sonnet-4-5 \(\$0\.0036\)$/);
  assert.match(lines[1], /^Answer: 300 prompt \+ 50 completion tokens on claude-sonnet-4-5$/);
});

test('usage without calls (older messages) shows the totals', () => {
  assert.match(usageLines({ prompt: 5, completion: 7 }), /^5 prompt \+ 7 completion tokens$/);
});
