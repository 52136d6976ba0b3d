// Browser test of home-care orders (issue 5) on the demo county: the older
// person books on a phone in three big steps, the family sees the confirmation
// code, the dispatcher assigns on the board, the caregiver checks in and out on
// the phone pages with a mocked position (a check-out 2 km away is flagged with
// the distance), confirms with the older person's code, and the statement page
// renders. axe-core on every page; phone-size screenshots in e2e/screenshots/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSuite } from '../lib/suite.js';
import {
  newPage, login, checkPage,
} from '../lib/browser.js';

describe('home-care orders in a browser', () => {
  const demo = demoSuite();
  const { account } = demo;

  test('the older person books a visit on a phone in three steps', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-elder'));
      await page.getByRole('link', { name: /预约上门服务/ }).first().click();
      await page.waitForURL(/\/orders\/new/);
      await checkPage(page, '/orders/new (demo-elder, phone)', 'orders-book-phone', true);
      await page.locator('input[name=option]').first().check();
      await page.getByText('明天', { exact: true }).click();
      await page.locator('label.choice', { hasText: '09:00' }).click();
      await page.locator('#needs').fill('请帮忙换床单');
      await page.getByRole('button', { name: '确认预约' }).click();
      await page.waitForURL(/\/orders\/\d+\?msg=order_placed/);
      assert.match(await page.locator('main').innerText(), /预约成功/);
      assert.match(await page.locator('main').innerText(), /待接单/);
      await checkPage(page, '/orders/{id} (demo-elder, phone)', 'orders-placed-phone', true);
      await page.goto('/orders');
      const cards = page.locator('.order-card');
      assert.ok(await cards.count() >= 6, 'the older person sees the demo orders and the new one');
      await checkPage(page, '/orders (demo-elder, phone)', 'orders-mine-phone', true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the family member sees the confirmation code of the visit under way', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-family'));
      await page.goto('/orders');
      const code = page.locator('.order-card b.code').first();
      assert.match((await code.innerText()).trim(), /^\d{6}$/);
      await checkPage(page, '/orders (demo-family, phone)', 'orders-family-phone', true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the dispatcher assigns a waiting order on the board', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'desktop');
    try {
      await login(page, account('demo-dispatcher'));
      await page.goto('/dispatch');
      assert.match(await page.locator('h1').innerText(), /调度台/);
      await checkPage(page, '/dispatch (demo-dispatcher)', 'orders-board-desktop', false);
      const row = page.locator('.board-row', { has: page.locator('form.assign select') }).first();
      assert.ok(await row.count() === 1, 'an order waiting on the board has caregiver suggestions');
      const id = (await row.getAttribute('id')).slice(1);
      await row.getByRole('button', { name: /^派单$/ }).click();
      await page.waitForURL(/msg=order_assign/);
      assert.match(await page.locator(`#o${id}`).innerText(), /已派单/);
      await page.goto('/statements');
      assert.match(await page.locator('main').innerText(), /结算次数/);
      await checkPage(page, '/statements (demo-dispatcher)', 'orders-statement-desktop', false);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the caregiver checks in and out on the phone, far check-out flagged, confirms with the code', async () => {
    const { context, page, problems } = await newPage(demo.browser, demo.server.url, 'phone');
    try {
      await login(page, account('demo-caregiver'));
      await page.goto('/visits');
      await checkPage(page, '/visits (demo-caregiver, phone)', 'orders-visits-phone', true);
      await page.locator('.order-card a', { hasText: '助餐' }).first().click();
      await page.waitForURL(/\/visits\/\d+$/);
      const id = page.url().split('/').pop();
      await checkPage(page, '/visits/{id} (demo-caregiver, phone)', 'orders-visit-phone', true);
      const geo = await page.locator('a[href^="geo:"]').first().getAttribute('href');
      const [lat, lng] = geo.slice(4).split('?')[0].split(',').map(Number);
      await context.grantPermissions(['geolocation'], { origin: demo.server.url });
      await context.setGeolocation({ latitude: lat + 0.0005, longitude: lng, accuracy: 15 });
      await page.getByRole('button', { name: /签到/ }).click();
      await page.waitForURL(/msg=order_check_in/);
      assert.doesNotMatch(await page.locator('main').innerText(), /签到位置距服务地址/);
      // Checking out 2 km away is flagged with the distance, not silently accepted.
      await context.setGeolocation({ latitude: lat + 0.018, longitude: lng, accuracy: 15 });
      await page.getByRole('button', { name: /签退/ }).click();
      await page.waitForURL(/msg=order_check_out/);
      assert.match(await page.locator('main').innerText(), /签退位置距服务地址 2\.0 公里/);
      await checkPage(page, '/visits/{id} flagged (demo-caregiver, phone)', 'orders-visit-flagged-phone', true);

      // The older person reads the code from their own page.
      const elder = await newPage(demo.browser, demo.server.url, 'phone');
      let code;
      try {
        await login(elder.page, account('demo-elder'));
        await elder.page.goto(`/orders/${id}`);
        code = (await elder.page.locator('.big-code').innerText()).trim();
        await checkPage(elder.page, '/orders/{id} code (demo-elder, phone)', 'orders-code-phone', true);
        assert.deepEqual(elder.problems, []);
      } finally {
        await elder.context.close();
      }
      assert.match(code, /^\d{6}$/);
      await page.locator('#code').fill(code);
      await page.getByRole('button', { name: '提交确认码' }).click();
      await page.waitForURL(/msg=order_confirm/);
      assert.match(await page.locator('.visit-state').innerText(), /已确认/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
