// The question box at the bottom: a textarea that grows with its text, Enter sends,
// Shift+Enter starts a new line, and while an answer streams the Send button becomes Stop.
// What is typed is kept in sessionStorage, so a reload or a trip to the login form loses
// nothing; the box is emptied only once askdb has accepted the question.

const DRAFT_KEY = 'askdb.draft';
const MAX_HEIGHT = 220;

export class Composer {
  // elements: {form, input, send, stop}; onSend(text) and onStop() are called by the box.
  constructor({ form, input, send, stop }, { onSend, onStop }) {
    this.form = form;
    this.input = input;
    this.send = send;
    this.stop = stop;
    this.busy = false;

    try {
      const draft = sessionStorage.getItem(DRAFT_KEY);
      if (draft && !input.value) input.value = draft;
    } catch {
      // No storage: drafts live only in the page.
    }

    input.addEventListener('input', () => {
      this.grow();
      this.saveDraft();
      this.paint();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      form.requestSubmit();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || this.busy) return;
      onSend(text);
    });
    stop.addEventListener('click', () => onStop());
    this.grow();
    this.paint();
  }

  get value() {
    return this.input.value;
  }

  set value(text) {
    this.input.value = text;
    this.grow();
    this.saveDraft();
    this.paint();
  }

  clear() {
    this.value = '';
  }

  focus() {
    this.input.focus();
  }

  // While an answer streams the box is disabled; focus comes back to it afterwards.
  setBusy(busy) {
    const hadFocus = document.activeElement === this.input || document.activeElement === this.stop;
    this.busy = busy;
    this.input.disabled = busy;
    this.form.classList.toggle('busy', busy);
    this.paint();
    if (!busy && (hadFocus || document.activeElement === document.body)) this.input.focus();
  }

  paint() {
    this.send.hidden = this.busy;
    this.stop.hidden = !this.busy;
    this.send.disabled = this.busy || this.input.value.trim() === '';
  }

  grow() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_HEIGHT)}px`;
    this.input.style.overflowY = this.input.scrollHeight > MAX_HEIGHT ? 'auto' : 'hidden';
  }

  saveDraft() {
    try {
      if (this.input.value) sessionStorage.setItem(DRAFT_KEY, this.input.value);
      else sessionStorage.removeItem(DRAFT_KEY);
    } catch {
      // Ignored, as above.
    }
  }
}
