#!/usr/bin/env node
// Reads `go test -json` on stdin and prints what plain `go test` would: one line per
// package, the output of failed tests and build errors; then counts the tests (subtests
// included). Writes "PASSED FAILED SKIPPED" to the file named by $SUMMARY_FILE.
// Exits 1 when any test or package failed.
//
//   go test -json ./... | node scripts/gotest-summary.mjs "go test"
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';

const label = process.argv[2] || 'go test';
const noise = /^\s*=== (RUN|PAUSE|CONT|NAME)\b/;
const out = new Map(); // "pkg\x00test" -> output lines
const failedIn = new Map(); // pkg -> number of failed tests
let passed = 0;
let failed = 0;
let skipped = 0;
let failedPackages = 0;
const failures = [];

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    process.stdout.write(line + '\n'); // not JSON: pass it through
    continue;
  }
  if (e.Action === 'build-output') { process.stdout.write(e.Output); continue; }
  if (e.Action === 'build-fail') continue;
  const pkg = e.Package ?? '';
  if (!e.Test) {
    // Package-level output is what `go test` prints without -v: ok/FAIL lines, panics
    // outside tests, [no test files].
    if (e.Action === 'output' && !/^(PASS|FAIL)\n$/.test(e.Output) && !noise.test(e.Output)) {
      process.stdout.write(e.Output);
    }
    if (e.Action === 'fail' && !failedIn.get(pkg)) {
      failedPackages++;
      failures.push(`${pkg} (the package failed outside any test: build error, TestMain, timeout or crash)`);
    }
    continue;
  }
  const key = `${pkg}\x00${e.Test}`;
  switch (e.Action) {
    case 'output':
      if (!noise.test(e.Output)) {
        if (!out.has(key)) out.set(key, []);
        out.get(key).push(e.Output);
      }
      break;
    case 'pass':
      passed++; out.delete(key); break;
    case 'skip':
      skipped++; out.delete(key); break;
    case 'fail':
      failed++;
      failedIn.set(pkg, (failedIn.get(pkg) ?? 0) + 1);
      failures.push(`${pkg} ${e.Test}`);
      process.stdout.write((out.get(key) ?? [`--- FAIL: ${e.Test}\n`]).join(''));
      out.delete(key);
      break;
    default:
  }
}

const totalFailed = failed + failedPackages;
if (failures.length) {
  console.log(`\n${label}: failed:`);
  for (const f of failures.slice(0, 50)) console.log(`  ${f}`);
  if (failures.length > 50) console.log(`  … and ${failures.length - 50} more`);
}
console.log(`${label} — tests: ${passed} passed, ${totalFailed} failed, ${skipped} skipped`);
if (process.env.SUMMARY_FILE) writeFileSync(process.env.SUMMARY_FILE, `${passed} ${totalFailed} ${skipped}\n`);
process.exit(totalFailed ? 1 : 0);
