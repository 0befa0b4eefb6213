// The askdb HTTP API (docs/api.md) as methods. Every call:
//   - sends the X-CSRF-Token header on POST, PATCH and DELETE;
//   - turns a failure into an ApiError carrying the body's {code, message, request_id};
//   - reports a 401 to onUnauthorized (the page then shows the login form), except for
//     the login call itself, where 401 means wrong credentials.
// URLs are relative to the page, so askdb also works under a path prefix.

const BASE = new URL('api/v1/', document.baseURI);

const FALLBACK_MESSAGES = {
  400: 'askdb could not read that request.',
  401: 'Please sign in.',
  403: 'askdb refused the request (the page may be out of date: reload it).',
  404: 'That was not found. It may have been deleted.',
  413: 'That is too long to send.',
  429: 'Too many requests. Wait a moment, then try again.',
  500: 'askdb hit an internal error.',
  502: 'askdb is not reachable behind its proxy.',
  503: 'askdb is unavailable right now (shutting down, or the database is unreachable).',
};

export class ApiError extends Error {
  constructor({ status, code, message, requestId = null, retryAfter = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0: no answer from the server at all
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter; // seconds, from a 429's Retry-After
  }

  // The message a person reads, with the request id for server-side failures.
  describe() {
    let text = this.message;
    if (this.retryAfter && this.status === 429) text += ` Try again in ${this.retryAfter} s.`;
    if (this.status >= 500 && this.requestId) text += ` (request id ${this.requestId})`;
    return text;
  }
}

export function networkError() {
  return new ApiError({
    status: 0,
    code: 'network',
    message: 'Cannot reach askdb. Check your connection, then try again.',
  });
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): fall back to words of our own.
  }
  const e = body && typeof body.error === 'object' && body.error ? body.error : {};
  const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ApiError({
    status: response.status,
    code: typeof e.code === 'string' ? e.code : `http_${response.status}`,
    message:
      (typeof e.message === 'string' && e.message) ||
      FALLBACK_MESSAGES[response.status] ||
      `askdb answered ${response.status} ${response.statusText}.`.replace(' .', '.'),
    requestId: typeof e.request_id === 'string' ? e.request_id : null,
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

const id = (value) => encodeURIComponent(value);

export class Api {
  constructor() {
    this.csrf = '';
    this.onUnauthorized = () => {};
  }

  // fetch() with the rules above. Resolves to the Response when it is 2xx.
  // A 403 on a POST/PATCH/DELETE may be a stale CSRF token (the session ended or changed
  // in another tab): the token is fetched again and the call retried once.
  async request(method, path, options = {}) {
    try {
      return await this.send(method, path, options);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 403 || method === 'GET' || options.retried) throw err;
      let fresh;
      try {
        fresh = await this.session();
      } catch {
        throw err;
      }
      if (fresh.auth === 'local' && !fresh.user && !options.loginCall) {
        const expired = new ApiError({ status: 401, code: 'unauthorized', message: 'Please sign in again.' });
        this.onUnauthorized(expired);
        throw expired;
      }
      return this.send(method, path, { ...options, retried: true });
    }
  }

  async send(method, path, { body, accept = 'application/json', signal, loginCall = false } = {}) {
    const headers = { Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    let response;
    try {
      response = await fetch(new URL(path, BASE), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal,
      });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw networkError();
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (response.status === 401 && !loginCall) this.onUnauthorized(error);
      throw error;
    }
    return response;
  }

  async json(method, path, options) {
    const response = await this.request(method, path, options);
    if (response.status === 204) return null;
    try {
      return await response.json();
    } catch {
      throw new ApiError({ status: response.status, code: 'bad_response', message: 'askdb sent a reply this page cannot read.' });
    }
  }

  // {auth, user, csrf}; keeps the CSRF token for later calls.
  async session() {
    const s = await this.json('GET', 'session');
    this.csrf = typeof s.csrf === 'string' ? s.csrf : '';
    return s;
  }

  login(user, password) {
    return this.json('POST', 'login', { body: { user, password }, loginCall: true });
  }

  logout() {
    return this.json('POST', 'logout');
  }

  async listConversations() {
    const body = await this.json('GET', 'conversations');
    return Array.isArray(body.conversations) ? body.conversations : [];
  }

  createConversation() {
    return this.json('POST', 'conversations', { body: {} });
  }

  getConversation(conversationId) {
    return this.json('GET', `conversations/${id(conversationId)}`);
  }

  renameConversation(conversationId, title) {
    return this.json('PATCH', `conversations/${id(conversationId)}`, { body: { title } });
  }

  deleteConversation(conversationId) {
    return this.json('DELETE', `conversations/${id(conversationId)}`);
  }

  // Asks a question ({question}) or runs SQL ({sql}); resolves to the streaming Response.
  postMessage(conversationId, body, signal) {
    return this.request('POST', `conversations/${id(conversationId)}/messages`, {
      body,
      accept: 'text/event-stream',
      signal,
    });
  }

  feedback(messageId, rating) {
    return this.json('POST', `messages/${id(messageId)}/feedback`, { body: { rating } });
  }

  async schema() {
    const body = await this.json('GET', 'schema');
    return Array.isArray(body.tables) ? body.tables : [];
  }
}
