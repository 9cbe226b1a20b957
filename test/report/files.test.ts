// Output writers: RFC 4180 quoting, column layout, stable JSON, and no half-written file on failure.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { csvField, csvRow, summaryJson, writeEventsJsonl, writeFileAtomic, writeJson, writeMetricsCsv, writePlacementsCsv } from '../../src/report/files.js';
import { buildSummary } from '../../src/report/summary.js';
import type { PodRecord } from '../../src/sim/types.js';

const dir = mkdtempSync(join(tmpdir(), 'drydock-report-files-'));

const csv = suite('CSV quoting (RFC 4180)');

csv('fields are quoted only when they must be, with inner quotes doubled', () => {
  assert.is(csvField('plain'), 'plain');
  assert.is(csvField(''), '');
  assert.is(csvField('a,b'), '"a,b"');
  assert.is(csvField('say "hi"'), '"say ""hi"""');
  assert.is(csvField('two\nlines'), '"two\nlines"');
  assert.is(csvField('cr\r'), '"cr\r"');
  assert.is(csvRow(['x', 'y,z', '']), 'x,"y,z",\n');
});

csv('csv-parse reads back exactly what was written', () => {
  const fields = ['a,b', 'say "hi"', 'two\nlines', '', ' spaced ', 'ünïcode'];
  assert.equal(parse(csvRow(fields) + csvRow(['1', '2', '3', '4', '5', '6'])), [fields, ['1', '2', '3', '4', '5', '6']]);
});

const files = suite('writers');

const placements: PodRecord[] = [
  { pod: 'web-1', namespace: 'default', node: 'n1', pool: 'small', created: 0, scheduled: 1.5, started: 2.25, finished: 62.0005, phase: 'Succeeded', gpuDevices: '0,1' },
  { pod: 'odd,"name"', namespace: 'team', created: 3, phase: 'Pending' },
];

files('placements CSV: the issue columns, seconds with 3 decimals, empty where it never happened', async () => {
  const file = join(dir, 'placements.csv');
  await writePlacementsCsv(file, placements);
  const text = readFileSync(file, 'utf8');
  assert.is(
    text,
    'pod,namespace,node,pool,created,scheduled,started,finished,phase,gpu_devices\n' +
      'web-1,default,n1,small,0.000,1.500,2.250,62.001,Succeeded,"0,1"\n' + // 62.0005 → toFixed(3)
      '"odd,""name""",team,,,3.000,,,,Pending,\n',
  );
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  assert.is(rows[1]!['pod'], 'odd,"name"');
  assert.is(rows[0]!['gpu_devices'], '0,1');
});

files('metrics CSV and events JSON lines', async () => {
  const m = join(dir, 'metrics.csv');
  await writeMetricsCsv(m, [{ t: 10, pool: 'a', nodes: 2, cpuRequested: 0.1 + 0.2, cpuAllocatable: 3.8, memoryRequested: 1073741824, memoryAllocatable: 2e9, gpuRequested: 0, gpuAllocatable: 0, pendingPods: 4 }]);
  assert.is(
    readFileSync(m, 'utf8'),
    't,pool,nodes,cpu_requested,cpu_allocatable,memory_requested,memory_allocatable,gpu_requested,gpu_allocatable,pending_pods\n' +
      '10.000,a,2,0.3,3.8,1073741824,2000000000,0,0,4\n', // 0.1 + 0.2 = 0.30000000000000004, written as 0.3
  );
  const e = join(dir, 'events.jsonl');
  await writeEventsJsonl(e, [{ reason: 'Scheduled', message: 'a\nb' }, { reason: 'Started' }]);
  const lines = readFileSync(e, 'utf8').split('\n');
  assert.is(lines.length, 3); // two records and the empty string after the final newline
  assert.equal(JSON.parse(lines[0]!), { reason: 'Scheduled', message: 'a\nb' });
});

files('summary JSON has exactly the issue fields in a stable order, map keys sorted', async () => {
  const summary = buildSummary({
    placements, metrics: [], simulatedSeconds: 100, wallSeconds: 1, seed: 1, inputs: [],
    pricePerHour: {}, autoscaler: { scaleUps: 0, scaleDowns: 0, nodesAdded: 0, nodesRemoved: 0 },
  });
  // Build byPool maps in reverse order; the JSON must still list them sorted.
  const shuffled = { ...summary, nodeHours: { total: 3, byPool: { z: 1, a: 2 } }, cost: { total: 3, byPool: { z: 1, a: 2 }, currency: 'USD' as const } };
  const file = join(dir, 'summary.json');
  await writeJson(file, shuffled);
  const text = readFileSync(file, 'utf8');
  assert.is(text, summaryJson(shuffled));
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.equal(Object.keys(parsed), ['pods', 'pendingSeconds', 'startupSeconds', 'nodeHours', 'cost', 'utilization', 'gpuAllocationRatio', 'autoscaler', 'simulatedSeconds', 'wallSeconds', 'seed', 'inputs']);
  assert.equal(Object.keys((parsed['nodeHours'] as { byPool: object }).byPool), ['a', 'z']);
  assert.ok(text.endsWith('}\n'));
});

const atomic = suite('no half-written files');

atomic('writing into a missing directory fails and leaves nothing behind', async () => {
  const missing = join(dir, 'no-such-dir');
  assert.not.ok(existsSync(missing));
  let error: unknown;
  try {
    await writePlacementsCsv(join(missing, 'p.csv'), placements);
  } catch (e) {
    error = e;
  }
  assert.is((error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
  assert.not.ok(existsSync(missing));
  assert.not.ok(readdirSync(dir).some((f) => f.includes('.tmp-')), 'no temp file beside');
});

atomic('a failure after the temp file was written removes it, and an existing target is left untouched', async () => {
  // The target is a non-empty directory, so the final rename fails after every byte was written.
  const target = join(dir, 'busy');
  mkdirSync(join(target, 'inside'), { recursive: true });
  let failed = false;
  try {
    await writeFileAtomic(target, ['a'.repeat(3 << 20)]); // 3 MiB: several flushes
  } catch {
    failed = true;
  }
  assert.ok(failed, 'rename onto a non-empty directory fails');
  assert.not.ok(existsSync(`${target}.tmp-${process.pid}`), 'temp file removed');
  assert.equal(readdirSync(target), ['inside']);
});

atomic('a throwing data source removes the temp file and leaves no target', async () => {
  const file = join(dir, 'broken.csv');
  function* rows(): Generator<string> {
    yield 'x'.repeat(2 << 20); // flushed to disk before the failure
    throw new Error('source broke');
  }
  let message = '';
  try {
    await writeFileAtomic(file, rows());
  } catch (e) {
    message = (e as Error).message;
  }
  assert.is(message, 'source broke');
  assert.not.ok(existsSync(file));
  assert.not.ok(existsSync(`${file}.tmp-${process.pid}`));
});

atomic.after(() => rmSync(dir, { recursive: true, force: true }));

csv.run();
files.run();
atomic.run();
