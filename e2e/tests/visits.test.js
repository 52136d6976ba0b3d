// Browser test for care visits (issue 6): the demo worker records a visit on a
// 390-px phone; the official's visit-rate dashboard shows the rate go up; the
// pages pass axe; and a member of the public reaches the report form signed out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSuite } from '../lib/suite.js';
import {
  newPage, login, checkAccessibility, screenshot, assertFitsPhone,
} from '../lib/browser.js';

describe('care visits in a browser', () => {
  const demo = demoSuite();
  const { account } = demo;

  // countyRate reads the county's rate, e.g. "60.0%", as the official sees it.
  async function countyRate(label) {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url);
    try {
      await login(page, account('demo-official'));
      const resp = await page.goto('/carevisits/rates');
      assert.equal(resp?.status(), 200);
      const rate = (await page.locator('#rate-total').innerText()).trim();
      await page.locator('#rate-chart svg').first().waitFor({ state: 'attached', timeout: 10_000 });
      const a11y = await checkAccessibility(page, `/carevisits/rates (${label})`);
      await screenshot(page, `carevisit-rates-${label}`);
      assert.equal(a11y, '', a11y);
      assert.deepEqual(problems, []);
      return rate;
    } finally {
      await context.close();
    }
  }

  const pct = (s) => Number.parseFloat(s.replace('%', ''));

  test('a worker records a visit on a phone and the county rate goes up', async () => {
    const before = await countyRate('before');
    assert.ok(pct(before) > 0 && pct(before) < 100, `the demo rate should be neither 0 nor 100 %, it is ${before}`);

    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-worker'));
      let resp = await page.goto('/carevisits');
      assert.equal(resp?.status(), 200);
      const pending = page.locator('li.cv-person.pending');
      const n = await pending.count();
      assert.ok(n > 0, 'the demo worker should have someone still to visit');
      await assertFitsPhone(page, 'the visit list');
      let a11y = await checkAccessibility(page, '/carevisits (phone)');
      await screenshot(page, 'carevisit-list-phone');
      assert.equal(a11y, '', a11y);

      await pending.first().locator('a.cv-go').click();
      await page.waitForURL(/\/carevisits\/people\/\d+\/visit$/);
      await assertFitsPhone(page, 'the visit form');
      a11y = await checkAccessibility(page, 'visit form (phone)');
      assert.equal(a11y, '', a11y);
      await page.locator('input[name=mode][value=phone]').check();
      await page.locator('input[name=health][value=fair]').check();
      await page.locator('input[name=needs][value=meals]').check();
      await page.locator('#note').fill('电话探访：身体尚可，需要助餐');
      await screenshot(page, 'carevisit-form-phone');
      await page.locator('button.cv-save').click();
      await page.waitForURL((u) => u.pathname === '/carevisits');
      const flash = page.locator('.flash');
      await flash.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await flash.innerText(), /探访记录已保存|saved/);
      assert.equal(await page.locator('li.cv-person.pending').count(), n - 1, 'one fewer person is left to visit');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }

    const after = await countyRate('after');
    assert.ok(pct(after) > pct(before), `the county rate should rise after the visit: ${before} → ${after}`);
  });

  test('the public report form works signed out and passes axe on a phone', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      const resp = await page.goto('/report');
      assert.equal(resp?.status(), 200);
      await assertFitsPhone(page, 'the report form');
      const a11y = await checkAccessibility(page, '/report (phone, signed out)');
      await screenshot(page, 'abuse-report-form-phone');
      assert.equal(a11y, '', a11y);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
