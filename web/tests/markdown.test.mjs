import test from 'node:test';
import assert from 'node:assert/strict';
import { parseBlocks, parseInline } from '../js/markdown.js';

test('inline bold and code; code wins over bold inside it', () => {
  assert.deepEqual(parseInline('Revenue was **12 M** in `orders` and `**x**`.'), [
    { type: 'text', text: 'Revenue was ' },
    { type: 'bold', text: '12 M' },
    { type: 'text', text: ' in ' },
    { type: 'code', text: 'orders' },
    { type: 'text', text: ' and ' },
    { type: 'code', text: '**x**' },
    { type: 'text', text: '.' },
  ]);
});

test('unclosed markers stay literal (as while an answer streams)', () => {
  assert.deepEqual(parseInline('up **12'), [{ type: 'text', text: 'up **12' }]);
  assert.deepEqual(parseInline('a `b'), [{ type: 'text', text: 'a `b' }]);
});

test('HTML is just text', () => {
  assert.deepEqual(parseInline('<img src=x onerror=alert(1)>'), [{ type: 'text', text: '<img src=x onerror=alert(1)>' }]);
});

test('paragraphs, line breaks, bullet and numbered lists, headings', () => {
  const text = 'First line\nsecond line\n\n- one\n* two\n  more of two\n\n1. a\n2) b\n## Summary\nEnd';
  assert.deepEqual(parseBlocks(text), [
    { type: 'p', lines: ['First line', 'second line'] },
    { type: 'ul', items: ['one', 'two\nmore of two'] },
    { type: 'ol', items: ['a', 'b'] },
    { type: 'h', text: 'Summary' },
    { type: 'p', lines: ['End'] },
  ]);
});

test('CRLF text and blank answers', () => {
  assert.deepEqual(parseBlocks('a\r\nb'), [{ type: 'p', lines: ['a', 'b'] }]);
  assert.deepEqual(parseBlocks(''), []);
});
