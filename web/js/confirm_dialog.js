// A modal "are you sure?" built on <dialog>: resolves true when confirmed, false otherwise.
// Escape and the Cancel button decline; focus starts on Cancel so Enter never deletes by
// accident.

import { h } from './dom.js';

export function confirmDialog({ title, body, confirmLabel = 'Delete', danger = true }) {
  return new Promise((resolve) => {
    const cancel = h('button', { class: 'button', type: 'button', text: 'Cancel', testid: 'confirm-cancel' });
    const confirm = h('button', {
      class: danger ? 'button button-danger' : 'button button-primary',
      type: 'button',
      text: confirmLabel,
      testid: 'confirm-delete',
    });
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title', testid: 'confirm-dialog' },
      h('h2', { class: 'dialog-title', id: 'dialog-title', text: title }),
      h('p', { class: 'dialog-body', text: body }),
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
