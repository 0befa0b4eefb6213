import test from 'node:test';
import assert from 'node:assert/strict';
import { columnKind, compareValues, parseTime, sortedOrder } from '../js/table_sort.js';

test('column kinds come from the PostgreSQL type, else from the values', () => {
  assert.equal(columnKind('numeric(10,2)'), 'number');
  assert.equal(columnKind('bigint'), 'number');
  assert.equal(columnKind('double precision'), 'number');
  assert.equal(columnKind('timestamp with time zone'), 'date');
  assert.equal(columnKind('date'), 'date');
  assert.equal(columnKind('boolean'), 'bool');
  assert.equal(columnKind('text'), 'text');
  assert.equal(columnKind('text', ['10', '9', null, '-1.5']), 'number');
  assert.equal(columnKind('unknown', ['10', 'x']), 'text');
});

test('numbers sort as numbers, also when sent as strings', () => {
  const rows = [['10'], ['9'], ['100'], [null], ['-2.5']];
  assert.deepEqual(sortedOrder(rows, 0, 'number', 'asc'), [4, 1, 0, 2, 3]);
  assert.deepEqual(sortedOrder(rows, 0, 'number', 'desc'), [2, 0, 1, 4, 3]);
});

test('dates and timestamps sort in time order', () => {
  const rows = [['2025-03-01 10:00:00+00'], ['2024-12-31 23:59:59+00'], ['2025-01-15T08:00:00Z']];
  assert.deepEqual(sortedOrder(rows, 0, 'date', 'asc'), [1, 2, 0]);
});

test('text sorts naturally and ignores case; NULLs go last both ways; ties keep order', () => {
  const rows = [['item 10'], [null], ['Item 2'], ['apple'], ['item 2']];
  assert.deepEqual(sortedOrder(rows, 0, 'text', 'asc'), [3, 2, 4, 0, 1]);
  assert.deepEqual(sortedOrder(rows, 0, 'text', 'desc'), [0, 2, 4, 3, 1]);
  assert.equal(compareValues(null, 'a', 'text'), 1);
  assert.deepEqual(sortedOrder(rows, null, 'text', 'asc'), [0, 1, 2, 3, 4]);
});

test('parseTime reads PostgreSQL time stamps', () => {
  assert.equal(parseTime('2025-03-01 10:00:00+00'), Date.UTC(2025, 2, 1, 10));
  assert.equal(parseTime('2025-03-01 10:00:00.123+05:30'), Date.UTC(2025, 2, 1, 4, 30, 0, 123));
  assert.equal(parseTime('2025-03-01 10:00:00-0200'), Date.UTC(2025, 2, 1, 12));
  assert.equal(parseTime('2025-03-01'), Date.UTC(2025, 2, 1));
  assert.ok(Number.isNaN(parseTime('yesterday')));
});
