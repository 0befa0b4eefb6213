// A query result as a table: column names with their types, click a header to sort
// (ascending, descending, back to query order), 25 rows a page, NULL shown as a muted
// "NULL". Values are always set as text.

import { h } from './dom.js';
import { cellText, formatCount } from './format.js';
import { columnKind, sortedOrder } from './table_sort.js';

export const PAGE_SIZE = 25;

export function createResultTable(columns, rows) {
  const kinds = columns.map((c, i) => columnKind(c.type, rows.slice(0, 200).map((r) => r[i])));
  const state = { column: null, direction: 'asc', page: 0, order: rows.map((_, i) => i) };

  const headCells = columns.map((column, i) => {
    const button = h(
      'button',
      { class: 'th-button', type: 'button', title: `Sort by ${column.name}` },
      h('span', { class: 'th-name', text: column.name }),
      h('span', { class: 'th-sort', 'aria-hidden': 'true' }),
    );
    button.addEventListener('click', () => sortBy(i));
    return h(
      'th',
      { scope: 'col', class: kinds[i] === 'number' ? 'num' : null, 'aria-sort': 'none' },
      button,
      h('span', { class: 'th-type', text: column.type || '' }),
    );
  });
  const tbody = h('tbody');
  const table = h('table', { class: 'result-table', testid: 'result-table' }, h('thead', {}, h('tr', {}, headCells)), tbody);
  const scroller = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Result rows' }, table);

  const pageInfo = h('span', { class: 'pager-info', 'aria-live': 'polite' });
  const prev = h('button', { class: 'button button-small', type: 'button', text: 'Previous', testid: 'table-prev' });
  const next = h('button', { class: 'button button-small', type: 'button', text: 'Next', testid: 'table-next' });
  prev.addEventListener('click', () => goTo(state.page - 1));
  next.addEventListener('click', () => goTo(state.page + 1));
  const pager = h('div', { class: 'pager', hidden: rows.length <= PAGE_SIZE }, pageInfo, h('div', { class: 'pager-buttons' }, prev, next));

  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));

  function sortBy(i) {
    if (state.column !== i) {
      state.column = i;
      state.direction = 'asc';
    } else if (state.direction === 'asc') {
      state.direction = 'desc';
    } else {
      state.column = null;
    }
    state.order = sortedOrder(rows, state.column, kinds[i], state.direction);
    headCells.forEach((th, j) => {
      const sorted = j === state.column;
      th.setAttribute('aria-sort', sorted ? (state.direction === 'asc' ? 'ascending' : 'descending') : 'none');
      th.querySelector('.th-sort').textContent = sorted ? (state.direction === 'asc' ? '↑' : '↓') : '';
    });
    goTo(0);
  }

  function goTo(page) {
    state.page = Math.min(Math.max(page, 0), pages - 1);
    const start = state.page * PAGE_SIZE;
    const slice = state.order.slice(start, start + PAGE_SIZE);
    tbody.replaceChildren(...slice.map((r) => rowElement(rows[r])));
    if (rows.length === 0) {
      tbody.append(h('tr', {}, h('td', { class: 'empty-cell', colspan: String(Math.max(columns.length, 1)), text: 'No rows' })));
    }
    pageInfo.textContent = `Rows ${formatCount(start + 1)}–${formatCount(start + slice.length)} of ${formatCount(rows.length)}`;
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }

  function rowElement(row) {
    return h(
      'tr',
      {},
      columns.map((_, i) => {
        const value = row[i];
        if (value === null || value === undefined) return h('td', { class: 'null', text: 'NULL' });
        return h('td', { class: kinds[i] === 'number' ? 'num' : null, text: cellText(value) });
      }),
    );
  }

  goTo(0);
  return h('div', { class: 'table-view' }, scroller, pager);
}
