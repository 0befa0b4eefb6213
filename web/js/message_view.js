// One exchange of a conversation: the question, then the answer card (data-testid
// "message"). A card is drawn either live from the SSE events of a new message (status,
// sql, rows, answer deltas, then done or error) or at once from a stored message; "done"
// redraws the live card from the stored message so both look the same.

import { h } from './dom.js';
import { icon } from './icons.js';
import { renderMarkdown } from './markdown.js';
import { formatSeconds, formatUsd, plural, usageLines } from './format.js';
import { highlightSql } from './sql_highlight.js';
import { createSqlBlock } from './sql_view.js';
import { createResultView } from './result_view.js';

const STAGES = {
  received: 'Reading your question…',
  retrieving: 'Finding relevant tables…',
  writing_sql: 'Writing SQL…',
  checking: 'Checking the query…',
  running: 'Running it…',
  answering: 'Writing the answer…',
};

const ERROR_TITLES = {
  llm: 'The language model could not answer',
  guard: 'askdb refused the SQL',
  database: 'The database returned an error',
  usage: 'askdb could not take this question',
  internal: 'askdb hit an internal error',
  network: 'Lost the connection to askdb',
  stream: 'The answer stopped arriving',
};

function errorText(error) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  return typeof error.message === 'string' ? error.message : JSON.stringify(error);
}

export class MessageView {
  // request: {question} or {sql}. ctx: {toasts, api, retry(request), runSql(sql) → Promise<bool>}.
  constructor(request, ctx) {
    this.request = request;
    this.ctx = ctx;
    this.kind = typeof request.sql === 'string' && typeof request.question !== 'string' ? 'sql' : 'question';
    this.answerText = '';
    this.sqlCount = 0;

    this.slots = {};
    for (const name of ['answer', 'status', 'note', 'error', 'sql', 'attempts', 'result', 'footer']) {
      this.slots[name] = h('div', { class: `slot slot-${name}` });
    }
    this.answer = h('div', { class: 'answer', testid: 'answer-text', 'aria-live': 'polite' });
    this.slots.answer.append(this.answer);
    this.card = h('section', { class: 'message-card', testid: 'message', 'aria-label': 'Answer' }, Object.values(this.slots));
    this.setStatus('answering');
    this.element = h('article', { class: 'exchange' }, this.questionBubble(), this.card);
  }

  static fromStored(message, ctx) {
    const request = message.kind === 'sql' ? { sql: message.sql || '' } : { question: message.question || '' };
    const view = new MessageView(request, ctx);
    view.showStored(message);
    return view;
  }

  questionBubble() {
    if (this.kind === 'sql') {
      return h(
        'div',
        { class: 'question question-sql', testid: 'question-text' },
        h('span', { class: 'question-label' }, icon('code', { size: 14 }), 'Ran edited SQL'),
        h('pre', { class: 'question-sql-code' }, h('code', {}, highlightSql(this.request.sql))),
      );
    }
    return h('div', { class: 'question', testid: 'question-text', text: this.request.question });
  }

  setStatus(status) {
    this.card.dataset.status = status;
    this.answer.setAttribute('aria-busy', String(status === 'answering'));
  }

  setMessageId(id) {
    if (typeof id === 'string' && id) this.card.dataset.messageId = id;
  }

  // ---- live events -------------------------------------------------------------------

  // Handles one SSE event; returns true for the last one (done or error).
  handleEvent({ event, data }) {
    let body;
    try {
      body = JSON.parse(data);
    } catch {
      return false; // a line this page does not understand; the stream goes on
    }
    if (!body || typeof body !== 'object') return false;
    switch (event) {
      case 'status':
        this.setMessageId(body.message_id);
        this.showStage(body.stage);
        return false;
      case 'sql':
        this.showLiveSql(String(body.sql || ''));
        return false;
      case 'rows':
        this.slots.result.replaceChildren(createResultView(body, { title: this.title() }));
        return false;
      case 'answer':
        this.appendAnswer(String(body.delta ?? ''));
        return false;
      case 'done':
        this.showStored(body);
        return true;
      case 'error':
        this.setMessageId(body.message_id);
        this.fail({ code: body.code, message: body.message });
        return true;
      default:
        return false;
    }
  }

  showStage(stage) {
    const text = STAGES[stage] || 'Working…';
    this.slots.status.replaceChildren(
      h('div', { class: 'status-line', testid: 'status-line', role: 'status', dataset: { stage: String(stage || '') } }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { text })),
    );
  }

  showLiveSql(sql) {
    this.sqlCount += 1;
    this.slots.sql.replaceChildren(createSqlBlock(sql, { toasts: this.ctx.toasts }));
    if (this.sqlCount > 1) {
      this.slots.attempts.replaceChildren(
        h('p', { class: 'attempt-live' }, icon('refresh', { size: 14 }), `Attempt ${this.sqlCount}: the previous SQL did not work, so askdb wrote it again.`),
      );
      this.slots.result.replaceChildren();
    }
  }

  appendAnswer(delta) {
    this.answerText += delta;
    this.answer.replaceChildren(renderMarkdown(this.answerText));
    this.answer.classList.add('streaming');
  }

  // A failure seen live: an error event, a broken connection or a stream cut short.
  fail({ code, message }) {
    this.setStatus('error');
    this.answer.classList.remove('streaming');
    this.slots.status.replaceChildren();
    this.slots.error.replaceChildren(this.errorCard(code, message));
  }

  // The person pressed Stop.
  stopped() {
    this.setStatus('interrupted');
    this.answer.classList.remove('streaming');
    this.slots.status.replaceChildren();
    this.slots.note.replaceChildren(this.note('Stopped before the answer was complete.'));
  }

  // ---- a stored message -------------------------------------------------------------

  showStored(m) {
    this.message = m;
    this.setMessageId(m.id);
    this.setStatus(typeof m.status === 'string' ? m.status : 'done');
    for (const slot of Object.values(this.slots)) if (slot !== this.slots.answer) slot.replaceChildren();
    this.answer.classList.remove('streaming');
    this.answerText = typeof m.answer === 'string' ? m.answer : '';
    this.answer.replaceChildren(renderMarkdown(this.answerText));

    if (m.status === 'answering') this.slots.note.replaceChildren(this.note('This answer was not finished.'));
    if (m.status === 'interrupted') this.slots.note.replaceChildren(this.note('Stopped before the answer was complete.'));
    if (m.status === 'error') {
      const error = m.error || {};
      this.slots.error.replaceChildren(this.errorCard(error.code, errorText(error) || 'This question could not be answered.'));
    }

    if (typeof m.sql === 'string' && m.sql) {
      this.slots.sql.replaceChildren(
        createSqlBlock(m.sql, {
          collapsed: m.status === 'done' && this.kind === 'question',
          onRun: this.ctx.runSql,
          toasts: this.ctx.toasts,
        }),
      );
    }

    this.slots.attempts.replaceChildren(...this.earlierAttempts(m));
    if (Array.isArray(m.columns) && m.columns.length > 0 && Array.isArray(m.rows)) {
      this.slots.result.replaceChildren(createResultView(m, { title: this.title() }));
    }
    this.slots.footer.replaceChildren(...this.footer(m));
  }

  title() {
    return this.kind === 'sql' ? 'askdb-sql-result' : this.request.question;
  }

  note(text) {
    return h('div', { class: 'note' }, icon('alert', { size: 14 }), h('span', { text }), this.retryButton(this.kind === 'sql' ? 'Run again' : 'Ask again'));
  }

  retryButton(label = 'Retry') {
    const button = h('button', { class: 'button button-small', type: 'button', testid: 'retry-button' }, icon('refresh', { size: 14 }), h('span', { text: label }));
    button.addEventListener('click', () => this.ctx.retry(this.request));
    return button;
  }

  errorCard(code, message) {
    return h(
      'div',
      { class: 'error-card', testid: 'error-card', role: 'alert', dataset: { code: String(code || '') } },
      icon('alert', { size: 18, className: 'error-icon' }),
      h(
        'div',
        { class: 'error-body' },
        h('div', { class: 'error-title', text: ERROR_TITLES[code] || 'This question could not be answered' }),
        h('p', { class: 'error-message', text: message || 'Something went wrong.' }),
        h('div', { class: 'error-actions' }, this.retryButton()),
      ),
    );
  }

  earlierAttempts(m) {
    const attempts = Array.isArray(m.attempts) ? m.attempts.slice() : [];
    if (attempts.length > 0 && attempts[attempts.length - 1]?.sql === m.sql) attempts.pop();
    const failed = attempts.filter((a) => a && a.error);
    if (failed.length === 0) return [];
    return [
      h(
        'details',
        { class: 'attempts', testid: 'attempts' },
        h('summary', {}, icon('chevronRight', { size: 14, className: 'chevron' }), plural(failed.length, 'earlier attempt')),
        failed.map((a, i) =>
          h(
            'div',
            { class: 'attempt' },
            h('div', { class: 'attempt-head', text: `Attempt ${i + 1}: ${errorText(a.error)}` }),
            h('pre', { class: 'sql-code' }, h('code', {}, highlightSql(String(a.sql || '')))),
          ),
        ),
      ),
    ];
  }

  footer(m) {
    const facts = [];
    if (m.verified_match && typeof m.verified_match === 'object') {
      const v = m.verified_match;
      const similarity = typeof v.similarity === 'number' ? ` (${Math.round(v.similarity * 100)}% alike)` : '';
      facts.push(
        h('span', { class: 'badge badge-verified', testid: 'verified-badge', title: `Answered from the verified question “${v.question || ''}”${similarity}` }, icon('verified', { size: 13 }), 'verified'),
      );
    }
    const total = m.timings_ms && m.timings_ms.total;
    if (typeof total === 'number' && m.status === 'done') facts.push(h('span', { text: `${this.kind === 'sql' ? 'Ran' : 'Answered'} in ${formatSeconds(total)}` }));
    const t = m.tokens || {};
    const tokens = (Number(t.prompt) || 0) + (Number(t.completion) || 0);
    if (tokens > 0) {
      const cost = formatUsd(t.cost_usd);
      facts.push(h('span', { testid: 'usage', title: usageLines(t), text: cost ? `${plural(tokens, 'token')} · ${cost}` : plural(tokens, 'token') }));
    }
    const parts = [h('div', { class: 'facts' }, facts)];
    if (this.kind === 'question' && m.status === 'done' && m.id && m.sql) parts.push(this.feedbackButtons(m));
    return parts;
  }

  feedbackButtons(m) {
    const rating = m.feedback && m.feedback.rating;
    const up = h('button', {
      class: 'icon-button feedback',
      type: 'button',
      testid: 'thumbs-up',
      title: 'Save this question and SQL as a verified example',
      'aria-label': 'Good answer: save this question and SQL as a verified example',
    }, icon('thumbsUp'));
    const down = h('button', {
      class: 'icon-button feedback',
      type: 'button',
      testid: 'thumbs-down',
      title: 'Wrong answer: do not use it as an example',
      'aria-label': 'Wrong answer: do not use it as an example',
    }, icon('thumbsDown'));
    const paint = (value) => {
      up.setAttribute('aria-pressed', String(value === 'up'));
      down.setAttribute('aria-pressed', String(value === 'down'));
    };
    paint(rating);
    const send = async (value) => {
      if (up.getAttribute(`aria-pressed`) === 'true' && value === 'up') return;
      if (down.getAttribute(`aria-pressed`) === 'true' && value === 'down') return;
      up.disabled = down.disabled = true;
      try {
        const reply = await this.ctx.api.feedback(m.id, value);
        paint(reply && reply.rating ? reply.rating : value);
        this.ctx.toasts.show(value === 'up' ? 'Saved as a verified example.' : 'Thanks. This answer will not be used as an example.');
      } catch (err) {
        this.ctx.toasts.error(err, 'Feedback not saved:');
      } finally {
        up.disabled = down.disabled = false;
      }
    };
    up.addEventListener('click', () => send('up'));
    down.addEventListener('click', () => send('down'));
    return h('div', { class: 'feedback-buttons', role: 'group', 'aria-label': 'Feedback' }, up, down);
  }
}
