// Runs every test file under test/ with uvu in one process and ends with the plain totals line
// "N passed, N failed" that CI reads. uvu's own summary has another shape, so it is read back from uvu's output.
// Usage: node dist/test/run.js [substring ...]  (only files whose path contains one of the substrings)

import { readdirSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = findTests(here).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));

// uvu collects suites into a global queue when UVU_DEFER is set, then runs them all in exec().
// uvu prints a failure's message, not its `cause`, where fast-check puts the property's own error by default:
// with this the message says what did not hold, next to the counterexample.
fc.configureGlobal({ ...fc.readConfigureGlobal(), includeErrorInReport: true });

const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
g.UVU_DEFER = 1;
const uvu = await import('uvu');
g.UVU_QUEUE ??= [];
let index = 0;
for (const file of files) {
  g.UVU_INDEX = index++;
  g.UVU_QUEUE.push([relative(here, file)]);
  await import(pathToFileURL(file).href);
}

let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

await (uvu as unknown as { exec(bail?: boolean): Promise<void> }).exec(false);
process.stdout.write = write;

// eslint-disable-next-line no-control-regex
const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const count = (label: string): number => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? NaN);
const total = count('Total');
const passed = count('Passed');
const skipped = count('Skipped');
if (!Number.isFinite(total) || !Number.isFinite(passed)) {
  console.log('0 passed, 1 failed');
  console.error('test runner: could not read uvu\'s summary');
  process.exitCode = 1;
} else {
  const failed = total - passed - (Number.isFinite(skipped) ? skipped : 0);
  if (failed > 0) process.exitCode = 1;
  console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
}
