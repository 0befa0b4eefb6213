// The conversation list in the sidebar: newest first, grouped by day, each a link to
// #/c/<id>, renamed inline (Enter or leaving the field saves, Escape cancels) and deleted
// after a confirmation.

import { h } from './dom.js';
import { icon } from './icons.js';
import { dayGroup } from './format.js';
import { confirmDialog } from './confirm_dialog.js';

const UNTITLED = 'New chat';

export class Sidebar {
  // ctx: {api, toasts, onDeleted(id), onRenamed(summary)}
  constructor(listEl, ctx) {
    this.list = listEl;
    this.ctx = ctx;
    this.conversations = [];
    this.activeId = null;
    this.loaded = false;
  }

  async refresh() {
    try {
      this.conversations = await this.ctx.api.listConversations();
      this.loaded = true;
      this.render();
    } catch (err) {
      if (!this.loaded) {
        this.list.replaceChildren(h('li', { class: 'conv-empty', text: 'Could not load your conversations.' }));
      }
      this.ctx.toasts.error(err, 'Conversations not loaded:');
    }
  }

  // Adds or updates one conversation (from a create or a rename) and moves it to the top.
  upsert(summary) {
    this.conversations = [summary, ...this.conversations.filter((c) => c.id !== summary.id)];
    this.render();
  }

  titleOf(id) {
    const c = this.conversations.find((x) => x.id === id);
    return c ? c.title || UNTITLED : null;
  }

  setActive(id) {
    this.activeId = id;
    for (const item of this.list.querySelectorAll('.conv-item')) {
      const active = item.dataset.conversationId === id;
      item.classList.toggle('active', active);
      const link = item.querySelector('.conv-link');
      if (link) {
        if (active) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
    }
  }

  render() {
    const sorted = [...this.conversations].sort((a, b) => String(b.updated_at || '').localeCompare(String(a.updated_at || '')));
    if (sorted.length === 0) {
      this.list.replaceChildren(h('li', { class: 'conv-empty', text: 'Your conversations will appear here.' }));
      return;
    }
    const nodes = [];
    let group = null;
    for (const c of sorted) {
      const g = dayGroup(c.updated_at || c.created_at);
      if (g !== group) {
        group = g;
        nodes.push(h('li', { class: 'conv-group', 'aria-hidden': 'true', text: g }));
      }
      nodes.push(this.item(c));
    }
    this.list.replaceChildren(...nodes);
    this.setActive(this.activeId);
  }

  item(c) {
    const title = c.title || UNTITLED;
    const link = h('a', { class: 'conv-link', href: `#/c/${encodeURIComponent(c.id)}`, title }, h('span', { class: 'conv-title', text: title }));
    const rename = h('button', { class: 'icon-button', type: 'button', testid: 'rename-conversation', 'aria-label': `Rename “${title}”`, title: 'Rename' }, icon('pencil', { size: 14 }));
    const remove = h('button', { class: 'icon-button', type: 'button', testid: 'delete-conversation', 'aria-label': `Delete “${title}”`, title: 'Delete' }, icon('trash', { size: 14 }));
    const item = h('li', { class: 'conv-item', testid: 'conversation-item', dataset: { conversationId: c.id } }, link, h('div', { class: 'conv-actions' }, rename, remove));
    rename.addEventListener('click', () => this.startRename(item, c));
    remove.addEventListener('click', () => this.remove(c));
    return item;
  }

  startRename(item, c) {
    const input = h('input', { class: 'conv-rename', type: 'text', maxlength: '200', 'aria-label': 'Conversation title', testid: 'rename-input' });
    input.value = c.title || '';
    item.classList.add('renaming');
    item.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (!save || !title || title === c.title) {
        this.render();
        return;
      }
      try {
        const summary = await this.ctx.api.renameConversation(c.id, title);
        const updated = { ...c, ...summary, title: (summary && summary.title) || title };
        this.conversations = this.conversations.map((x) => (x.id === c.id ? updated : x));
        this.ctx.onRenamed(updated);
      } catch (err) {
        this.ctx.toasts.error(err, 'Not renamed:');
      }
      this.render();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        finish(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        finish(false);
      }
    });
    input.addEventListener('blur', () => finish(true));
  }

  async remove(c) {
    const ok = await confirmDialog({
      title: 'Delete this conversation?',
      body: `“${c.title || UNTITLED}” and all its answers will be deleted. This cannot be undone.`,
    });
    if (!ok) return;
    try {
      await this.ctx.api.deleteConversation(c.id);
      this.conversations = this.conversations.filter((x) => x.id !== c.id);
      this.render();
      this.ctx.onDeleted(c.id);
    } catch (err) {
      this.ctx.toasts.error(err, 'Not deleted:');
    }
  }
}
