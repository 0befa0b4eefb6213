// The rows of an answer: a toolbar ("N rows", the row-cap warning, Chart/Table, Download
// CSV) over a table and, when the message suggests one, a chart.

import { h } from './dom.js';
import { icon } from './icons.js';
import { formatCount, plural } from './format.js';
import { downloadCsv } from './csv.js';
import { createResultTable } from './table_view.js';
import { createChart } from './chart_view.js';
import { usableChartSpec } from './chart_config.js';

// result: {columns, rows, row_count, truncated, chart}; title names the CSV file.
export function createResultView(result, { title = '' } = {}) {
  const columns = Array.isArray(result.columns) ? result.columns : [];
  const rows = Array.isArray(result.rows) ? result.rows : [];
  const count = typeof result.row_count === 'number' ? result.row_count : rows.length;

  const download = h(
    'button',
    { class: 'button button-ghost button-small', type: 'button', testid: 'download-csv', title: 'Download these rows as a CSV file' },
    icon('download', { size: 14 }),
    h('span', { text: 'Download CSV' }),
  );
  download.addEventListener('click', () => downloadCsv(columns, rows, title));

  const tools = h('div', { class: 'result-tools' }, download);
  const toolbar = h('div', { class: 'result-toolbar' }, h('span', { class: 'row-count', testid: 'row-count', text: plural(count, 'row') }), tools);
  const table = createResultTable(columns, rows);
  const body = h('div', { class: 'result-body' }, table);
  const view = h('div', { class: 'result' }, toolbar);

  if (result.truncated) {
    view.append(
      h(
        'div',
        { class: 'truncated-note', testid: 'truncated-note', role: 'note' },
        icon('alert', { size: 14 }),
        h('span', { text: `Showing the first ${formatCount(rows.length)} rows — the result was cut at the row cap` }),
      ),
    );
  }
  view.append(body);

  const spec = usableChartSpec(result.chart, columns);
  if (spec && rows.length > 0) addChart(spec, columns, rows, tools, body, table);
  return view;
}

function addChart(spec, columns, rows, tools, body, table) {
  const chartSeg = h('span', { class: 'seg' }, icon('chart', { size: 14 }), 'Chart');
  const tableSeg = h('span', { class: 'seg' }, icon('table', { size: 14 }), 'Table');
  const toggle = h('button', { class: 'segmented', type: 'button', testid: 'chart-toggle', disabled: true }, chartSeg, tableSeg);
  tools.prepend(toggle);
  const placeholder = h('div', { class: 'chart-box chart-loading', 'aria-hidden': 'true' });
  body.prepend(placeholder);
  table.hidden = true;

  let box = null;
  const show = (which) => {
    const chart = which === 'chart';
    box.hidden = !chart;
    table.hidden = chart;
    chartSeg.classList.toggle('on', chart);
    tableSeg.classList.toggle('on', !chart);
    toggle.dataset.view = which;
    toggle.setAttribute('aria-label', chart ? 'Showing a chart. Show the table instead' : 'Showing the table. Show the chart instead');
  };
  toggle.addEventListener('click', () => show(box.hidden ? 'chart' : 'table'));

  createChart(spec, columns, rows).then((chartBox) => {
    placeholder.remove();
    table.hidden = false;
    if (!chartBox) {
      toggle.remove();
      body.prepend(h('p', { class: 'chart-missing', testid: 'chart-missing', text: 'Charts are not installed on this server (vendor/chart.umd.js is missing), so this result is shown as a table.' }));
      return;
    }
    box = chartBox;
    body.prepend(box);
    toggle.disabled = false;
    show('chart');
  });
}
