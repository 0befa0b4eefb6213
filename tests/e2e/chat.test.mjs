#!/usr/bin/env node
// Browser test of askdb's web chat: `askdb demo` (embedded PostgreSQL with the demo data, the
// web chat and the API) against fake_openai (a scripted OpenAI-compatible server), driven by
// headless Chromium through playwright-core.
//
//   node tests/e2e/chat.test.mjs [BUILD_DIR]        (tests/e2e/run.sh installs what it needs)
//
// BUILD_DIR (default: ASKDB_BUILD_DIR, else <repo>/build) holds askdb and fake_openai.
// Environment, all optional:
//   ASKDB_BINARY, FAKE_OPENAI   the two programs (default: in BUILD_DIR)
//   CHROMIUM                    the browser (default: /usr/bin/chromium)
//   E2E_OUT                     where the screenshots go (default: BUILD_DIR/e2e)
//   E2E_KEEP=1                  keep the temporary folder (ASKDB_HOME, logs) for a look afterwards
//
// What it checks, in order: the page loads clean (title, no console errors, CSP violations or
// failed requests); a question streams (status line, then an answer that grows while it is
// written), then shows its SQL, rows, row count and chart; after a reload the conversation is
// listed and opens at #/c/<id> with the stored answer; a follow-up is answered in the same
// conversation with the conversation passed to the LLM; thumbs up is stored; then screenshots
// in light, dark and phone sizes. Exits 0 when every step passed, 1 otherwise; the child
// processes (askdb, fake_openai, the browser) and the temporary folder are always cleaned up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const BUILD_DIR = path.resolve(process.argv[2] || process.env.ASKDB_BUILD_DIR || path.join(REPO, 'build'));
const ASKDB = process.env.ASKDB_BINARY || path.join(BUILD_DIR, 'askdb');
const FAKE_OPENAI = process.env.FAKE_OPENAI || path.join(BUILD_DIR, 'fake_openai');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = path.resolve(process.env.E2E_OUT || path.join(BUILD_DIR, 'e2e'));
const KEEP = process.env.E2E_KEEP === '1';

const START_TIMEOUT_MS = 120_000; // first run: initdb and the demo data
const ANSWER_TIMEOUT_MS = 60_000;

// ---- the conversation the fake LLM plays ---------------------------------------------------

const QUESTION = 'What was the revenue by month in 2025?';
const FOLLOW_UP = 'And only for the first quarter?';
const SQL_BY_MONTH =
  "SELECT month, revenue FROM monthly_revenue WHERE month >= DATE '2025-01-01' AND month < DATE '2026-01-01' ORDER BY month";
// q1_revenue marks the follow-up's SQL, so the rule for its answer cannot match anything else.
const SQL_FIRST_QUARTER =
  "SELECT month, revenue AS q1_revenue FROM monthly_revenue WHERE month >= DATE '2025-01-01' AND month < DATE '2025-04-01' ORDER BY month";
// About 50 words, 2 per chunk, 100 ms apart: the answer streams for about 2.5 s.
const ANSWER =
  'Revenue in 2025 stayed within a fairly narrow band from month to month. The table lists ' +
  'every month from January to December with its revenue in US dollars, and the line chart ' +
  'shows the same figures over time so that the stronger and the weaker months stand out at ' +
  'a glance.';
const FOLLOW_UP_ANSWER = 'In the first quarter of 2025 revenue came from January, February and March, shown month by month.';

// Rules are tried in order, first match answers; `once: false` keeps a rule for every match.
// The prompts (prompts/): the SQL request ends with "Question: <question>" and, for a
// follow-up, holds "The conversation so far" (with the earlier "Question: …" lines); the
// answer request holds the SQL that ran and ends with "Answer the question from this result."
function fakeLlmScript() {
  return {
    default_reply: "```sql\nSELECT 'no fake LLM rule matched this prompt' AS e2e_unexpected\n```",
    words_per_chunk: 2,
    rules: [
      { match: 'q1_revenue', reply: FOLLOW_UP_ANSWER, chunk_delay_ms: 50, once: false },
      { match: 'Answer the question from this result', reply: ANSWER, chunk_delay_ms: 100, once: false },
      { match: 'The conversation so far', reply: '```sql\n' + SQL_FIRST_QUARTER + '\n```', delay_ms: 300, once: false },
      { match: `Question: ${QUESTION}`, reply: '```sql\n' + SQL_BY_MONTH + '\n```', delay_ms: 500, once: false },
    ],
  };
}

// ---- processes and cleanup -------------------------------------------------------------------

const children = []; // {name, proc, log}
let tmpDir = null;
let browser = null;
let mainPage = null; // screenshotted into failure.png when a step fails
let cleanedUp = false;
// Rejected when askdb or fake_openai exits before the cleanup: every step races it, so a crash
// fails the test at once instead of at the next timeout.
let childDied;
const died = new Promise((_, reject) => {
  childDied = reject;
});
died.catch(() => {});

function log(line) {
  process.stdout.write(`${line}\n`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// askdb's environment: only what this test sets points it at a database or an LLM.
function isolatedEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(ASKDB_|OPENAI_|PG)/.test(k) || k === 'DATABASE_URL') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

// Starts a program with stdout and stderr into `logFile`; resolves with the first stdout line
// matching `ready` (its match), or rejects when the program exits or `timeoutMs` passes.
function startChild(name, argv, { env, logFile, ready, timeoutMs }) {
  const logFd = fs.openSync(logFile, 'a');
  const proc = spawn(argv[0], argv.slice(1), { cwd: REPO, env, stdio: ['ignore', 'pipe', logFd] });
  fs.closeSync(logFd);
  const child = { name, proc, logFile, exited: false };
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffered = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${name} printed no ready line within ${timeoutMs / 1000} s`)), timeoutMs);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        err.message += `\n--- ${name} log (${logFile}) ---\n${buffered}${tail(logFile)}`;
        reject(err);
      } else {
        resolve(value);
      }
    }
    proc.stdout.on('data', (chunk) => {
      const text = chunk.toString();
      fs.appendFileSync(logFile, text);
      if (done) return;
      buffered += text;
      const m = ready.exec(buffered);
      if (m) finish(null, m);
    });
    proc.on('error', (err) => finish(new Error(`${name} could not start (${argv[0]}): ${err.message}`)));
    proc.on('exit', (code, signal) => {
      child.exited = true;
      if (!done) finish(new Error(`${name} exited (${signal || code}) before it was ready`));
      else if (!cleanedUp) childDied(new Error(`${name} exited (${signal || code}) during the test`));
    });
  });
}

function waitExit(child, ms) {
  if (child.exited || child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// A postmaster left running by an askdb that crashed or had to be killed (a clean stop takes the
// cluster down with it, pid file included): stopped by its pid file (fast shutdown).
async function stopLeftoverPostgres(home) {
  const pidFile = path.join(home, 'pgdata', 'postmaster.pid');
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
  } catch {
    return; // no pid file, or that process is gone: nothing to stop
  }
  log(`  cleanup: stopping the embedded PostgreSQL askdb left running (pid ${pid})`);
  for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await sleep(100);
}

async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (browser) await browser.close().catch(() => {});
  // askdb first (it stops the embedded cluster), then the fake LLM.
  for (const child of [...children].reverse()) {
    if (child.exited) continue;
    try {
      child.proc.kill('SIGTERM');
    } catch {
      // already gone
    }
    if (!(await waitExit(child, 30_000))) {
      log(`  cleanup: ${child.name} did not stop within 30 s of SIGTERM; killing it`);
      try {
        child.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
      await waitExit(child, 5_000);
    }
  }
  if (tmpDir) await stopLeftoverPostgres(path.join(tmpDir, 'home'));
  if (tmpDir) {
    if (KEEP) log(`  kept ${tmpDir}`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\n${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---- the page --------------------------------------------------------------------------------

// Everything that went wrong in a page: console errors, uncaught exceptions, CSP violations,
// failed requests and HTTP errors. check() fails the step when anything was recorded.
class PageProblems {
  constructor(label) {
    this.label = label;
    this.items = [];
    this.navigating = false; // a reload aborts what the old page had in flight: not a problem
  }

  async watch(page) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.items.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.items.push(`uncaught exception: ${err.message}`));
    page.on('requestfailed', (req) => {
      const reason = req.failure()?.errorText || '';
      if (this.navigating && reason === 'net::ERR_ABORTED') return;
      this.items.push(`request failed: ${req.method()} ${req.url()} (${reason})`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) this.items.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    });
    await page.exposeFunction('__e2eCspViolation', (text) => this.items.push(`CSP violation: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__e2eCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
  }

  check(when) {
    assert.deepEqual(this.items, [], `${this.label}: problems ${when}:\n  ${this.items.join('\n  ')}`);
  }
}

// The effective background colour's luminance (0 black … 1 white) at the middle of the page.
async function backgroundLuminance(page) {
  return page.evaluate(() => {
    let el = document.elementFromPoint(window.innerWidth / 2, window.innerHeight / 2);
    while (el) {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(getComputedStyle(el).backgroundColor);
      if (m && (m[4] === undefined || Number(m[4]) > 0.5)) return (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255;
      el = el.parentElement;
    }
    return 1; // nothing painted: the browser's white
  });
}

async function answerState(card) {
  return card.evaluate((el) => ({
    status: el.dataset.status || '',
    length: (el.querySelector('[data-testid=answer-text]')?.textContent || '').length,
  }));
}

const normalize = (s) => String(s || '').replace(/\s+/g, ' ').trim();

// ---- the test --------------------------------------------------------------------------------

let stepNumber = 0;
async function step(title, body) {
  stepNumber += 1;
  const started = Date.now();
  log(`[${stepNumber}] ${title}`);
  await Promise.race([body(), died]);
  log(`    ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function getJson(baseUrl, route) {
  const res = await fetch(new URL(route, baseUrl));
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${route} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function main() {
  for (const [what, file] of [['askdb', ASKDB], ['fake_openai', FAKE_OPENAI], ['Chromium', CHROMIUM]]) {
    assert.ok(fs.existsSync(file), `${what} not found at ${file} (build it, or set ${what === 'Chromium' ? 'CHROMIUM' : what === 'askdb' ? 'ASKDB_BINARY' : 'FAKE_OPENAI'})`);
  }
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'askdb-e2e-'));
  const home = path.join(tmpDir, 'home');
  fs.mkdirSync(home);
  // As root askdb runs the embedded cluster as `postgres`, which must reach into the home.
  fs.chmodSync(tmpDir, 0o711);
  fs.chmodSync(home, 0o711);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  log(`askdb ${ASKDB}\nfake_openai ${FAKE_OPENAI}\ntemporary folder ${tmpDir}`);

  let baseUrl = '';
  await step('start fake_openai and `askdb demo --port 0`', async () => {
    const script = path.join(tmpDir, 'rules.json');
    fs.writeFileSync(script, JSON.stringify(fakeLlmScript(), null, 2));
    const [, llmPort] = await startChild('fake_openai', [FAKE_OPENAI, '--port', '0', '--script', script], {
      env: process.env,
      logFile: path.join(tmpDir, 'fake_openai.log'),
      ready: /listening on 127\.0\.0\.1:(\d+)/,
      timeoutMs: 10_000,
    });
    const env = isolatedEnv({
      ASKDB_HOME: home,
      ASKDB_LLM_PROVIDER: 'openai',
      ASKDB_LLM_BASE_URL: `http://127.0.0.1:${llmPort}/v1`,
      ASKDB_LLM_MODEL: 'fake',
    });
    const [, url] = await startChild('askdb', [ASKDB, 'demo', '--host', '127.0.0.1', '--port', '0'], {
      env,
      logFile: path.join(tmpDir, 'askdb.log'),
      ready: /the web chat is at (http:\/\/\S+)/,
      timeoutMs: START_TIMEOUT_MS,
    });
    baseUrl = url.endsWith('/') ? url : `${url}/`;
    log(`    web chat at ${baseUrl}, fake LLM on port ${llmPort}`);
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // No GPU, no network beyond loopback (Playwright already turns off background networking,
    // component updates and sync); Chromium's sandbox refuses to run as root.
    args: ['--disable-gpu', '--disable-quic', ...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [])],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  mainPage = page;
  const problems = new PageProblems('the main page');
  await problems.watch(page);
  page.setDefaultTimeout(15_000);

  await step('open the page: title, no console errors, CSP violations or failed requests', async () => {
    await page.goto(baseUrl, { waitUntil: 'networkidle' });
    assert.match(await page.title(), /askdb/i);
    await page.locator('[data-testid=question-input]').waitFor({ state: 'visible' });
    await page.locator('[data-testid=conversation-list]').waitFor({ state: 'attached' });
    problems.check('after loading the page');
  });

  const cards = page.locator('[data-testid=message]');
  await step(`ask "${QUESTION}": status line, streamed answer, SQL, rows, row count, chart`, async () => {
    const input = page.locator('[data-testid=question-input]');
    await input.fill(QUESTION);
    await input.press('Enter');
    await page.locator('[data-testid=status-line]').first().waitFor({ state: 'visible' });
    log('    saw the status line');

    const card = cards.last();
    // Two samples of the answer while it is being written: it must grow before `done`.
    await page.waitForFunction(
      () => {
        const cs = document.querySelectorAll('[data-testid=message]');
        const el = cs[cs.length - 1];
        return el && (el.querySelector('[data-testid=answer-text]')?.textContent || '').length > 0;
      },
      null,
      { timeout: ANSWER_TIMEOUT_MS },
    );
    const first = await answerState(card);
    await sleep(400);
    const second = await answerState(card);
    log(`    answer samples: ${first.length} chars (${first.status}), then ${second.length} chars (${second.status})`);
    assert.notEqual(first.status, 'done', 'the answer was complete at the first sample: it did not stream');
    assert.notEqual(second.status, 'done', 'the answer was complete 400 ms after it began: it did not stream');
    assert.ok(second.length > first.length, `the answer did not grow while streaming (${first.length} → ${second.length} chars)`);

    await page.locator('[data-testid=message][data-status=done]').first().waitFor({ timeout: ANSWER_TIMEOUT_MS });
    assert.equal(normalize(await card.locator('[data-testid=answer-text]').textContent()), normalize(ANSWER));
    const sql = await card.locator('[data-testid=sql-block]').textContent();
    assert.match(sql, /SELECT/i);
    assert.match(sql, /monthly_revenue/);
    const table = card.locator('[data-testid=result-table]');
    await table.waitFor({ state: 'attached' });
    const rows = await table.locator('tbody tr').count();
    assert.ok(rows > 0, 'the result table has no rows');
    const rowCount = normalize(await card.locator('[data-testid=row-count]').textContent());
    assert.match(rowCount, /\b12 rows?\b/, `row count "${rowCount}" (2025 has 12 months)`);
    const canvas = card.locator('[data-testid=chart] canvas');
    await canvas.waitFor({ state: 'visible' });
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 50, `the chart canvas is ${JSON.stringify(box)}`);
    log(`    ${rows} table rows shown, "${rowCount}", chart ${Math.round(box.width)}×${Math.round(box.height)}`);
    problems.check('while asking');
  });

  let conversationId = '';
  await step('reload: the conversation is listed and opens at #/c/<id> with the stored answer', async () => {
    problems.navigating = true;
    await page.reload({ waitUntil: 'networkidle' });
    problems.navigating = false;
    const item = page.locator('[data-testid=conversation-item]', { hasText: QUESTION });
    await item.first().waitFor({ state: 'visible' });
    await item.first().locator('a').first().click();
    await page.waitForURL(/#\/c\/[^/]+$/);
    conversationId = decodeURIComponent(/#\/c\/([^/]+)$/.exec(page.url())[1]);
    assert.match(conversationId, /^[0-9a-f-]{36}$/i, `conversation id ${conversationId}`);
    const stored = page.locator('[data-testid=message][data-status=done]');
    await stored.first().waitFor();
    assert.equal(await cards.count(), 1, 'one message in the reopened conversation');
    assert.equal(normalize(await stored.first().locator('[data-testid=answer-text]').textContent()), normalize(ANSWER));
    await page.locator('[data-testid=question-text]', { hasText: QUESTION }).first().waitFor();
    const list = await getJson(baseUrl, 'api/v1/conversations');
    const summary = list.conversations.find((c) => c.id === conversationId);
    assert.ok(summary, `GET /api/v1/conversations lacks ${conversationId}`);
    assert.equal(summary.title, QUESTION);
    log(`    conversation ${conversationId}`);
    problems.check('after the reload');
  });

  await step(`follow-up "${FOLLOW_UP}" in the same conversation`, async () => {
    const input = page.locator('[data-testid=question-input]');
    await input.fill(FOLLOW_UP);
    await input.press('Enter');
    await page.waitForFunction(
      () => {
        const cs = document.querySelectorAll('[data-testid=message]');
        return cs.length === 2 && cs[1].dataset.status === 'done';
      },
      null,
      { timeout: ANSWER_TIMEOUT_MS },
    );
    assert.equal(normalize(await cards.nth(1).locator('[data-testid=answer-text]').textContent()), normalize(FOLLOW_UP_ANSWER));
    assert.ok(page.url().endsWith(`#/c/${conversationId}`), `the page moved to ${page.url()}`);
    const conv = await getJson(baseUrl, `api/v1/conversations/${conversationId}`);
    assert.equal(conv.messages.length, 2, 'two messages in the conversation');
    const [m1, m2] = conv.messages;
    assert.equal(m1.question, QUESTION);
    assert.equal(m2.question, FOLLOW_UP);
    assert.equal(m2.status, 'done');
    // The fake LLM writes q1_revenue only for a prompt that carries the conversation so far.
    assert.match(m2.sql || '', /q1_revenue/, 'the follow-up was not asked with the conversation so far');
    assert.equal(m2.row_count, 3);
    assert.equal(normalize(m2.answer), normalize(FOLLOW_UP_ANSWER));
    problems.check('after the follow-up');
  });

  await step('thumbs up on the first answer is stored', async () => {
    await cards.first().locator('[data-testid=thumbs-up]').click();
    let rating = null;
    for (let i = 0; i < 50 && rating !== 'up'; i++) {
      if (i > 0) await sleep(200);
      const conv = await getJson(baseUrl, `api/v1/conversations/${conversationId}`);
      rating = conv.messages[0].feedback?.rating ?? null;
    }
    assert.equal(rating, 'up', 'GET /api/v1/conversations/{id}: messages[0].feedback.rating');
    problems.check('after the thumbs up');
  });

  await step(`screenshots into ${OUT_DIR}`, async () => {
    // A fresh page per look, opened on the conversation and scrolled to the first question
    // (its 12-month chart), once the chart has been drawn.
    const capture = async (name, options) => {
      const ctx = await browser.newContext(options);
      const p = await ctx.newPage();
      const pageProblems = new PageProblems(name);
      await pageProblems.watch(p);
      p.setDefaultTimeout(15_000);
      await p.goto(`${baseUrl}#/c/${encodeURIComponent(conversationId)}`, { waitUntil: 'networkidle' });
      await p.locator('[data-testid=message][data-status=done]').nth(1).waitFor();
      await p.locator('[data-testid=chart] canvas').first().waitFor({ state: 'attached' });
      await p.evaluate(() => document.fonts.ready);
      await p.locator('[data-testid=question-text]').first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await sleep(800); // the chart's entry animation
      const file = path.join(OUT_DIR, `${name}.png`);
      await p.screenshot({ path: file });
      log(`    ${file}`);
      const luminance = await backgroundLuminance(p);
      pageProblems.check('while taking the screenshot');
      await ctx.close();
      return luminance;
    };
    const light = await capture('chat-light', { viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const dark = await capture('chat-dark', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    assert.ok(dark < light, `the dark page is not darker than the light one (background luminance ${dark.toFixed(2)} vs ${light.toFixed(2)})`);
    await capture('chat-phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'light' });
  });
}

let failed = false;
try {
  await main();
  log('PASS: askdb web chat end-to-end');
} catch (err) {
  failed = true;
  log(`FAIL: ${err && err.stack ? err.stack : err}`);
  if (mainPage) {
    const file = path.join(OUT_DIR, 'failure.png');
    if (await mainPage.screenshot({ path: file, timeout: 5_000 }).then(() => true, () => false)) log(`the page at the failure: ${file}`);
  }
  for (const child of children) {
    log(`--- last lines of ${child.name}'s log (${child.logFile}) ---\n${tail(child.logFile)}`);
  }
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
