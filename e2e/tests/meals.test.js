// Browser test of meal assistance and vouchers (issue 5) on the demo county: the
// older person sees their meal voucher, orders the day after tomorrow's lunch on a phone in
// one tap with the voucher, sees who pays what, and finds the voucher spent; the
// canteen's staff see the order on the kitchen's count page; the official sees
// the voucher batch and the canteen statement. axe-core on every page; phone
// screenshots in e2e/screenshots/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSuite } from '../lib/suite.js';
import {
  newPage, login, checkPage,
} from '../lib/browser.js';

describe('meals and vouchers in a browser', () => {
  const demo = demoSuite();
  const { account } = demo;

  test('the older person orders a meal on a phone with their voucher', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-elder'));
      await page.getByRole('link', { name: /订餐/ }).first().click();
      await page.waitForURL(/\/meals$/);
      const voucher = page.locator('.voucher-card').first();
      await voucher.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await voucher.innerText(), /5\.00/, 'the demo meal voucher of 5 yuan is shown');
      await checkPage(page, '/meals (demo-elder, phone)', 'meals-order-phone', true);
      // The day after tomorrow's lunch: open whatever the time of day, and not
      // ordered by the demo (which orders today's and tomorrow's meals).
      const form = page.locator('form.meal-menu', { has: page.locator('h3', { hasText: '后天 午餐' }) }).first();
      assert.equal(await form.count(), 1, "the day after tomorrow's lunch is on the menu");
      await form.locator('label.choice', { hasText: '自取' }).click();
      assert.ok(await form.locator('input[name=use_voucher]').isChecked(), 'the voucher is used by default');
      await form.getByRole('button', { name: '订这一餐' }).click();
      await page.waitForURL(/\/meals\/orders\/\d+$/);
      const main = await page.locator('main').innerText();
      assert.match(main, /订好了/);
      // 12 yuan: 1 canteen discount + 1 donation + 3 subsidy (aged 80+) + 5 voucher + 2 the person pays.
      assert.match(main, /消费券\s*−5\.00/, 'the voucher paid 5 yuan');
      assert.match(main, /您付\s*2\.00/, 'the person pays 2 yuan');
      assert.match(main, /您付/);
      await checkPage(page, '/meals/orders/{id} (demo-elder, phone)', 'meals-done-phone', true);
      await page.goto('/vouchers');
      assert.match(await page.locator('main').innerText(), /已使用/);
      await checkPage(page, '/vouchers (demo-elder, phone)', 'meals-vouchers-phone', true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("the canteen's kitchen page counts the order", async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'desktop');
    try {
      await login(page, account('demo-canteen'));
      await page.goto('/canteens');
      await page.locator('table a[href^="/canteens/"]').first().click();
      await page.waitForURL(/\/canteens\/\d+$/);
      await checkPage(page, '/canteens/{id} (demo-canteen)', 'meals-canteen-desktop', false);
      await page.getByRole('link', { name: '后厨当日统计' }).click();
      await page.waitForURL(/\/kitchen/);
      for (let i = 0; i < 2; i++) {
        await page.getByRole('link', { name: /后一天/ }).click();
        await page.waitForURL(/day=/);
      }
      const main = await page.locator('main').innerText();
      assert.match(main, /午餐 · 1 份/, "the day after tomorrow's lunch counts the one order");
      assert.match(main, /李秀兰/);
      await checkPage(page, '/canteens/{id}/kitchen (demo-canteen)', 'meals-kitchen-desktop', false);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the official sees the voucher batch and the canteen statement', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-official'));
      await page.goto('/vouchers');
      await checkPage(page, '/vouchers (demo-official, phone)', 'meals-vouchers-official-phone', true);
      await page.locator('table a[href^="/vouchers/batches/"]').first().click();
      await page.waitForURL(/\/vouchers\/batches\/\d+$/);
      assert.match(await page.locator('main').innerText(), /李秀兰/);
      await checkPage(page, '/vouchers/batches/{id} (demo-official, phone)', 'meals-batch-phone', true);
      await page.goto('/canteens');
      await page.locator('table a[href^="/canteens/"]').first().click();
      await page.getByRole('link', { name: '月度结算' }).click();
      await page.waitForURL(/\/statement/);
      assert.match(await page.locator('main').innerText(), /政府应付/);
      await checkPage(page, '/canteens/{id}/statement (demo-official)', 'meals-statement-phone', false);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
