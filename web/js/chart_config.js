// How a result becomes a Chart.js configuration: message.chart = {type, x, y: [columns]}
// checked against the columns, labels and numbers taken from the rows, colors handed in.
// Pure functions (chart_view.js draws).

// The chart spec checked against the result's columns: null when it cannot be drawn.
export function usableChartSpec(spec, columns) {
  if (!spec || typeof spec !== 'object' || !['bar', 'line'].includes(spec.type)) return null;
  const names = columns.map((c) => c.name);
  const x = names.indexOf(spec.x);
  const ys = (Array.isArray(spec.y) ? spec.y : [spec.y]).map((name) => names.indexOf(name)).filter((i) => i >= 0 && i !== x);
  if (x < 0 || ys.length === 0) return null;
  return { type: spec.type, x, ys };
}

function toNumber(value) {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

// "2025-03-01T00:00:00" or "2025-03-01 00:00:00+00" → "2025-03-01"; other labels as text.
export function chartLabel(value) {
  if (value === null || value === undefined) return '(null)';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const midnight = /^(\d{4}-\d{2}-\d{2})[ T]00:00(:00(\.0+)?)?([+-]\d{2}(:?\d{2})?|Z)?$/.exec(text);
  return midnight ? midnight[1] : text;
}

// "#4f46e5" and 0.15 → "rgba(79, 70, 229, 0.15)"; other color forms are returned as they are.
export function withAlpha(color, alpha) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
}

function largest(values) {
  return values.reduce((max, v) => (v === null ? max : Math.max(max, Math.abs(v))), 0);
}

function shortLabel(label) {
  const text = String(label);
  return text.length > 18 ? `${text.slice(0, 17)}…` : text;
}

// A Chart.js configuration, built from data only (no callbacks that run server text).
// Two series of very different size (say revenue and order count) get an axis each.
export function chartConfig(spec, columns, rows, colors) {
  const line = spec.type === 'line';
  const many = rows.length > 40;
  const series = spec.ys.map((col) => rows.map((r) => toNumber(r[col])));
  const sizes = series.map(largest);
  const twoAxes = series.length === 2 && Math.min(...sizes) > 0 && Math.max(...sizes) / Math.min(...sizes) > 8;
  const fewBars = !line && rows.length <= 24;
  const tickFont = { family: colors.font, size: 11.5 };
  const config = {
    type: spec.type,
    data: {
      labels: rows.map((r) => chartLabel(r[spec.x])),
      datasets: spec.ys.map((col, i) => {
        const color = colors.series[i % colors.series.length];
        return {
          label: columns[col].name,
          data: series[i],
          yAxisID: twoAxes && i === 1 ? 'y1' : 'y',
          borderColor: color,
          backgroundColor: line ? withAlpha(color, 0.12) : withAlpha(color, 0.88),
          hoverBackgroundColor: color,
          fill: line && spec.ys.length === 1 ? 'origin' : false,
          borderWidth: line ? 2 : 0,
          borderRadius: line ? 0 : 5,
          maxBarThickness: 44,
          pointRadius: line && !many ? 2.5 : 0,
          pointHoverRadius: 4,
          pointBackgroundColor: color,
          tension: 0.3,
          spanGaps: true,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 300 },
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: {
          display: spec.ys.length > 1,
          position: 'bottom',
          labels: { color: colors.text, boxWidth: 8, boxHeight: 8, usePointStyle: true, font: tickFont },
        },
        tooltip: {
          backgroundColor: colors.tooltipBg,
          titleColor: colors.tooltipText,
          bodyColor: colors.tooltipText,
          borderColor: colors.border,
          borderWidth: 1,
          padding: 10,
          cornerRadius: 8,
          boxPadding: 4,
          usePointStyle: true,
          titleFont: { family: colors.font, weight: '600' },
          bodyFont: { family: colors.font },
        },
      },
      scales: {
        x: {
          ticks: {
            color: colors.text,
            font: tickFont,
            autoSkip: !fewBars,
            autoSkipPadding: 14,
            maxRotation: fewBars ? 40 : 0,
            callback(value) {
              return shortLabel(this.getLabelForValue(value));
            },
          },
          grid: { display: false },
          border: { color: colors.border },
        },
        y: {
          beginAtZero: !line,
          ticks: { color: colors.text, font: tickFont, maxTicksLimit: 7 },
          grid: { color: colors.grid },
          border: { display: false },
          title: { display: twoAxes, text: columns[spec.ys[0]].name, color: colors.text, font: tickFont },
        },
      },
    },
  };
  if (twoAxes) {
    config.options.scales.y1 = {
      position: 'right',
      beginAtZero: !line,
      ticks: { color: colors.text, font: tickFont, maxTicksLimit: 7 },
      grid: { display: false },
      border: { display: false },
      title: { display: true, text: columns[spec.ys[1]].name, color: colors.text, font: tickFont },
    };
  }
  return config;
}
