// drydock compare end to end through the CLI: the three output files on a small workload, and one exact line
// (exit 2, no output file) for each class of bad input — found before any configuration runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { defaultCatalogPath } from '../../src/cloud/catalog.js';
import { COMPARE_CSV_COLUMNS } from '../../src/compare/index.js';
import { writeFixtures } from '../compare/fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(cwd: string, ...args: string[]) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [MAIN, 'compare', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - started) / 1000 };
}

const run = suite('drydock compare');

run('a small workload under three configurations: table on stdout, --json array, --csv rows, --report page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-compare-cli-'));
  try {
    writeFixtures(dir);
    mkdirSync(join(dir, 'more'));
    writeFileSync(join(dir, 'more', 'large.yml'), readFileSync(join(dir, 'large.yaml')));
    writeFileSync(join(dir, 'more', 'notes.txt'), 'not a pools file');
    // A folder stands for its .yaml/.yml files; more/large.yml shares its name with large.yaml, so it is large-2.
    const r = cli(dir, '--workload', 'w.csv', '--pools', 'small.yaml', 'large.yaml', 'more', '--jobs', '2', '--slo-p99-pending', '2m', '--json', 'out/c.json', '--csv', 'out/c.csv', '--report', 'out/c.html');
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^ +configuration +cost \(USD\)/);
    assert.equal(lines.slice(1, 4).map((l) => l.slice(3).split(/ +/)[0]), ['small', 'large', 'large-2']);
    // small never schedules the 6-core pod: it waits until it is given up on, 1200 s > 120 s.
    assert.match(r.stdout, /^\* cheapest that meets the SLO \(p99 pending ≤ 120s\): large at [\d.]+ USD; missing it: small p99 pending 1200\.0s > 120s$/m);
    assert.match(lines[2]!, /^\* +large /, 'large and large-2 cost the same: the first given is marked');

    const json = JSON.parse(readFileSync(join(dir, 'out/c.json'), 'utf8')) as { name: string; meetsSlo: boolean; cost: { total: number }; peakNodes: Record<string, number> }[];
    assert.equal(json.map((o) => [o.name, o.meetsSlo]), [['small', false], ['large', true], ['large-2', true]]);
    assert.equal({ ...json[1], wallSeconds: 0 }, { ...json[2], name: 'large', wallSeconds: 0 }, 'the same file twice gives the same run');
    const csv = parse(readFileSync(join(dir, 'out/c.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    assert.equal(Object.keys(csv[0]!), [...COMPARE_CSV_COLUMNS]);
    assert.equal(csv.map((row) => [row['name'], Number(row['cost_usd'])]), json.map((o) => [o.name, o.cost.total]));
    const html = readFileSync(join(dir, 'out/c.html'), 'utf8');
    assert.is(html.match(/<circle class="point"/g)?.length, 3, 'one point per configuration');
    assert.ok(html.includes('SLO: p99 pending ≤ 120 s'), 'the limit is drawn');
    assert.not.match(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', ''), /https?:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('bad input: one line naming the file or flag, exit 2, no output file, before any run starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-compare-cli-'));
  try {
    writeFixtures(dir);
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  instanceType: m5.huge\n  minSize: 0\n  maxSize: 3\n');
    writeFileSync(join(dir, 'empty.yaml'), '# nothing here\nkind: ClusterAutoscalerSettings\nexpander: price\n');
    writeFileSync(join(dir, 'bad.csv'), 'name,cpu,memory\nweb,2x,1Gi\n');
    mkdirSync(join(dir, 'nothing'));
    const cases: [string[], string][] = [
      // The bad file is the second of three: it is named with its line before the first one runs.
      [['--workload', 'w.csv', '--pools', 'small.yaml', 'bad.yaml', 'large.yaml'], `drydock: bad.yaml:5: NodePool "p": spec.instanceType: Invalid value: "m5.huge": not in the instance catalog ${defaultCatalogPath()} (did you mean m5.large, m5.xlarge, m5.2xlarge, m5.4xlarge? or describe the machine with spec.shape)\n`],
      [['--workload', 'w.csv', '--pools', 'small.yaml', 'empty.yaml'], 'drydock: empty.yaml: no NodePool documents (expected at least one kind: NodePool with apiVersion: drydock.io/v1)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', 'missing.yaml'], 'drydock: --pools missing.yaml: cannot read it: ENOENT (expected a node pools YAML file or a folder of them)\n'],
      [['--workload', 'w.csv', '--pools', 'nothing'], 'drydock: --pools nothing: the folder has no .yaml or .yml file (expected node pools YAML files)\n'],
      [['--workload', 'w.csv'], 'drydock: --pools: missing (expected node pools YAML files or folders to compare; the bundled configurations go with the bundled workload only)\n'],
      [['--workload', 'bad.csv', '--pools', 'small.yaml'], 'drydock: bad.csv:2: column "cpu": "2x" is not a quantity (expected e.g. 500m, 2)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', '--slo-p99-pending', '5x'], 'drydock: --slo-p99-pending 5x: not a duration (expected seconds or a duration such as 90s, 30m, 6h, 2d)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', '--jobs', '0'], 'drydock: --jobs 0: not a number of worker threads (expected a whole number ≥ 1)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', '--jobs', '1.5'], 'drydock: --jobs 1.5: not a number of worker threads (expected a whole number ≥ 1)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', '--max-unschedulable', '-1'], 'drydock: --max-unschedulable -1: not a pod count (expected a whole number ≥ 0)\n'],
      [['--workload', 'w.csv', '--pools', 'small.yaml', '--seed', '-3'], 'drydock: --seed -3: not a seed (expected a whole number ≥ 0)\n'],
    ];
    for (const [args, want] of cases) {
      const r = cli(dir, ...args, '--json', 'out.json', '--csv', 'out.csv', '--report', 'out.html');
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, want);
      assert.is(r.stdout, '');
      for (const f of ['out.json', 'out.csv', 'out.html']) assert.not.ok(existsSync(join(dir, f)), `${args.join(' ')}: ${f} not written`);
    }
    // An output path that cannot be written fails before the runs, naming the flag.
    writeFileSync(join(dir, 'afile'), '');
    const out = cli(dir, '--workload', 'w.csv', '--pools', 'small.yaml', '--csv', 'afile/c.csv');
    assert.is(out.code, 2);
    assert.is(out.stderr, 'drydock: --csv afile/c.csv: cannot create its folder: EEXIST (expected a writable path)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('fails fast: a bad last pools file stops the bundled comparison before its first 9-second run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-compare-cli-'));
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  instanceType: m5.large\n  minSize: 5\n  maxSize: 3\n');
    const r = cli(dir, '--pools', join(defaultCatalogPath(), '..', 'example-pools.yaml'), 'bad.yaml', '--jobs', '1');
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, /^drydock: bad\.yaml:\d+: NodePool "p": spec\.\w+/);
    assert.is(r.stderr.split('\n').length, 2, 'one line');
    // Validation is a fraction of a second; simulating the bundled example first would take ~9 s.
    assert.ok(r.seconds < 5, `${r.seconds.toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run.run();
