// Short notices in the corner: errors from the API, "Copied", and the like. Error toasts
// stay until closed; others fade after a few seconds.

import { h } from './dom.js';
import { icon } from './icons.js';

export class Toasts {
  constructor(container) {
    this.container = container;
  }

  show(message, { kind = 'info', timeoutMs = 4000 } = {}) {
    const close = h('button', { class: 'icon-button toast-close', type: 'button', 'aria-label': 'Dismiss' }, icon('close', { size: 14 }));
    const toast = h(
      'div',
      { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: 'toast' },
      kind === 'error' ? icon('alert') : icon('check'),
      h('div', { class: 'toast-text', text: message }),
      close,
    );
    const remove = () => {
      toast.classList.add('leaving');
      setTimeout(() => toast.remove(), 180);
    };
    close.addEventListener('click', remove);
    this.container.append(toast);
    if (kind !== 'error' && timeoutMs > 0) setTimeout(remove, timeoutMs);
    while (this.container.children.length > 4) this.container.firstElementChild.remove();
    return toast;
  }

  // An ApiError or any Error, in words; a 401 is left to the login form.
  error(err, prefix = '') {
    if (err && err.status === 401) return null;
    const text = err && typeof err.describe === 'function' ? err.describe() : (err && err.message) || String(err);
    return this.show(prefix ? `${prefix} ${text}` : text, { kind: 'error' });
  }
}
