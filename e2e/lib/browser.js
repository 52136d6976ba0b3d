// Debian's chromium driven by playwright-core, and axe-core accessibility checks.
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { repoRoot } from './server.js';

const require = createRequire(import.meta.url);

// Run the pinned axe-core (package.json), not the copy @axe-core/playwright bundles.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const axeVersion = require('axe-core/package.json').version;

export const screenshotDir = join(repoRoot, 'e2e', 'screenshots');

export const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// newPage opens a page in a fresh context (own cookies) and records what would make a
// page broken for a person: script errors, failed or 4xx/5xx requests, and requests to
// any host but the server under test (assets must be embedded; the machine is offline).
export async function newPage(browser, baseURL, kind = 'desktop') {
  const context = await browser.newContext({ ...viewports[kind], locale: 'zh-CN', baseURL });
  const page = await context.newPage();
  const origin = new URL(baseURL).origin;
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url().startsWith('data:')) return;
    problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('about:')) {
      problems.push(`request outside the server: ${r.method()} ${u}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

// login submits the login form and waits until the browser leaves /login, or fails with
// what the page said.
export async function login(page, { username, password }) {
  const resp = await page.goto('/login');
  if (!resp || resp.status() !== 200) throw new Error(`GET /login answered ${resp?.status()}`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  const submit = page.locator('form:has(#password) [type=submit]');
  await submit.first().click();
  try {
    await page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 });
  } catch {
    const said = (await page.locator('[role=alert], .error').allInnerTexts().catch(() => [])).join(' | ');
    throw new Error(`login as ${username} stayed on ${page.url()}; the page says: ${said || '(nothing)'}`);
  }
  await page.waitForLoadState('load');
}

const blocking = new Set(['serious', 'critical']);

// checkAccessibility runs axe on the page and returns its serious and critical violations
// as readable text ('' when there are none). Minor and moderate ones are printed as notes.
export async function checkAccessibility(page, label) {
  const results = await new AxeBuilder({ page, axeSource }).analyze();
  const format = (v) => {
    const nodes = v.nodes.slice(0, 10).map((n) => {
      const summary = (n.failureSummary || '').split('\n').map((l) => `        ${l}`).join('\n');
      return `      at ${n.target.join(' ')}\n        ${n.html.slice(0, 200)}\n${summary}`;
    }).join('\n');
    const more = v.nodes.length > 10 ? `\n      … and ${v.nodes.length - 10} more` : '';
    return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
  };
  const bad = results.violations.filter((v) => blocking.has(v.impact));
  const notes = results.violations.filter((v) => !blocking.has(v.impact));
  if (notes.length) {
    console.log(`# axe ${results.testEngine.version} on ${label}: ${notes.length} minor/moderate finding(s) (not failing):`);
    for (const v of notes) console.log(`#   [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element(s))`);
  }
  if (!bad.length) return '';
  return `axe ${results.testEngine.version} found ${bad.length} serious/critical violation(s) on ${label}:\n${bad.map(format).join('\n')}`;
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// assertFitsPhone fails when the page scrolls sideways on the phone screen it is shown on.
export async function assertFitsPhone(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  }));
  assert.ok(scroll <= width + 1, `${what} is ${scroll}px wide on a ${width}px phone screen (scrolls sideways)`);
}

// checkPage runs axe and takes a screenshot named shot; on a phone it also checks the
// page does not scroll sideways. It fails on any serious or critical axe violation.
export async function checkPage(page, label, shot, phone) {
  const a11y = await checkAccessibility(page, label);
  await screenshot(page, shot);
  if (phone) await assertFitsPhone(page, label);
  assert.equal(a11y, '', a11y);
}
