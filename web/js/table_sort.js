// How result columns sort: numbers as numbers, dates and times in time order, booleans
// false before true, everything else as text in natural order ("item 2" before "item 10").
// NULLs always go last. Pure functions.

const NUMERIC = /^(smallint|integer|bigint|int[248]?|numeric|decimal|real|double precision|float[48]?|money|oid|serial|bigserial)\b/i;
const TEMPORAL = /^(date|timestamp|time|interval)\b/i;
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

// 'number' | 'date' | 'bool' | 'text' for a column, from its PostgreSQL type and, when the
// type says nothing, from its values.
export function columnKind(type, values = []) {
  const t = String(type || '').trim();
  if (NUMERIC.test(t)) return 'number';
  if (/^(date|timestamp)/i.test(t)) return 'date';
  if (TEMPORAL.test(t)) return 'text'; // time of day and intervals compare well enough as text
  if (/^bool/i.test(t)) return 'bool';
  const present = values.filter((v) => v !== null && v !== undefined && v !== '');
  if (present.length > 0 && present.every((v) => typeof v === 'number' || NUMBER_TEXT.test(String(v)))) return 'number';
  return 'text';
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

// PostgreSQL's "2025-03-01 10:00:00+00" (or +0530, +05:30) as milliseconds; NaN if not a time.
export function parseTime(value) {
  const iso = String(value)
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d{2})(\d{2})?$/, (m, h, mm, offset, all) => (/T/.test(all) ? `${h}:${mm || '00'}` : m));
  return Date.parse(iso);
}

function key(value, kind) {
  if (kind === 'number') return typeof value === 'number' ? value : Number(value);
  if (kind === 'date') return parseTime(value);
  if (kind === 'bool') return value === true || value === 't' || value === 'true' ? 1 : 0;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// compareValues(a, b, kind) < 0 when a sorts first (ascending); NULL after everything.
export function compareValues(a, b, kind) {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  const ka = key(a, kind);
  const kb = key(b, kind);
  if (kind === 'text') return collator.compare(ka, kb);
  const aBad = Number.isNaN(ka);
  const bBad = Number.isNaN(kb);
  if (aBad || bBad) return aBad === bBad ? collator.compare(String(a), String(b)) : aBad ? 1 : -1;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// Row indexes in display order; NULLs stay last in both directions; ties keep query order.
export function sortedOrder(rows, column, kind, direction) {
  const order = rows.map((_, i) => i);
  if (column === null || column === undefined) return order;
  const sign = direction === 'desc' ? -1 : 1;
  order.sort((i, j) => {
    const a = rows[i][column];
    const b = rows[j][column];
    const aNull = a === null || a === undefined;
    const bNull = b === null || b === undefined;
    if (aNull || bNull) return aNull === bNull ? i - j : aNull ? 1 : -1;
    return sign * compareValues(a, b, kind) || i - j;
  });
  return order;
}
