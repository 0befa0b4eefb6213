// The SQL block of an answer: highlighted, collapsible (a one-line preview when closed),
// Copy, and "Edit and run", which swaps the code for a textarea and a Run button.

import { h } from './dom.js';
import { icon } from './icons.js';
import { highlightSql } from './sql_highlight.js';

let blockCount = 0;

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-http deployments have no Clipboard API: fall back to a hidden textarea.
  const area = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

function firstLine(sql) {
  const line = sql.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('--')) || '';
  return line.length > 90 ? `${line.slice(0, 90)}…` : line;
}

// createSqlBlock(sql, {collapsed, onRun, toasts}) → element.
// onRun(sql) returns a promise that resolves once the new run has been accepted;
// without onRun there is no "Edit and run".
export function createSqlBlock(sql, { collapsed = false, onRun = null, toasts = null, label = 'SQL' } = {}) {
  const codeId = `sql-code-${++blockCount}`;
  const code = h('code', {}, highlightSql(sql));
  const pre = h('pre', { class: 'sql-code', id: codeId }, code);

  const toggle = h(
    'button',
    { class: 'sql-toggle', type: 'button', testid: 'sql-toggle', 'aria-controls': codeId },
    icon('chevronRight', { size: 14, className: 'chevron' }),
    h('span', { class: 'sql-label', text: label }),
    h('span', { class: 'sql-preview', text: firstLine(sql) }),
  );

  const copy = h('button', { class: 'button button-ghost button-small', type: 'button', testid: 'copy-sql', title: 'Copy the SQL' }, icon('copy', { size: 14 }), h('span', { text: 'Copy' }));
  const actions = h('div', { class: 'sql-actions' }, copy);
  const block = h('div', { class: 'sql-block', testid: 'sql-block' }, h('div', { class: 'sql-head' }, toggle, actions), pre);

  const setCollapsed = (value) => {
    block.classList.toggle('collapsed', value);
    toggle.setAttribute('aria-expanded', String(!value));
    toggle.title = value ? 'Show the SQL' : 'Hide the SQL';
  };
  setCollapsed(collapsed);
  toggle.addEventListener('click', () => {
    if (!block.classList.contains('editing')) setCollapsed(!block.classList.contains('collapsed'));
  });

  copy.addEventListener('click', async () => {
    try {
      await copyText(sql);
      copy.replaceChildren(icon('check', { size: 14 }), h('span', { text: 'Copied' }));
      setTimeout(() => copy.replaceChildren(icon('copy', { size: 14 }), h('span', { text: 'Copy' })), 1600);
    } catch {
      toasts?.show('Could not copy. Select the SQL and copy it by hand.', { kind: 'error' });
    }
  });

  if (onRun) {
    const edit = h('button', { class: 'button button-ghost button-small', type: 'button', testid: 'edit-sql', title: 'Change the SQL and run it' }, icon('pencil', { size: 14 }), h('span', { text: 'Edit and run' }));
    actions.append(edit);

    const area = h('textarea', { class: 'sql-editor-input', spellcheck: 'false', 'aria-label': 'SQL to run', autocapitalize: 'off', autocomplete: 'off' });
    const run = h('button', { class: 'button button-primary button-small', type: 'button', testid: 'run-sql' }, icon('play', { size: 14 }), h('span', { text: 'Run' }));
    const cancel = h('button', { class: 'button button-small', type: 'button', text: 'Cancel' });
    const editor = h('div', { class: 'sql-editor' }, area, h('div', { class: 'sql-editor-bar' }, h('span', { class: 'hint', text: 'Runs read-only, checked like any askdb query · Ctrl+Enter to run' }), h('div', { class: 'sql-editor-buttons' }, cancel, run)));

    const grow = () => {
      area.style.height = 'auto';
      area.style.height = `${Math.min(area.scrollHeight + 2, 480)}px`;
    };
    const close = () => {
      editor.remove();
      block.classList.remove('editing');
      edit.hidden = false;
      edit.focus();
    };
    edit.addEventListener('click', () => {
      block.classList.add('editing');
      setCollapsed(false);
      edit.hidden = true;
      area.value = sql;
      block.append(editor);
      grow();
      area.focus();
    });
    area.addEventListener('input', grow);
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run.click();
      } else if (event.key === 'Escape') {
        close();
      }
    });
    cancel.addEventListener('click', close);
    run.addEventListener('click', async () => {
      const text = area.value.trim();
      if (!text) {
        area.focus();
        return;
      }
      run.disabled = true;
      try {
        if (await onRun(text)) close();
      } finally {
        run.disabled = false;
      }
    });
  }

  return block;
}
