import test from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../js/sql_highlight.js';

const SQL = `-- revenue
SELECT date_trunc('month', o.order_date)::date AS month, /* c */ "Weird ""Name""",
       round(sum(oi.quantity * oi.unit_price), 2) AS revenue, $1, E'it\\'s', $q$x$q$
FROM orders o WHERE o.status NOT IN ('cancelled', 'it''s') AND x >= 1.5e3
LIMIT 1000;`;

test('the tokens put back together give the input', () => {
  assert.equal(tokenize(SQL).map((t) => t.text).join(''), SQL);
});

test('tokens are classified', () => {
  const kinds = (type) => tokenize(SQL).filter((t) => t.type === type).map((t) => t.text);
  assert.deepEqual(kinds('comment'), ['-- revenue', '/* c */']);
  assert.deepEqual(kinds('function'), ['date_trunc', 'round', 'sum']);
  assert.deepEqual(kinds('string'), ["'month'", "E'it\\'s'", '$q$x$q$', "'cancelled'", "'it''s'"]);
  assert.deepEqual(kinds('quoted'), ['"Weird ""Name"""']);
  assert.deepEqual(kinds('number'), ['2', '1.5e3', '1000']);
  assert.deepEqual(kinds('param'), ['$1']);
  assert.deepEqual(kinds('type'), ['date']);
  assert.ok(kinds('keyword').includes('SELECT'));
  assert.ok(kinds('keyword').includes('NOT'));
  assert.ok(kinds('keyword').includes('IN'));
  assert.ok(kinds('identifier').includes('order_date'));
  assert.ok(kinds('operator').includes('::'));
  assert.ok(kinds('operator').includes('>='));
});

test('unterminated strings and comments run to the end instead of failing', () => {
  assert.deepEqual(tokenize("SELECT 'abc").map((t) => t.type), ['keyword', 'space', 'string']);
  assert.deepEqual(tokenize('/* never closed').map((t) => t.type), ['comment']);
});
