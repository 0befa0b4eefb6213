// The page's entry point: theme and icons, then GET /api/v1/session (the login form first
// when auth is "local" and nobody is signed in), then the sidebar, the chat and the
// #/c/<id> router. Any later 401 brings the login form back over the page.

import { $ } from './dom.js';
import { hydrateIcons } from './icons.js';
import { initTheme } from './theme.js';
import { Api } from './api.js';
import { Toasts } from './toast.js';
import { LoginScreen } from './login.js';
import { Sidebar } from './sidebar.js';
import { SchemaPanel } from './schema_panel.js';
import { Chat } from './chat.js';

const api = new Api();
const toasts = new Toasts($('#toasts'));
let session = { auth: 'none', user: null };

hydrateIcons(document);
initTheme($('[data-testid="theme-toggle"]'));

const login = new LoginScreen(
  {
    overlay: $('#login'),
    form: $('[data-testid="login-form"]'),
    user: $('#login-user'),
    password: $('#login-password'),
    error: $('#login-error'),
    submit: $('#login-submit'),
    note: $('#login-note'),
  },
  { api },
);

const sidebar = new Sidebar($('[data-testid="conversation-list"]'), {
  api,
  toasts,
  onDeleted: (id) => chat.deleted(id),
  onRenamed: (summary) => chat.renamed(summary),
});

const chat = new Chat(
  {
    scroller: $('#thread-scroll'),
    thread: $('#thread'),
    empty: $('#empty-state'),
    title: $('#conversation-title'),
    composer: {
      form: $('#composer'),
      input: $('[data-testid="question-input"]'),
      send: $('[data-testid="send-button"]'),
      stop: $('[data-testid="stop-button"]'),
    },
  },
  { api, toasts, sidebar },
);

new SchemaPanel(
  {
    button: $('[data-testid="schema-button"]'),
    panel: $('[data-testid="schema-panel"]'),
    backdrop: $('#schema-backdrop'),
    list: $('#schema-list'),
    filter: $('#schema-filter'),
    close: $('#schema-close'),
    reload: $('#schema-reload'),
  },
  { api, toasts },
);

// ---- signing in and out ---------------------------------------------------------------

function paintUser() {
  const box = $('#user-box');
  box.hidden = !session.user;
  $('#user-name').textContent = session.user || '';
  $('#user-initial').textContent = (session.user || '?').slice(0, 1).toUpperCase();
  $('#logout').hidden = session.auth !== 'local';
}

async function signIn(note) {
  if (note) await api.session().catch(() => {}); // the ended session's CSRF token is no good
  const user = await login.ask(note);
  session = { ...session, user };
  paintUser();
  sidebar.refresh();
  chat.reloadIfFailed();
}

api.onUnauthorized = () => {
  if (session.auth === 'local') signIn('Your session ended. Sign in again; your question is kept.');
  else toasts.show('You are not signed in. Reload the page to sign in again.', { kind: 'error' });
};

$('#logout').addEventListener('click', async () => {
  try {
    await api.logout();
  } catch (err) {
    if (err.status !== 401) {
      toasts.error(err, 'Not signed out:');
      return;
    }
  }
  session = { ...session, user: null };
  paintUser();
  await api.session().catch(() => {});
  signIn('');
});

// ---- the mobile drawer ------------------------------------------------------------------

const drawer = {
  open() {
    document.body.classList.add('drawer-open');
    $('#menu-button').setAttribute('aria-expanded', 'true');
    $('#sidebar').focus();
  },
  close() {
    document.body.classList.remove('drawer-open');
    $('#menu-button').setAttribute('aria-expanded', 'false');
  },
};
$('#menu-button').addEventListener('click', () => drawer.open());
$('#drawer-backdrop').addEventListener('click', () => drawer.close());
$('#sidebar').addEventListener('keydown', (event) => {
  if (event.key === 'Escape') drawer.close();
});
$('#sidebar').addEventListener('click', (event) => {
  if (event.target.closest('.conv-link, [data-testid="new-chat"], [data-testid="schema-button"]')) drawer.close();
});

// ---- routing: #/c/<id> is an open conversation, anything else a new chat ---------------------

function route() {
  const match = /^#\/c\/([^/?#]+)/.exec(location.hash);
  chat.open(match ? decodeURIComponent(match[1]) : null);
}

for (const button of document.querySelectorAll('.js-new-chat')) {
  button.addEventListener('click', () => {
    if (/^#\/c\//.test(location.hash)) location.hash = '#/';
    else chat.open(null);
  });
}

// ---- start --------------------------------------------------------------------------------

async function start() {
  const status = $('#boot');
  try {
    session = await api.session();
  } catch (err) {
    status.hidden = false;
    $('#boot-message').textContent = err.describe ? err.describe() : String(err.message || err);
    return;
  }
  status.hidden = true;
  document.body.classList.remove('booting');
  if (session.auth === 'local' && !session.user) await signIn('');
  paintUser();
  window.addEventListener('hashchange', route);
  route();
  sidebar.refresh();
}

$('#boot-retry').addEventListener('click', () => start());
start();
