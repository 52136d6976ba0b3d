// Browser test for emergency alarms (issue 6): the demo emergency operator
// watches the live board; a vendor platform (the demo worker's account) posts
// an SOS event over HTTP; the case appears on the board over server-sent
// events without a reload; the operator acknowledges it; axe passes on the
// board and on the case page.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSuite } from '../lib/suite.js';
import {
  newPage, login, checkAccessibility, screenshot,
} from '../lib/browser.js';

describe('emergency alarms in a browser', () => {
  const demo = demoSuite();
  const { account } = demo;

  // The board's event stream is cut when the page navigates: not a problem.
  const real = (problems) => problems.filter((p) => !p.includes('/alarms/stream'));

  test('a vendor post reaches the operator board over SSE and the operator acknowledges it', async () => {
    const op = await newPage(demo.browser, demo.server.url);
    const vendor = await newPage(demo.browser, demo.server.url);
    try {
      await login(op.page, account('demo-emergency'));
      let resp = await op.page.goto('/alarms');
      assert.equal(resp?.status(), 200);
      const status = op.page.locator('#board-status');
      const live = await status.getAttribute('data-live');
      await op.page.waitForFunction((want) => document.getElementById('board-status').textContent === want, live, { timeout: 10_000 });
      const a11yBoard = await checkAccessibility(op.page, '/alarms');
      assert.equal(a11yBoard, '', a11yBoard);

      // The vendor platform posts the device's event with its account.
      await login(vendor.page, account('demo-worker'));
      const eventID = `e2e-${Date.now()}`;
      const posted = await vendor.page.evaluate(async (id) => {
        const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
        const r = await fetch('/api/v1/devices/DEMO-SOS-0001/events', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify({ id, type: 'sos', at: new Date().toISOString(), battery: 76 }),
        });
        return { status: r.status, body: await r.json() };
      }, eventID);
      assert.equal(posted.status, 201, JSON.stringify(posted.body));
      const caseID = posted.body.case_id;
      assert.ok(caseID > 0, JSON.stringify(posted.body));

      // No reload: the row arrives over the event stream.
      const row = op.page.locator(`#case-${caseID}[data-status="received"]`);
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      assert.match(await row.innerText(), /DEMO-SOS-0001/);
      assert.match(await row.innerText(), /李秀兰/);
      await screenshot(op.page, 'alarm-board');
      const a11yRow = await checkAccessibility(op.page, '/alarms with a new case');
      assert.equal(a11yRow, '', a11yRow);

      // The same event again is no second case.
      const again = await vendor.page.evaluate(async (id) => {
        const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
        const r = await fetch('/api/v1/devices/DEMO-SOS-0001/events', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify({ id, type: 'sos', at: new Date().toISOString() }),
        });
        return r.json();
      }, eventID);
      assert.equal(again.duplicate, true);
      assert.equal(again.case_id, caseID);

      // The operator acknowledges from the board and lands on the case page.
      await row.locator('button[type=submit]').click();
      await op.page.waitForURL((u) => u.pathname === `/alarms/${caseID}`, { timeout: 10_000 });
      await op.page.waitForLoadState('load');
      assert.match(await op.page.locator('#case-status').innerText(), /已接警|Acknowledged/);
      assert.match(await op.page.locator('.steps').innerText(), /acknowledged/);
      await screenshot(op.page, 'alarm-case');
      const a11yCase = await checkAccessibility(op.page, `/alarms/${caseID}`);
      assert.equal(a11yCase, '', a11yCase);
      assert.deepEqual(real(op.problems), []);
      assert.deepEqual(real(vendor.problems), []);
    } finally {
      await op.context.close();
      await vendor.context.close();
    }
  });
});
