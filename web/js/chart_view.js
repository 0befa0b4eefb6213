// Charts for results that carry message.chart = {type: "bar"|"line", x, y: [columns]}.
// Chart.js is loaded on first use from vendor/chart.umd.js (see web/scripts/vendor.sh);
// when that file is missing, loadChartLibrary() resolves to null and the page shows
// tables only. Colors come from the theme's CSS variables and follow theme changes.

import { h } from './dom.js';
import { chartConfig } from './chart_config.js';

export { usableChartSpec } from './chart_config.js';

const LIBRARY_URL = 'vendor/chart.umd.js';
let library = null;
const live = new Set(); // charts on the page, repainted when the theme changes

export function loadChartLibrary() {
  if (!library) {
    library = new Promise((resolve) => {
      if (window.Chart) {
        resolve(window.Chart);
        return;
      }
      const script = document.createElement('script');
      script.src = new URL(LIBRARY_URL, document.baseURI).href;
      script.async = true;
      script.addEventListener('load', () => resolve(window.Chart || null));
      script.addEventListener('error', () => {
        script.remove();
        resolve(null);
      });
      document.head.append(script);
    });
  }
  return library;
}

function themeColors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    series: [1, 2, 3, 4, 5, 6].map((i) => v(`--chart-${i}`)),
    text: v('--text-muted'),
    grid: v('--chart-grid'),
    tooltipBg: v('--surface-raised'),
    tooltipText: v('--text'),
    border: v('--border'),
    font: v('--font-sans'),
  };
}

// Draws the chart into a new element (data-testid="chart"); resolves to that element, or
// to null when Chart.js is not available.
export async function createChart(spec, columns, rows) {
  const Chart = await loadChartLibrary();
  if (!Chart) return null;
  Chart.defaults.font.family = themeColors().font || Chart.defaults.font.family;
  const names = spec.ys.map((i) => columns[i].name).join(', ');
  const canvas = h('canvas', { role: 'img', 'aria-label': `${spec.type === 'bar' ? 'Bar' : 'Line'} chart of ${names} by ${columns[spec.x].name}` });
  const box = h('div', { class: 'chart-box', testid: 'chart' }, canvas);
  const entry = { canvas, chart: null, paint: null };
  entry.paint = () => {
    if (entry.chart) entry.chart.destroy();
    entry.chart = new Chart(canvas, chartConfig(spec, columns, rows, themeColors()));
  };
  // Chart.js measures its parent: draw once the box is in the document.
  requestAnimationFrame(() => {
    if (!canvas.isConnected) {
      const wait = new MutationObserver(() => {
        if (canvas.isConnected) {
          wait.disconnect();
          entry.paint();
        }
      });
      wait.observe(document.body, { childList: true, subtree: true });
      return;
    }
    entry.paint();
  });
  live.add(entry);
  return box;
}

document.addEventListener('askdb:themechange', () => {
  for (const entry of live) {
    if (!entry.canvas.isConnected) {
      if (entry.chart) entry.chart.destroy();
      live.delete(entry);
      continue;
    }
    entry.paint();
  }
});
