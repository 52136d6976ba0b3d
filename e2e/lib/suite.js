// The set-up every browser suite shares: the binary built, the demo county loaded
// into a fresh data folder, the server started and one browser launched before the
// suite's tests; all stopped and removed after (the server log printed on failure).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildBinary, makeDataDir, removeDataDir, runDemo, startServer } from './server.js';
import { launch, axeVersion } from './browser.js';

// demoSuite registers the suite's before and after hooks; call it inside describe().
// The returned object's server and browser are set once the before hook has run.
export function demoSuite() {
  const suite = {
    server: null,
    browser: null,
    dataDir: null,
    accounts: null,
    // account returns a demo account's username and password by its username.
    account(username) {
      const a = suite.accounts.get(username);
      assert.ok(a, `${username} is missing from demo-accounts.txt (found: ${[...suite.accounts.keys()].join(', ')})`);
      return a;
    },
  };
  before(async () => {
    const bin = buildBinary();
    suite.dataDir = makeDataDir();
    suite.accounts = runDemo(bin, suite.dataDir);
    suite.server = await startServer(bin, suite.dataDir);
    console.log(`# server ${suite.server.url}, data ${suite.dataDir}, axe-core ${axeVersion}`);
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    if (suite.server) {
      await suite.server.stop();
      if (process.exitCode) console.log(`# server log (${suite.server.logPath}):\n${suite.server.output().slice(-4000)}`);
    }
    removeDataDir(suite.dataDir);
  });
  return suite;
}
