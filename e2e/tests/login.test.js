// Browser test: a fresh data folder with the demo county, a real `yanglao serve`, and
// Debian's headless chromium. Signs in as the demo official and the demo older person,
// checks the login and home pages with axe-core, and saves screenshots to e2e/screenshots/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSuite } from '../lib/suite.js';
import {
  newPage, login, checkAccessibility, screenshot, assertFitsPhone, viewports,
} from '../lib/browser.js';

const greeting = /您好|你好|欢迎|Hello|Welcome/i;

describe('yanglao in a browser', () => {
  const demo = demoSuite();
  const { account } = demo;

  // assertHome checks that a signed-in person is on the home page and it greets them.
  async function assertHome(page, who) {
    assert.equal(new URL(page.url()).pathname, '/', `${who} should land on / after signing in`);
    const h1 = page.locator('h1').first();
    await h1.waitFor({ state: 'visible', timeout: 10_000 });
    const text = (await h1.innerText()).trim();
    assert.match(text, greeting, `${who}'s home page should greet them; its heading says "${text}"`);
    assert.equal(await page.locator('#password').count(), 0, `${who}'s home page still shows a password field`);
  }

  test('login page renders and has no serious accessibility violations', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url);
    try {
      const resp = await page.goto('/login');
      assert.equal(resp?.status(), 200);
      for (const sel of ['#username', '#password', 'form:has(#password) [type=submit]']) {
        assert.ok(await page.locator(sel).first().isVisible(), `${sel} is not visible on /login`);
      }
      const a11y = await checkAccessibility(page, '/login');
      await screenshot(page, 'login-desktop');
      assert.equal(a11y, '', a11y);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a wrong password keeps the person on the login page and says why', async () => {
    const { context, page } = await newPage(demo.browser, demo.server.url);
    try {
      await page.goto('/login');
      await page.locator('#username').fill('no-such-user');
      await page.locator('#password').fill('wrong-password');
      await page.locator('form:has(#password) [type=submit]').first().click();
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).pathname, '/login');
      const alert = page.locator('[role=alert]').first();
      await alert.waitFor({ state: 'visible', timeout: 10_000 });
      assert.notEqual((await alert.innerText()).trim(), '', 'the error message is empty');
    } finally {
      await context.close();
    }
  });

  test('official signs in, lands on a greeting home page with no serious accessibility violations', async () => {
    const official = account('demo-official');
    const { context, page, problems } = await newPage(demo.browser, demo.server.url);
    try {
      await login(page, official);
      await assertHome(page, 'demo-official');
      const a11y = await checkAccessibility(page, '/ (demo-official)');
      await screenshot(page, 'official-home-desktop');
      assert.equal(a11y, '', a11y);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`official's pages fit a ${viewports.phone.viewport.width}x${viewports.phone.viewport.height} phone screen`, async () => {
    const official = account('demo-official');
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await page.goto('/login');
      await screenshot(page, 'login-phone');
      await assertFitsPhone(page, '/login');
      await login(page, official);
      await assertHome(page, 'demo-official');
      await screenshot(page, 'official-home-phone');
      await assertFitsPhone(page, 'the official home page');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('older person signs in and their home page renders', async () => {
    const elder = account('demo-elder');
    for (const kind of ['desktop', 'phone']) {
      const { context, page, problems } = await newPage(demo.browser, demo.server.url, kind);
      try {
        await login(page, elder);
        await assertHome(page, 'demo-elder');
        const a11y = await checkAccessibility(page, `/ (demo-elder, ${kind})`);
        await screenshot(page, `elder-home-${kind}`);
        if (kind === 'phone') await assertFitsPhone(page, 'the older person\'s home page');
        assert.equal(a11y, '', a11y);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  test('serve shuts down cleanly on SIGTERM', async () => {
    await demo.browser.close();
    demo.browser = undefined;
    const { code, signal } = await demo.server.stop();
    assert.deepEqual({ code, signal }, { code: 0, signal: null },
      `yanglao serve should exit 0 after SIGTERM; log tail:\n${demo.server.output().slice(-2000)}`);
  });
});
