// Number, size and time formatting shared by the views. Pure functions.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatCount(n) {
  return integer.format(n);
}

export function plural(n, one, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

// US dollars for an LLM cost: 0.0123 → "$0.012", 1.5 → "$1.50", 0.00004 → "<$0.0001";
// "" when unknown (null: the model has no price).
export function formatUsd(usd) {
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) return '';
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 1) return `$${usd.toPrecision(2).replace(/0+$/, '')}`;
  return `$${usd.toFixed(2)}`;
}

// "1,200 prompt + 85 completion tokens" per LLM call, one line each, for a tooltip.
export function usageLines(tokens) {
  const t = tokens || {};
  const calls = Array.isArray(t.calls) && t.calls.length > 0 ? t.calls : [t];
  return calls.map((c) => {
    const what = c.stage === 'write_sql' ? 'Writing SQL: ' : c.stage === 'answer' ? 'Answer: ' : '';
    const cost = formatUsd(c.cost_usd);
    const model = c.model ? ` on ${c.model}` : '';
    return `${what}${formatCount(Number(c.prompt) || 0)} prompt + ${formatCount(Number(c.completion) || 0)} completion tokens${model}${cost ? ` (${cost})` : ''}`;
  }).join('\n');
}

// 1717.9 → "1.7 s", 312 → "0.31 s", 65000 → "1 min 5 s"
export function formatSeconds(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  const s = ms / 1000;
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// "Today", "Yesterday", "Previous 7 days", "Previous 30 days", or "Older" for an ISO time.
export function dayGroup(iso, now = new Date()) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return 'Older';
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const day = 24 * 60 * 60 * 1000;
  if (t.getTime() >= startOfToday) return 'Today';
  if (t.getTime() >= startOfToday - day) return 'Yesterday';
  if (t.getTime() >= startOfToday - 7 * day) return 'Previous 7 days';
  if (t.getTime() >= startOfToday - 30 * day) return 'Previous 30 days';
  return 'Older';
}

// A cell value as the text shown in a table or a CSV file.
export function cellText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
