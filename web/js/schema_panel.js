// The schema browser: a drawer listing the tables and views askdb can query, with kind,
// comment, row estimate and columns (type, comment, PK / FK marks), and a filter box that
// matches table names, column names and comments. Loaded on first open.

import { h } from './dom.js';
import { icon } from './icons.js';
import { formatCount } from './format.js';

function rowEstimate(n) {
  if (typeof n !== 'number' || n < 0) return '';
  if (n >= 1_000_000) return `≈ ${(n / 1_000_000).toFixed(1)} M rows`;
  if (n >= 10_000) return `≈ ${Math.round(n / 1000)} k rows`;
  return `≈ ${formatCount(n)} rows`;
}

function tableName(t) {
  return t.schema && t.schema !== 'public' ? `${t.schema}.${t.name}` : t.name;
}

function searchText(t) {
  const parts = [t.schema, t.name, t.comment];
  for (const c of t.columns || []) parts.push(c.name, c.comment);
  return parts.filter(Boolean).join(' ').toLowerCase();
}

export class SchemaPanel {
  // elements: {panel, backdrop, list, filter, close, reload, button}
  constructor(elements, { api, toasts }) {
    Object.assign(this, elements);
    this.api = api;
    this.toasts = toasts;
    this.tables = null;
    this.returnFocus = null;

    this.button.addEventListener('click', () => (this.isOpen() ? this.hide() : this.show()));
    this.close.addEventListener('click', () => this.hide());
    this.backdrop.addEventListener('click', () => this.hide());
    this.reload.addEventListener('click', () => this.load());
    this.filter.addEventListener('input', () => this.applyFilter());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.hide();
    });
  }

  isOpen() {
    return !this.panel.hidden;
  }

  show() {
    this.returnFocus = document.activeElement;
    this.panel.hidden = false;
    this.backdrop.hidden = false;
    document.body.classList.add('schema-open');
    this.button.setAttribute('aria-expanded', 'true');
    this.filter.focus();
    if (!this.tables) this.load();
  }

  hide() {
    this.panel.hidden = true;
    this.backdrop.hidden = true;
    document.body.classList.remove('schema-open');
    this.button.setAttribute('aria-expanded', 'false');
    if (this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
  }

  async load() {
    this.list.replaceChildren(h('p', { class: 'schema-message' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading the schema…'));
    try {
      this.tables = await this.api.schema();
      this.render();
    } catch (err) {
      this.tables = null;
      const retry = h('button', { class: 'button button-small', type: 'button', text: 'Try again' });
      retry.addEventListener('click', () => this.load());
      this.list.replaceChildren(h('div', { class: 'schema-message' }, h('p', { text: err.status === 401 ? 'Sign in to see the schema.' : (err.describe ? err.describe() : err.message) }), retry));
    }
  }

  render() {
    const tables = [...this.tables].sort((a, b) => tableName(a).localeCompare(tableName(b)));
    if (tables.length === 0) {
      this.list.replaceChildren(h('p', { class: 'schema-message', text: 'askdb sees no tables in this database.' }));
      return;
    }
    this.countEl = h('p', { class: 'schema-count', 'aria-live': 'polite' });
    this.list.replaceChildren(this.countEl, ...tables.map((t) => this.tableElement(t)));
    this.applyFilter();
  }

  tableElement(t) {
    const fkByColumn = new Map();
    for (const fk of t.foreign_keys || []) {
      (fk.columns || []).forEach((col, i) => {
        const ref = (fk.referenced_columns || [])[i];
        fkByColumn.set(col, `${fk.references}${ref ? `.${ref}` : ''}`);
      });
    }
    const kind = t.kind || 'table';
    const columns = (t.columns || []).map((c) =>
      h(
        'li',
        { class: 'schema-column' },
        h(
          'div',
          { class: 'schema-column-head' },
          h('span', { class: 'schema-column-name', text: c.name }),
          c.primary_key ? h('span', { class: 'mark mark-pk', title: 'Primary key', text: 'PK' }) : null,
          fkByColumn.has(c.name) ? h('span', { class: 'mark mark-fk', title: `Foreign key to ${fkByColumn.get(c.name)}`, text: 'FK' }) : null,
          h('span', { class: 'schema-column-type', text: `${c.type || ''}${c.nullable === false ? ' not null' : ''}` }),
        ),
        fkByColumn.has(c.name) ? h('div', { class: 'schema-column-ref' }, icon('link', { size: 12 }), ` ${fkByColumn.get(c.name)}`) : null,
        c.comment ? h('div', { class: 'schema-column-comment', text: c.comment }) : null,
      ),
    );
    const details = h(
      'details',
      { class: 'schema-table', dataset: { search: searchText(t) } },
      h(
        'summary',
        {},
        icon('chevronRight', { size: 14, className: 'chevron' }),
        h('span', { class: 'schema-table-name', text: tableName(t) }),
        kind !== 'table' ? h('span', { class: 'badge', text: kind }) : null,
        h('span', { class: 'schema-rows', text: rowEstimate(t.row_estimate) }),
      ),
      t.comment ? h('p', { class: 'schema-table-comment', text: t.comment }) : null,
      h('ul', { class: 'schema-columns' }, columns),
    );
    return details;
  }

  applyFilter() {
    if (!this.tables) return;
    const words = this.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const el of this.list.querySelectorAll('.schema-table')) {
      const match = words.every((w) => el.dataset.search.includes(w));
      el.hidden = !match;
      if (match) shown += 1;
      if (words.length > 0 && match && shown <= 3) el.open = true;
    }
    const total = this.tables.length;
    if (this.countEl) this.countEl.textContent = words.length === 0 ? `${total} tables and views` : `${shown} of ${total} match`;
  }
}
