// drydock generate: same seed ⇒ same bytes, different seeds differ, the mix follows the options, every row
// passes a validator written from the column rules, the bundled example is exactly what its recorded
// command line makes, and the command line's errors are one line with exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { optionsFromArgs } from '../../src/cli/commands/generate.js';
import { UserInputError } from '../../src/cli/errors.js';
import { labelKeyProblem, labelValueProblem, milliValue, tryParseQuantity } from '../../src/api/index.js';
import {
  DEFAULT_GENERATE_OPTIONS,
  GENERATED_COLUMNS,
  generateCommandLine,
  generateWorkloadCsv,
  generateWorkloadRows,
  type GenerateOptions,
} from '../../src/workload/generate.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const opts = (o: Partial<GenerateOptions>): GenerateOptions => ({ ...DEFAULT_GENERATE_OPTIONS, ...o });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Problems of one parsed row under the column rules (empty: none). */
function rowProblems(r: Record<string, string>): string[] {
  const p: string[] = [];
  const int = (s: string) => /^\d+$/.test(s);
  const seconds = (s: string) => /^\d+(\.\d+)?$/.test(s) || /^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s);
  const qty = (col: string, required: boolean) => {
    const v = r[col] ?? '';
    if (v === '') {
      if (required) p.push(`${col} is required`);
      return;
    }
    const q = tryParseQuantity(v);
    if (q === undefined) p.push(`${col} ${v} is not a quantity`);
    else if (!(milliValue(q) > 0)) p.push(`${col} ${v} is not positive`);
  };
  if (!DNS_SUBDOMAIN.test(r['name'] ?? '')) p.push(`name ${r['name']} is not a DNS name`);
  if (r['namespace'] !== '' && !DNS_LABEL.test(r['namespace'] ?? '')) p.push(`namespace ${r['namespace']}`);
  qty('cpu', true);
  qty('memory', true);
  if (!seconds(r['arrival'] ?? '')) p.push(`arrival ${r['arrival']} is not seconds or a duration`);
  if (r['duration'] !== '' && (!seconds(r['duration'] ?? '') || Number(r['duration']) <= 0)) p.push(`duration ${r['duration']}`);
  if (!int(r['replicas'] ?? '') || Number(r['replicas']) < 1) p.push(`replicas ${r['replicas']}`);
  if (r['priority_class'] !== '' && !DNS_SUBDOMAIN.test(r['priority_class'] ?? '')) p.push('priority_class');
  const gpu = r['gpu'] ?? '';
  const milli = r['gpu_milli'] ?? '';
  if (gpu !== '' && (!int(gpu) || Number(gpu) < 1)) p.push(`gpu ${gpu}`);
  if (milli !== '' && (!int(milli) || Number(milli) < 1 || Number(milli) > 999)) p.push(`gpu_milli ${milli} is not a share 1–999`);
  if (gpu !== '' && milli !== '') p.push('gpu and gpu_milli both set');
  if (r['gpu_model'] !== '') {
    if (gpu === '' && milli === '') p.push('gpu_model without a GPU ask');
    const e = labelValueProblem(r['gpu_model'] ?? '');
    if (e !== undefined) p.push(e);
  }
  const labels = new Map<string, string>();
  if (r['labels'] !== '') {
    for (const kv of (r['labels'] ?? '').split(';')) {
      const eq = kv.indexOf('=');
      if (eq < 0) {
        p.push(`label ${kv} is not k=v`);
        continue;
      }
      const k = kv.slice(0, eq);
      const v = kv.slice(eq + 1);
      const e = labelKeyProblem(k) ?? labelValueProblem(v);
      if (e !== undefined) p.push(e);
      labels.set(k, v);
    }
  }
  if (r['anti_affinity'] !== '') {
    const e = labelKeyProblem(r['anti_affinity'] ?? '');
    if (e !== undefined) p.push(e);
    if (labels.size === 0) p.push('anti_affinity needs labels to match');
  }
  if (r['spread'] !== '') {
    const m = /^(.+):(\d+)$/.exec(r['spread'] ?? '');
    if (m === null || Number(m[2]) < 1) p.push(`spread ${r['spread']} is not key:maxSkew`);
    else if (labelKeyProblem(m[1]!) !== undefined) p.push(`spread key ${m[1]}`);
    if (labels.size === 0) p.push('spread needs labels to match');
  }
  if (r['image_size'] !== '') {
    if (r['image'] === '') p.push('image_size without image');
    qty('image_size', false);
  }
  return p;
}

/** Parses a generated file the way the loader will: csv-parse, skipping # comment lines. */
function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { comment: '#', comment_no_infix: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

test('same options ⇒ byte-identical file; a different seed ⇒ a different file', () => {
  const a = generateWorkloadCsv(opts({ seed: 7 }), 'w.csv');
  assert.is(generateWorkloadCsv(opts({ seed: 7 }), 'w.csv'), a);
  assert.is.not(generateWorkloadCsv(opts({ seed: 8 }), 'w.csv'), a);
  // Not only the header: the rows differ too.
  const rows = (t: string) => t.split('\n').slice(1).join('\n');
  assert.is.not(rows(generateWorkloadCsv(opts({ seed: 8 }), 'w.csv')), rows(a));
});

test('the header comment is the canonical command line; csv-parse with comment "#" reads the columns', () => {
  const o = opts({ seed: 7, services: 2, batch: 3, gpu: 1, hours: 0.5 });
  const text = generateWorkloadCsv(o, 'out.csv');
  const lines = text.split('\n');
  assert.is(lines[0], '# drydock generate --seed 7 --services 2 --batch 3 --gpu 1 --hours 0.5 --max-gpus 8 --gpu-models A10G --out out.csv');
  assert.is(lines[1], GENERATED_COLUMNS.join(','));
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  const rows = parseCsv(text);
  assert.is(rows.length, 2 + 3 + 1);
  assert.equal(Object.keys(rows[0]!), [...GENERATED_COLUMNS]);
});

test('the mix follows the options: row counts of each kind, services 2–6 replicas, GPU asks', () => {
  for (const [services, batch, gpu] of [[10, 40, 5], [0, 17, 0], [3, 0, 60]] as const) {
    const rows = generateWorkloadRows(opts({ seed: 3, services, batch, gpu, hours: 1, maxGpus: 4 }));
    const of = (k: string) => rows.filter((r) => r.kind === k);
    assert.equal([of('service').length, of('batch').length, of('gpu').length], [services, batch, gpu]);
    for (const { row } of of('service')) {
      assert.ok(Number(row.replicas) >= 2 && Number(row.replicas) <= 6, row.replicas);
      assert.is(row.duration, ''); // long-running
      assert.ok((row.anti_affinity === '') !== (row.spread === ''), 'exactly one of anti_affinity and spread');
    }
    for (const { row } of of('batch')) {
      assert.ok(Number(row.duration) >= 60, row.duration);
      assert.is(row.replicas, '1'); // a bare Pod that finishes; a ReplicaSet would restart it
    }
    for (const { row } of of('gpu')) {
      assert.ok((row.gpu === '') !== (row.gpu_milli === ''), 'a GPU row asks for whole GPUs or a share');
      if (row.gpu !== '') assert.ok([1, 2, 4].includes(Number(row.gpu)), `--max-gpus 4 but gpu ${row.gpu}`);
    }
  }
  // Arrivals stay in the window: 1 hour = 3600 s.
  const rows = generateWorkloadRows(opts({ seed: 5, hours: 1 }));
  assert.ok(rows.every(({ row }) => Number(row.arrival) >= 0 && Number(row.arrival) < 3600 + 600), 'bursts may spill a little past the window');
  const arrivals = rows.map(({ row }) => Number(row.arrival));
  assert.equal(arrivals, [...arrivals].sort((x, y) => x - y), 'rows are in arrival order');
});

test('GPU shares and whole GPUs come in about the trace proportions (43.6 % shares) with 25 % model constraints', () => {
  const rows = generateWorkloadRows(opts({ seed: 11, services: 0, batch: 0, gpu: 4000, gpuModels: ['A10G', 'L4'] }));
  const shares = rows.filter(({ row }) => row.gpu_milli !== '').length;
  const models = rows.filter(({ row }) => row.gpu_model !== '').length;
  // 4000 × 0.436 = 1743, σ = √(4000 × 0.436 × 0.564) ≈ 31: ±5σ.
  assert.ok(Math.abs(shares - 1743) < 160, String(shares));
  // 4000 × 0.249 = 996, σ ≈ 27.
  assert.ok(Math.abs(models - 996) < 140, String(models));
  // 810 is the trace's most common share (35 %): 1743 × 0.35 ≈ 610.
  const s810 = rows.filter(({ row }) => row.gpu_milli === '810').length;
  assert.ok(s810 > 450 && s810 < 770, String(s810));
  assert.ok(rows.every(({ row }) => row.gpu_model === '' || ['A10G', 'L4'].includes(row.gpu_model)));
});

test('every row is valid under the column rules, names are unique, several seeds and sizes', () => {
  for (const seed of [1, 2, 7, 42, 4294967295]) {
    const rows = parseCsv(generateWorkloadCsv(opts({ seed, services: 25, batch: 120, gpu: 30, hours: 3 })));
    const names = new Set<string>();
    rows.forEach((r, i) => {
      const problems = rowProblems(r);
      assert.equal(problems, [], `seed ${seed} row ${i + 1}: ${problems.join('; ')}`);
      assert.not.ok(names.has(r['name']!), `duplicate name ${r['name']}`);
      names.add(r['name']!);
    });
  }
});

test('the validator itself rejects what the rules forbid', () => {
  const good: Record<string, string> = Object.fromEntries(GENERATED_COLUMNS.map((c) => [c, '']));
  Object.assign(good, { name: 'a', cpu: '1', memory: '1Gi', arrival: '0', replicas: '1' });
  assert.equal(rowProblems(good), []);
  const bad = (patch: Record<string, string>) => rowProblems({ ...good, ...patch });
  assert.equal(bad({ cpu: '1x' }), ['cpu 1x is not a quantity']);
  assert.equal(bad({ memory: '0' }), ['memory 0 is not positive']);
  assert.equal(bad({ gpu: '1', gpu_milli: '500' }), ['gpu and gpu_milli both set']);
  assert.equal(bad({ gpu_milli: '1000' }), ['gpu_milli 1000 is not a share 1–999']);
  assert.equal(bad({ spread: 'topology.kubernetes.io/zone' }), ['spread topology.kubernetes.io/zone is not key:maxSkew', 'spread needs labels to match']);
  assert.equal(bad({ replicas: '0' }), ['replicas 0']);
  assert.equal(bad({ labels: 'app' }), ['label app is not k=v']);
});

test('datasets/example-workload.csv is exactly what its recorded command line generates', () => {
  const file = join(ROOT, 'datasets', 'example-workload.csv');
  const text = readFileSync(file, 'utf8');
  const first = text.slice(0, text.indexOf('\n'));
  const expected = '# drydock generate --seed 7 --services 30 --batch 250 --gpu 20 --hours 2 --max-gpus 4 --gpu-models A10G --out datasets/example-workload.csv';
  assert.is(first, expected);
  const o = opts({ seed: 7, services: 30, batch: 250, gpu: 20, hours: 2, maxGpus: 4, gpuModels: ['A10G'] });
  assert.is(`# ${generateCommandLine(o, 'datasets/example-workload.csv')}`, expected);
  assert.is(generateWorkloadCsv(o, 'datasets/example-workload.csv'), text);
  // ~300 rows over 2 hours with a small GPU mix: 30 + 250 + 20 = 300.
  assert.is(parseCsv(text).length, 300);
});

test('drydock generate --out writes the file (made again in-process: same bytes); bad flags are one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-generate-'));
  try {
    const out = join(dir, 'sub', 'w.csv');
    const args = [MAIN, 'generate', '--seed', '9', '--services', '4', '--batch', '10', '--gpu', '3', '--hours', '1', '--out', out];
    const r1 = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
    assert.is(r1.status, 0, r1.stderr);
    const a = readFileSync(out, 'utf8');
    assert.is(a.split('\n')[0], `# drydock generate --seed 9 --services 4 --batch 10 --gpu 3 --hours 1 --max-gpus 8 --gpu-models A10G --out ${out}`);
    assert.is(parseCsv(a).length, 4 + 10 + 3);
    // The same command line in-process: the same bytes.
    assert.is(generateWorkloadCsv(optionsFromArgs({ seed: 9, services: 4, batch: 10, gpu: 3, hours: 1, 'max-gpus': 8, 'gpu-models': 'A10G' }), out), a);
    const bad = spawnSync(process.execPath, [MAIN, 'generate', '--services', '-1'], { encoding: 'utf8', timeout: 20_000 });
    assert.is(bad.status, 2);
    assert.is(bad.stderr, 'drydock: --services: -1 is not a count (expected a whole number, 0 or more)\n');
    const flags = { seed: 1, services: 1, batch: 1, gpu: 1, hours: 1, 'max-gpus': 8, 'gpu-models': 'A10G' };
    assert.throws(() => optionsFromArgs({ ...flags, 'max-gpus': 3 }), (e: Error) => e instanceof UserInputError && e.message === '--max-gpus: 3 is not one of 1, 2, 4, 8');
    assert.throws(() => optionsFromArgs({ ...flags, hours: 0 }), /--hours: 0 is not a positive number of hours/);
    assert.throws(() => optionsFromArgs({ ...flags, seed: 1.5 }), /--seed: 1.5 is not a seed/);
    assert.throws(() => optionsFromArgs({ ...flags, 'gpu-models': 'A10G,bad model' }), /--gpu-models: "bad model" is not a GPU model name/);
    assert.equal(optionsFromArgs({ ...flags, 'gpu-models': ' A10G , L4 ,' }).gpuModels, ['A10G', 'L4']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
