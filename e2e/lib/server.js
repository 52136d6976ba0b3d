// Starting and stopping a real yanglao server for the browser tests.
//
// The contract with cmd/yanglao (see README.md):
//   yanglao demo  --data DIR   writes DIR/demo-accounts.txt (tab-separated, '#' comments:
//                              username, password, role, region_code, org_id)
//   yanglao serve --data DIR --addr 127.0.0.1:0
//                              prints a line containing http://HOST:PORT once it listens,
//                              and exits cleanly on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// buildBinary builds bin/yanglao unless YANGLAO_BIN names an existing binary.
export function buildBinary() {
  if (process.env.YANGLAO_BIN) {
    if (!existsSync(process.env.YANGLAO_BIN)) {
      throw new Error(`YANGLAO_BIN=${process.env.YANGLAO_BIN} does not exist`);
    }
    return resolve(process.env.YANGLAO_BIN);
  }
  const out = join(repoRoot, 'bin', 'yanglao');
  const r = spawnSync('go', ['build', '-o', out, './cmd/yanglao'], {
    cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) throw new Error(`go build: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`go build -o bin/yanglao ./cmd/yanglao failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return out;
}

export function makeDataDir() {
  return mkdtempSync(join(tmpdir(), 'yanglao-e2e-'));
}

export function removeDataDir(dir) {
  if (dir && !process.env.YANGLAO_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
}

// runDemo loads the demo county and returns its accounts by username.
export function runDemo(bin, dataDir) {
  const r = spawnSync(bin, ['demo', '--data', dataDir], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  if (r.error) throw new Error(`yanglao demo: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`yanglao demo --data ${dataDir} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  const file = join(dataDir, 'demo-accounts.txt');
  if (!existsSync(file)) {
    throw new Error(`yanglao demo did not write ${file}; it printed:\n${r.stdout}${r.stderr}`);
  }
  return parseAccounts(readFileSync(file, 'utf8'));
}

// parseAccounts reads demo-accounts.txt: one account per line, fields separated by tabs
// (or spaces), '#' starts a comment line. The first three fields are
// username, password and role.
export function parseAccounts(text) {
  const accounts = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [username, password, role] = line.split(/\s+/);
    if (username && password) accounts.set(username, { username, password, role });
  }
  return accounts;
}

// startServer runs `yanglao serve` and resolves once it printed its address.
export async function startServer(bin, dataDir, { timeoutMs = 60_000 } = {}) {
  const logPath = join(dataDir, 'serve.log');
  const log = createWriteStream(logPath);
  const child = spawn(bin, ['serve', '--data', dataDir, '--addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = null;
  const exit = new Promise((res) => child.on('exit', (code, signal) => { exited = { code, signal }; res(exited); }));

  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(
      `yanglao serve printed no http:// address within ${timeoutMs / 1000}s; output so far:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      const s = chunk.toString();
      log.write(s);
      output += s;
      const m = output.match(/https?:\/\/(?:\[[0-9a-fA-F:]+\]|[\w.-]+):\d+/);
      if (m) { clearTimeout(timer); res(m[0]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => { clearTimeout(timer); rej(e); });
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`yanglao serve exited (code ${code}, signal ${signal}) before printing its address:\n${output}`));
    });
  });

  return {
    url,
    logPath,
    output: () => output,
    // stop sends SIGTERM and waits for a graceful exit; SIGKILL after graceMs.
    async stop(graceMs = 10_000) {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, graceMs);
      const r = await exit;
      clearTimeout(timer);
      log.end();
      return r;
    },
  };
}
