// The SLO verdict, the side-by-side table and the per-configuration files as pure functions of hand-made
// summaries: which configuration is marked, what the "why" says, and what each cell holds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'csv-parse/sync';
import {
  checkSlo,
  COMPARE_CSV_COLUMNS,
  compareCsv,
  compareJson,
  configurationNames,
  describeSlo,
  formatCompareTable,
  judge,
  peakNodes,
  type ComparedConfiguration,
  type Slo,
} from '../../src/compare/index.js';
import { summaryJson } from '../../src/report/index.js';
import { makeSummary, sample } from './fixtures.js';

const slo = suite('SLO check and verdict');

slo('checkSlo: each flag holds at equality and fails above it, with the numbers in the phrase', () => {
  const cases: [string, { p99: number; unschedulable?: number }, Slo, string[]][] = [
    ['no flags: anything meets', { p99: 9999, unschedulable: 50 }, {}, []],
    ['p99 137 s against 120 s', { p99: 137 }, { p99PendingSeconds: 120 }, ['p99 pending 137.0s > 120s']],
    ['p99 exactly at the limit meets it (≤)', { p99: 60 }, { p99PendingSeconds: 60 }, []],
    // 60.04 shown to 0.1 s is "60.0", the limit's own digits: the phrase shows milliseconds instead.
    ['p99 a hair above the limit', { p99: 60.04 }, { p99PendingSeconds: 60 }, ['p99 pending 60.040s > 60s']],
    ['3 never scheduled against 0', { p99: 1, unschedulable: 3 }, { maxUnschedulable: 0 }, ['3 unschedulable > 0']],
    ['2 never scheduled against 2 meets it', { p99: 1, unschedulable: 2 }, { maxUnschedulable: 2 }, []],
    ['both flags fail, in flag order', { p99: 412, unschedulable: 3 }, { p99PendingSeconds: 300, maxUnschedulable: 1 }, ['p99 pending 412.0s > 300s', '3 unschedulable > 1']],
  ];
  for (const [what, x, flags, want] of cases) {
    const check = checkSlo(makeSummary({ cost: 1, ...x }), flags);
    assert.equal(check.violations, want, what);
    assert.is(check.meets, want.length === 0, what);
  }
  assert.is(describeSlo({ p99PendingSeconds: 90, maxUnschedulable: 0 }), 'p99 pending ≤ 90s, unschedulable ≤ 0');
});

/** Three configurations: a costs 90 (p99 50 s), b 70 (p99 130 s, 3 never scheduled), c 80 (p99 100 s). */
const abc = [
  { name: 'a', summary: makeSummary({ cost: 90, p99: 50 }) },
  { name: 'b', summary: makeSummary({ cost: 70, p99: 130, unschedulable: 3 }) },
  { name: 'c', summary: makeSummary({ cost: 80, p99: 100 }) },
];

slo('the cheapest configuration that meets the SLO is marked; the others\' misses are listed', () => {
  // p99 ≤ 120 s: b (70) misses it, so c (80 < 90) is the cheapest that meets it.
  const v = judge(abc, { p99PendingSeconds: 120 });
  assert.is(v.cheapest, 2);
  assert.equal(v.checks.map((c) => c.meets), [true, false, true]);
  assert.is(v.line, 'cheapest that meets the SLO (p99 pending ≤ 120s): c at 80.00 USD; missing it: b p99 pending 130.0s > 120s');
  // p99 ≤ 60 s: only a (50 s) meets it, however expensive.
  assert.is(judge(abc, { p99PendingSeconds: 60 }).cheapest, 0);
  // At most 3 never scheduled and no p99 limit: b at 70 is cheapest and meets it.
  assert.is(judge(abc, { maxUnschedulable: 3 }).cheapest, 1);
});

slo('without SLO flags every configuration meets it and the cheapest is marked; ties go to the first given', () => {
  const v = judge(abc, {});
  assert.is(v.cheapest, 1, 'b at 70 < c at 80 < a at 90');
  assert.is(v.line, 'cheapest: b at 70.00 USD (no SLO flags given, so every configuration meets the SLO)');
  const tie = [
    { name: 'first', summary: makeSummary({ cost: 50, p99: 10 }) },
    { name: 'second', summary: makeSummary({ cost: 50, p99: 1 }) },
  ];
  assert.is(judge(tie, {}).cheapest, 0);
});

slo('when none meets the SLO, the line says why for each configuration, with both numbers', () => {
  const rows = [
    { name: 'baseline', summary: makeSummary({ cost: 86.29, p99: 412 }) },
    { name: 'big-nodes', summary: makeSummary({ cost: 101.28, p99: 45, unschedulable: 3 }) },
  ];
  const v = judge(rows, { p99PendingSeconds: 60, maxUnschedulable: 0 });
  assert.is(v.cheapest, undefined);
  assert.is(v.line, 'none meets the SLO: baseline p99 pending 412.0s > 60s; big-nodes 3 unschedulable > 0');
  const both = judge([{ name: 'x', summary: makeSummary({ cost: 1, p99: 412, unschedulable: 2 }) }], { p99PendingSeconds: 60, maxUnschedulable: 0 });
  assert.is(both.line, 'none meets the SLO: x p99 pending 412.0s > 60s, 2 unschedulable > 0');
});

const table = suite('side-by-side table');

function compared(name: string, summary: ComparedConfiguration['summary'], peak: Record<string, number>): ComparedConfiguration {
  return { name, poolsFile: `${name}.yaml`, summary, metrics: [], peakNodes: peak };
}

table('one row per configuration in the order given, only the chosen one starred, columns aligned', () => {
  const configs = [
    compared('a', abc[0]!.summary, { general: 4 }),
    compared('b', abc[1]!.summary, { general: 2, gpu: 1 }),
    compared('c', abc[2]!.summary, { '': 3, general: 1 }),
  ];
  const v = judge(configs, { p99PendingSeconds: 120 });
  const lines = formatCompareTable(configs, v).split('\n');
  assert.match(lines[0]!, /^ +configuration +cost \(USD\) +node-hours +p95 pending +p99 pending +unschedulable +cpu +memory +gpu +scale-ups\/downs +peak nodes per pool$/);
  assert.is(lines.filter((l) => l.startsWith('*')).length, 2, 'the chosen row and the verdict line');
  assert.match(lines[3]!, /^\* +c +80\.00 +10\.00 +100\.0s +100\.0s +0 +50\.0% +25\.0% +0\.0% +2\/1 +\(no pool\) 3, general 1$/);
  assert.match(lines[2]!, /^ +b +70\.00 +10\.00 +130\.0s +130\.0s +3 .* general 2, gpu 1$/);
  // Every row puts the cost's last digit in the header's "(USD)" column end: right-aligned numbers.
  const end = lines[0]!.indexOf('cost (USD)') + 'cost (USD)'.length;
  for (const l of lines.slice(1, 4)) assert.match(l.slice(end - 2, end), /\d\d/, l);
  assert.is(lines[5], `* ${v.line}`);
});

table('peak nodes per pool is the maximum of each pool\'s samples', () => {
  // general: 2, 5, 3 → 5; gpu: 0, 1, 0 → 1; nodes outside any pool (""): 1.
  const metrics = [sample(0, 'general', 2), sample(0, 'gpu', 0), sample(60, 'general', 5), sample(60, 'gpu', 1), sample(120, 'general', 3), sample(120, 'gpu', 0), sample(120, '', 1)];
  assert.equal(peakNodes(metrics), { '': 1, general: 5, gpu: 1 });
  assert.equal(Object.keys(peakNodes(metrics)), ['', 'general', 'gpu'], 'keys sorted');
});

table('configuration names: the basename without extension; later duplicates get -2, -3 past names already taken', () => {
  assert.equal(configurationNames(['a/pools.yaml', 'b/pools.yml', 'c/x.yaml', 'pools-2.yaml', 'd/pools.yaml']), ['pools', 'pools-3', 'x', 'pools-2', 'pools-4']);
});

const files = suite('--json and --csv');

files('--json: one object per configuration, name and meetsSlo first, then simulate\'s fields, then peakNodes', () => {
  const configs = [compared('a', abc[0]!.summary, { general: 4 }), compared('b', abc[1]!.summary, { general: 2 })];
  const v = judge(configs, { maxUnschedulable: 0 });
  const json = JSON.parse(compareJson(configs, v)) as Record<string, unknown>[];
  assert.is(json.length, 2);
  const simulateKeys = Object.keys(JSON.parse(summaryJson(abc[0]!.summary)) as object);
  assert.equal(Object.keys(json[0]!), ['name', 'meetsSlo', ...simulateKeys, 'peakNodes']);
  assert.equal(json.map((o) => [o['name'], o['meetsSlo']]), [['a', true], ['b', false]], 'b has 3 never scheduled > 0');
  const { name: _n, meetsSlo: _m, peakNodes: peak, ...rest } = json[1]!;
  assert.equal(rest, JSON.parse(summaryJson(abc[1]!.summary)), 'the rest is exactly simulate --json');
  assert.equal(peak, { general: 2 });
});

files('--csv: a header and one row per configuration, per-pool maps as k=v;k2=v2', () => {
  const configs = [compared('a', abc[0]!.summary, { general: 4 }), compared('b,"q"', abc[1]!.summary, { general: 2, gpu: 1 })];
  const text = compareCsv(configs, judge(configs, { maxUnschedulable: 0 }));
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  assert.equal(Object.keys(rows[0]!), [...COMPARE_CSV_COLUMNS]);
  assert.is(rows.length, 2);
  assert.is(rows[1]!['name'], 'b,"q"', 'quoted per RFC 4180 and read back');
  assert.equal([rows[0]!['meets_slo'], rows[1]!['meets_slo']], ['true', 'false']);
  assert.is(rows[1]!['cost_usd'], '70');
  assert.is(rows[1]!['pending_p99'], '130');
  assert.is(rows[1]!['pods_unschedulable'], '3');
  assert.is(rows[1]!['peak_nodes'], 'general=2;gpu=1');
  assert.is(rows[1]!['cost_by_pool'], 'general=70');
});

slo.run();
table.run();
files.run();
