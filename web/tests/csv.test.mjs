import test from 'node:test';
import assert from 'node:assert/strict';
import { csvField, toCsv, csvFileName } from '../js/csv.js';

test('quotes fields with commas, quotes, line breaks and edge spaces (RFC 4180)', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(42.5), '42.5');
  assert.equal(csvField(false), 'false');
  assert.equal(csvField({ a: 1 }), '"{""a"":1}"');
});

test('a file starts with a BOM, has a header row and CRLF line ends', () => {
  const csv = toCsv([{ name: 'city' }, { name: 'n' }], [['São Paulo', 3], ['Zürich, CH', null]]);
  assert.equal(csv, '\uFEFFcity,n\r\nSão Paulo,3\r\n"Zürich, CH",\r\n');
});

test('file names come from the question', () => {
  assert.equal(csvFileName('Top 10 customers by lifetime value?'), 'top-10-customers-by-lifetime-value.csv');
  assert.equal(csvFileName('Umsätze in München'), 'umsatze-in-munchen.csv');
  assert.equal(csvFileName(''), 'askdb-result.csv');
  assert.equal(csvFileName('???'), 'askdb-result.csv');
});
