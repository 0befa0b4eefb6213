// A query result as a CSV file (RFC 4180: comma-separated, CRLF line ends, fields with a
// comma, quote, CR or LF quoted and quotes doubled), prefixed with a UTF-8 byte order mark
// so Excel reads accents right. Pure apart from download().

import { cellText } from './format.js';

export function csvField(value) {
  const text = cellText(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((_, i) => csvField(row[i])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

// "Top 10 customers by lifetime value?" → "top-10-customers-by-lifetime-value.csv"
export function csvFileName(title) {
  const slug = String(title || '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return `${slug || 'askdb-result'}.csv`;
}

export function downloadCsv(columns, rows, title) {
  const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = csvFileName(title);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
