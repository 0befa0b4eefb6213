// The conversation pane: opens a conversation (GET, then every stored message drawn),
// asks questions and runs edited SQL (POST …/messages, read as SSE), keeps the view pinned
// to the newest answer, and shows the empty state for a new chat.
//
// A conversation whose answer is still streaming keeps streaming when the person opens
// another one; coming back to it shows the live view again, not a stale copy.

import { h } from './dom.js';
import { icon } from './icons.js';
import { readEventStream } from './sse.js';
import { MessageView } from './message_view.js';
import { Composer } from './composer.js';

const UNTITLED = 'New chat';
// Phones get no automatic focus: it would pop up the keyboard over the examples.
const finePointer = window.matchMedia('(pointer: fine)');

class Conversation {
  constructor(id) {
    this.id = id;
    this.title = null;
    this.list = h('div', { class: 'messages' });
    this.streaming = null; // the AbortController of the answer in flight
    this.loading = false;
    this.failed = false;
  }
}

export class Chat {
  // elements: {scroller, thread, empty, title, composer: {form, input, send, stop}}
  constructor(elements, { api, toasts, sidebar }) {
    this.api = api;
    this.toasts = toasts;
    this.sidebar = sidebar;
    this.scroller = elements.scroller;
    this.thread = elements.thread;
    this.empty = elements.empty;
    this.titleEl = elements.title;
    this.live = new Map(); // id → Conversation with an answer in flight
    this.current = null;
    this.pinned = true;
    this.composer = new Composer(elements.composer, {
      onSend: (text) => this.ask({ question: text }, { fromComposer: true }),
      onStop: () => this.stop(),
    });
    this.scroller.addEventListener('scroll', () => {
      const s = this.scroller;
      this.pinned = s.scrollHeight - s.scrollTop - s.clientHeight < 80;
    });
    for (const button of this.empty.querySelectorAll('[data-example]')) {
      button.addEventListener('click', () => {
        this.composer.value = button.dataset.example;
        this.composer.form.requestSubmit();
      });
    }
  }

  // Shows conversation id, or a new chat for null.
  open(id) {
    if (this.current && this.current.id === id) {
      if (id === null) this.composer.focus();
      return;
    }
    let conv = id === null ? null : this.live.get(id);
    if (!conv) {
      conv = new Conversation(id);
      if (id !== null) this.load(conv);
    }
    this.current = conv;
    this.thread.replaceChildren(conv.list);
    this.composer.setBusy(Boolean(conv.streaming));
    this.sidebar.setActive(id);
    this.paintChrome();
    this.scrollToBottom(true);
    if (id === null && finePointer.matches) this.composer.focus();
  }

  // After signing in again: load what a 401 kept from loading.
  reloadIfFailed() {
    const conv = this.current;
    if (conv && conv.id && conv.failed && !conv.loading) this.load(conv);
  }

  async load(conv) {
    conv.loading = true;
    conv.failed = false;
    conv.list.replaceChildren(h('div', { class: 'loading-thread', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the conversation…'));
    this.paintChrome();
    try {
      const body = await this.api.getConversation(conv.id);
      conv.title = body.title || null;
      const messages = Array.isArray(body.messages) ? body.messages : [];
      conv.list.replaceChildren(...messages.map((m) => MessageView.fromStored(m, this.context(conv)).element));
    } catch (err) {
      conv.failed = true;
      conv.list.replaceChildren(this.loadError(conv, err));
    } finally {
      conv.loading = false;
    }
    if (this.current === conv) {
      this.paintChrome();
      this.scrollToBottom(true);
    }
  }

  loadError(conv, err) {
    if (err.status === 404) {
      const fresh = h('a', { class: 'button', href: '#/', text: 'Start a new chat' });
      return h('div', { class: 'thread-message' }, h('h2', { text: 'This conversation is not here' }), h('p', { text: 'It may have been deleted, or it belongs to someone else.' }), fresh);
    }
    const retry = h('button', { class: 'button', type: 'button' }, icon('refresh', { size: 14 }), 'Try again');
    retry.addEventListener('click', () => this.load(conv));
    const text = err.status === 401 ? 'Sign in to see this conversation.' : err.describe ? err.describe() : String(err.message || err);
    return h('div', { class: 'thread-message', role: 'alert' }, h('h2', { text: 'The conversation did not load' }), h('p', { text }), retry);
  }

  context(conv) {
    return {
      api: this.api,
      toasts: this.toasts,
      retry: (request) => this.current === conv && this.ask(request),
      runSql: (sql) =>
        new Promise((resolve) => {
          if (this.current !== conv) resolve(false);
          else this.ask({ sql }, { onSettled: resolve });
        }),
    };
  }

  // Sends {question} or {sql} in the open conversation (creating it first for a new chat)
  // and draws the reply as it streams. onSettled(true) once askdb accepted it, (false)
  // if it never got there. The composer is emptied only when askdb accepted the question.
  async ask(body, { fromComposer = false, onSettled = () => {} } = {}) {
    const conv = this.current;
    if (!conv || conv.loading) {
      onSettled(false);
      return;
    }
    if (conv.streaming) {
      this.toasts.show('Wait for the current answer, or press Stop.');
      onSettled(false);
      return;
    }
    const controller = new AbortController();
    conv.streaming = controller;
    this.composer.setBusy(true);
    const view = new MessageView(body, this.context(conv));
    conv.list.append(view.element);
    this.paintChrome();
    this.scrollToBottom(true);

    let accepted = false;
    try {
      if (!conv.id) {
        const summary = await this.api.createConversation();
        conv.id = summary.id;
        conv.title = summary.title || null;
        this.sidebar.upsert(summary);
        if (this.current === conv) {
          history.pushState(null, '', `#/c/${encodeURIComponent(conv.id)}`);
          this.sidebar.setActive(conv.id);
        }
      }
      this.live.set(conv.id, conv);
      const response = await this.api.postMessage(conv.id, body, controller.signal);
      accepted = true;
      onSettled(true);
      if (fromComposer && this.composer.value.trim() === body.question) this.composer.clear();

      let finished = false;
      if ((response.headers.get('Content-Type') || '').includes('application/json')) {
        const reply = await response.json(); // a server that answered without streaming
        view.showStored(reply.message || reply);
        finished = true;
      } else {
        let answerShown = false;
        await readEventStream(response.body, (event) => {
          if (finished) return;
          finished = view.handleEvent(event);
          if (this.current !== conv || !this.pinned) return;
          if (event.event === 'answer' && !answerShown) {
            // The answer is written at the top of the card: bring the card's top into view
            // and stop following the bottom, so the words stay where the reader is.
            answerShown = true;
            view.element.scrollIntoView({ block: 'start' });
            this.pinned = false;
          } else if (!answerShown) {
            this.scrollToBottom();
          }
        });
      }
      if (!finished) {
        view.fail({ code: 'stream', message: 'The connection closed before the answer was complete. Your question is saved; Retry to ask it again.' });
      }
    } catch (err) {
      if (err && err.name === 'AbortError') {
        view.stopped();
      } else if (!accepted) {
        view.element.remove();
        onSettled(false);
        if (!fromComposer && body.question && !this.composer.value.trim()) this.composer.value = body.question;
        this.toasts.error(err, 'Not sent:');
      } else {
        view.fail({ code: 'network', message: 'The connection to askdb broke while the answer was arriving. Your question is saved; Retry to ask it again.' });
      }
    } finally {
      conv.streaming = null;
      if (conv.id) this.live.delete(conv.id);
      if (this.current === conv) {
        this.composer.setBusy(false);
        this.paintChrome();
        if (this.pinned) this.scrollToBottom();
      }
    }
    await this.sidebar.refresh();
    const title = conv.id && this.sidebar.titleOf(conv.id);
    if (title) conv.title = title;
    if (this.current === conv) this.paintChrome();
  }

  stop() {
    if (this.current && this.current.streaming) this.current.streaming.abort();
  }

  // Keeps the title bar and empty state in step with the open conversation.
  paintChrome() {
    const conv = this.current;
    if (!conv) return;
    const isEmpty = conv.list.childElementCount === 0 && !conv.loading;
    this.empty.hidden = !isEmpty;
    this.thread.hidden = isEmpty;
    const title = conv.title || (conv.id ? this.sidebar.titleOf(conv.id) : null) || UNTITLED;
    this.titleEl.textContent = title;
    document.title = conv.id ? `${title} · askdb` : 'askdb';
  }

  renamed(summary) {
    for (const conv of [this.current, ...this.live.values()]) {
      if (conv && conv.id === summary.id) conv.title = summary.title;
    }
    this.paintChrome();
  }

  deleted(id) {
    this.live.get(id)?.streaming?.abort();
    this.live.delete(id);
    if (this.current && this.current.id === id) {
      if (location.hash) location.hash = '#/';
      else this.open(null);
    }
  }

  scrollToBottom(force = false) {
    if (!force && !this.pinned) return;
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }
}
