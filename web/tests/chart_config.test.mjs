import test from 'node:test';
import assert from 'node:assert/strict';
import { usableChartSpec, chartConfig, chartLabel, withAlpha } from '../js/chart_config.js';

const columns = [{ name: 'month', type: 'date' }, { name: 'revenue', type: 'numeric' }, { name: 'orders', type: 'bigint' }];
const colors = { series: ['#4f46e5', '#0ea5e9'], text: '#666', grid: '#eee', tooltipBg: '#fff', tooltipText: '#000', border: '#ddd', font: 'sans-serif' };

test('a chart spec must name existing columns', () => {
  assert.deepEqual(usableChartSpec({ type: 'line', x: 'month', y: ['revenue'] }, columns), { type: 'line', x: 0, ys: [1] });
  assert.equal(usableChartSpec({ type: 'pie', x: 'month', y: ['revenue'] }, columns), null);
  assert.equal(usableChartSpec({ type: 'bar', x: 'nope', y: ['revenue'] }, columns), null);
  assert.equal(usableChartSpec({ type: 'bar', x: 'month', y: ['nope'] }, columns), null);
  assert.equal(usableChartSpec(null, columns), null);
  assert.deepEqual(usableChartSpec({ type: 'bar', x: 'month', y: ['revenue', 'nope', 'orders'] }, columns).ys, [1, 2]);
});

test('labels drop a midnight time; values become numbers, non-numbers gaps', () => {
  assert.equal(chartLabel('2025-03-01T00:00:00'), '2025-03-01');
  assert.equal(chartLabel('2025-03-01 00:00:00+00'), '2025-03-01');
  assert.equal(chartLabel('2025-03-01 10:30:00'), '2025-03-01 10:30:00');
  assert.equal(chartLabel(null), '(null)');
  const spec = usableChartSpec({ type: 'line', x: 'month', y: ['revenue'] }, columns);
  const config = chartConfig(spec, columns, [['2025-01-01', '10.5', 1], ['2025-02-01', null, 2], ['2025-03-01', 'n/a', 3]], colors);
  assert.deepEqual(config.data.labels, ['2025-01-01', '2025-02-01', '2025-03-01']);
  assert.deepEqual(config.data.datasets[0].data, [10.5, null, null]);
  assert.equal(config.type, 'line');
});

test('two series of very different size get an axis each', () => {
  const spec = usableChartSpec({ type: 'bar', x: 'month', y: ['revenue', 'orders'] }, columns);
  const config = chartConfig(spec, columns, [['2025-01-01', 100000, 50], ['2025-02-01', 120000, 60]], colors);
  assert.equal(config.data.datasets[1].yAxisID, 'y1');
  assert.ok(config.options.scales.y1);
  const same = chartConfig(spec, columns, [['2025-01-01', 100, 50]], colors);
  assert.equal(same.options.scales.y1, undefined);
});

test('withAlpha', () => {
  assert.equal(withAlpha('#4f46e5', 0.5), 'rgba(79, 70, 229, 0.5)');
  assert.equal(withAlpha('rgb(1,2,3)', 0.5), 'rgb(1,2,3)');
});
