// drydock simulate end to end: determinism of --json and --placements, conservation of pods, nodes never
// holding more than allocatable, GPU-model constraints honoured, the bundled example (the baseline of `npm start`),
// and one exact line (exit 2, no output file) for each class of bad input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { bundledExample, runSimulateCommand } from '../../src/cli/commands/simulate.js';
import { defaultCatalogPath, loadCatalog } from '../../src/cloud/catalog.js';
import { WORKLOAD_CSV_COLUMNS } from '../../src/workload/csv.js';
import { loadNodePools } from '../../src/cloud/nodepool.js';
import { cpuMilli } from '../../src/api/index.js';
import { generateWorkloadCsv, DEFAULT_GENERATE_OPTIONS } from '../../src/workload/generate.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'simulate', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drydock-simulate-'));
}

const POOLS = `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.xlarge, zones: [us-east-1a, us-east-1b], minSize: 1, initialSize: 2, maxSize: 20}
---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: t4}
spec: {instanceType: g4dn.xlarge, zones: [us-east-1a], minSize: 0, maxSize: 6}
---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: v100}
spec: {instanceType: p3.2xlarge, zones: [us-east-1a], minSize: 0, maxSize: 6}
`;

/** Rows of a placements CSV as records. */
function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

const defaults = { 'pools-from-nodes': false, seed: 1, 'sample-every': '60s', quiet: true };

const run = suite('drydock simulate');

run('same inputs and seed: identical --json (minus wallSeconds) and byte-identical --placements', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'w.csv'), generateWorkloadCsv({ ...DEFAULT_GENERATE_OPTIONS, seed: 3, services: 4, batch: 25, gpu: 4, hours: 0.5, maxGpus: 1, gpuModels: ['T4', 'V100'] }, 'w.csv'));
    writeFileSync(join(dir, 'pools.yaml'), POOLS);
    const outs = [];
    for (const k of ['a', 'b']) {
      await runSimulateCommand({ ...defaults, workload: [join(dir, 'w.csv')], pools: join(dir, 'pools.yaml'), seed: 9, json: join(dir, `${k}.json`), placements: join(dir, `${k}.csv`) });
      const json = JSON.parse(readFileSync(join(dir, `${k}.json`), 'utf8')) as Record<string, unknown>;
      delete json['wallSeconds'];
      outs.push({ json, placements: readFileSync(join(dir, `${k}.csv`), 'utf8') });
    }
    assert.equal(outs[0]!.json, outs[1]!.json);
    assert.is(outs[0]!.placements, outs[1]!.placements);
    assert.ok((outs[0]!.json['pods'] as { total: number }).total > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('conservation and safety: every pod once, requested ≤ allocatable at every sample, GPU models honoured', async () => {
  const dir = tempDir();
  try {
    // One pod per row (no replicas): 12 CPU pods that need more than the 2 initial m5.xlarge nodes (2 × 3920m
    // allocatable after EKS reservations; 12 × 900m = 10.8 cores), and 4 GPU pods, 2 per model.
    // Then 3 shares of 600/1000 of a T4: no two fit on one device.
    const rows = ['name,cpu,memory,arrival,duration,gpu,gpu_milli,gpu_model'];
    for (let i = 0; i < 12; i++) rows.push(`cpu-${i},900m,1Gi,${i * 10},600,,,`);
    rows.push('t4-a,1,2Gi,30,300,1,,T4', 't4-b,1,2Gi,40,300,1,,T4', 'v100-a,1,2Gi,50,300,1,,V100', 'v100-b,1,2Gi,60,300,1,,V100');
    rows.push('t4-share-a,500m,1Gi,70,200,,600,T4', 't4-share-b,500m,1Gi,70,200,,600,T4', 't4-share-c,500m,1Gi,70,200,,600,T4');
    writeFileSync(join(dir, 'w.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'pools.yaml'), POOLS);
    const result = await runSimulateCommand({ ...defaults, workload: [join(dir, 'w.csv')], pools: join(dir, 'pools.yaml'), 'sample-every': '10s', placements: join(dir, 'p.csv'), metrics: join(dir, 'm.csv') });
    const placements = readCsv(join(dir, 'p.csv'));
    const names = placements.map((p) => p['pod']).sort();
    const expected = rows.slice(1).map((r) => r.split(',')[0]!).sort();
    assert.equal(names, expected, 'each of the 19 rows is one placement row, none twice');
    assert.is(result.summary.pods.total, 19);
    assert.is(result.summary.pods.succeeded, 19, 'every pod has a duration and room to run');

    // At every instant a pod is bound ([scheduled, finished)), the pods on each node ask no more than its
    // allocatable cpu, and each GPU device holds at most 1000 thousandths.
    const pools = loadNodePools(join(dir, 'pools.yaml'), loadCatalog()).pools;
    const allocCpu = Object.fromEntries(pools.map((p) => [p.name, Number(cpuMilli(p.allocatable['cpu'] ?? '0'))]));
    const request = Object.fromEntries(rows.slice(1).map((r) => r.split(',')).map((f) => [f[0]!, { cpu: Number(cpuMilli(f[1]!)), gpuMilli: f[5] !== '' ? 1000 * Number(f[5]) : Number(f[6] || 0) }]));
    const bound = placements.map((p) => ({
      pod: p['pod']!,
      node: p['node']!,
      pool: p['pool']!,
      devices: (p['gpu_devices'] ?? '').split(',').filter((d) => d !== ''),
      from: Number(p['scheduled']),
      to: p['finished'] === '' ? Infinity : Number(p['finished']),
    }));
    for (const p of bound) {
      const same = bound.filter((q) => q.node === p.node && q.from <= p.from && p.from < q.to);
      const cpu = same.reduce((sum, q) => sum + request[q.pod]!.cpu, 0);
      assert.ok(cpu <= allocCpu[p.pool]!, `${p.node} at t=${p.from}: ${cpu}m requested > ${allocCpu[p.pool]}m allocatable`);
      for (const device of p.devices) {
        const onDevice = same.filter((q) => q.devices.includes(device));
        const milli = onDevice.reduce((sum, q) => sum + request[q.pod]!.gpuMilli / Math.max(1, q.devices.length), 0);
        assert.ok(milli <= 1000, `${p.node} GPU ${device} at t=${p.from}: ${milli}/1000`);
      }
    }
    const shares = bound.filter((p) => p.pod.startsWith('t4-share-'));
    assert.is(shares.length, 3);
    for (const a of shares) {
      for (const b of shares) {
        if (a !== b && a.node === b.node && a.devices.join() === b.devices.join()) {
          assert.ok(a.to <= b.from || b.to <= a.from, `${a.pod} and ${b.pod} shared ${a.node} GPU ${a.devices.join()} at once (600 + 600 > 1000)`);
        }
      }
    }
    const catalog = loadCatalog();
    const modelOfPool: Record<string, string> = { t4: catalog.get('g4dn.xlarge')!.gpuModel ?? '', v100: catalog.get('p3.2xlarge')!.gpuModel ?? '' };
    for (const p of placements.filter((x) => x['pod']!.startsWith('t4-') || x['pod']!.startsWith('v100-'))) {
      const want = p['pod']!.startsWith('t4-') ? 'T4' : 'V100'; // t4-a, t4-b and the t4-share-* rows
      assert.is(modelOfPool[p['pool']!], want, `${p['pod']} on ${p['node']} (pool ${p['pool']})`);
      assert.ok(p['gpu_devices'] !== '', `${p['pod']} was given a device`);
    }
    assert.ok(result.summary.autoscaler.nodesAdded >= 2, 'both GPU pools start empty: at least one node each');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('the bundled example (the baseline npm start compares against): every pod of the CSV is placed once, and the summary is printed', () => {
  const dir = tempDir();
  try {
    const r = cli(dir, '--json', 'out.json', '--placements', 'p.csv');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pods +\d+ total/m);
    assert.match(r.stdout, /^cost +pool +node-hours/m);
    // Pods in the CSV: each row stands for `replicas` pods (1 when empty).
    const text = readFileSync(bundledExample().workload, 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const expected = rows.reduce((s, row) => s + (row['replicas'] === '' || row['replicas'] === undefined ? 1 : Number(row['replicas'])), 0);
    const summary = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { pods: { total: number; scheduled: number } };
    const placements = readCsv(join(dir, 'p.csv'));
    // Pods removed by the autoscaler's drain are replaced by their ReplicaSets, so there may be more pods
    // than rows ask for, never fewer; and each pod appears once.
    assert.ok(placements.length >= expected, `${placements.length} placements for ${expected} pods in the CSV`);
    assert.is(new Set(placements.map((p) => `${p['namespace']}/${p['pod']}`)).size, placements.length);
    assert.is(summary.pods.total, placements.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('Kubernetes manifests: a Deployment and a Job arrive at their annotated times and run on the pools', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'pools.yaml'), POOLS);
    writeFileSync(join(dir, 'app.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, annotations: {drydock.io/arrival: 30s}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27, resources: {requests: {cpu: 500m, memory: 512Mi}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: report, namespace: default, annotations: {drydock.io/arrival: 2m, drydock.io/duration: 5m}}
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: report, image: busybox:1.36, resources: {requests: {cpu: 250m, memory: 256Mi}}}]
`);
    const result = await runSimulateCommand({ ...defaults, workload: [join(dir, 'app.yaml')], pools: join(dir, 'pools.yaml'), until: '30m', placements: join(dir, 'p.csv') });
    const placements = readCsv(join(dir, 'p.csv'));
    const web = placements.filter((p) => p['pod']!.startsWith('web-'));
    const report = placements.filter((p) => p['pod']!.startsWith('report-'));
    assert.is(web.length, 3, 'the Deployment\'s ReplicaSet made 3 pods');
    assert.is(report.length, 2, 'the Job ran 2 pods in parallel');
    for (const p of web) assert.ok(Number(p['created']) >= 30 && p['phase'] === 'Running', `${p['pod']} created at ${p['created']} (arrival 30 s), ${p['phase']}`);
    for (const p of report) assert.ok(Number(p['created']) >= 120 && p['phase'] === 'Succeeded', `${p['pod']} created at ${p['created']} (arrival 120 s), ${p['phase']}`);
    assert.is(result.summary.pods.total, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run('bad input: one line per problem naming file, line and column; exit 2; no output file', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'w.csv'), 'name,cpu,memory,duration\nweb,500m,1Gi,\nbatch,2x,1Gi,-5\n');
    writeFileSync(join(dir, 'good.csv'), 'name,cpu,memory\nweb,500m,1Gi\n');
    writeFileSync(join(dir, 'unknown.csv'), 'name,cpu,memory,colour\nweb,500m,1Gi,red\n');
    writeFileSync(join(dir, 'pools.yaml'), POOLS);
    writeFileSync(join(dir, 'badpool.yaml'), 'apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  instanceType: m5.huge\n  minSize: 0\n  maxSize: 3\n');
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [\n');
    const cases: [string[], string][] = [
      [['--workload', 'w.csv', '--pools', 'pools.yaml'], 'drydock: w.csv:3: column "cpu": "2x" is not a quantity (expected e.g. 500m, 2)\nw.csv:3: column "duration": "-5" is negative (expected seconds like 90 or 2.5, or a duration like 90s, 5m, 1h30m, 250ms, at least 0)\n'],
      [['--workload', 'good.csv'], 'drydock: good.csv: no nodes to run on (expected --pools FILE, --nodes FILE, or an Alibaba trace with its node list)\n'],
      [['--workload', 'good.csv', '--pools', 'pools.yaml', '--until', '5x'], 'drydock: --until 5x: not a duration (expected seconds or a duration such as 90s, 30m, 6h, 2d)\n'],
    ];
    for (const [args, want] of cases) {
      const r = cli(dir, ...args, '--json', 'out.json', '--placements', 'out.csv');
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, want);
      assert.is(r.stdout, '');
      assert.not.ok(existsSync(join(dir, 'out.json')) || existsSync(join(dir, 'out.csv')), 'nothing written');
    }
    writeFileSync(join(dir, 'missing.csv'), 'name,memory\nweb,1Gi\n');
    writeFileSync(join(dir, 'selector.csv'), 'name,cpu,memory,node_selector\nweb,500m,1Gi,disk=ssd;=x\n');
    const more: [string[], string][] = [
      [['--workload', 'unknown.csv', '--pools', 'pools.yaml'], `drydock: unknown.csv:1: column "colour": unknown column (expected one of ${WORKLOAD_CSV_COLUMNS.join(', ')})\n`],
      [['--workload', 'missing.csv', '--pools', 'pools.yaml'], 'drydock: missing.csv:1: column "cpu": missing from the header (expected the columns name, cpu and memory at least)\n'],
      [['--workload', 'selector.csv', '--pools', 'pools.yaml'], 'drydock: selector.csv:2: column "node_selector": "" is not a valid label key: the name part is empty (expected k=v;k2=v2)\n'],
      [['--workload', 'good.csv', '--pools', 'badpool.yaml'], `drydock: badpool.yaml:5: NodePool "p": spec.instanceType: Invalid value: "m5.huge": not in the instance catalog ${defaultCatalogPath()} (did you mean m5.large, m5.xlarge, m5.2xlarge, m5.4xlarge? or describe the machine with spec.shape)\n`],
      [['--workload', 'broken.yaml', '--pools', 'pools.yaml'], 'drydock: broken.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]\nbroken.yaml:4:1: Flow map in block collection must be sufficiently indented and end with a }\n'],
      // What the API server would refuse when it arrives: checked before the run (src/workload/check.ts).
      [['--workload', 'noclass.csv', '--pools', 'pools.yaml'], 'drydock: noclass.csv:2: pods "web" is forbidden: no PriorityClass with name gold was found\n'],
      [['--workload', 'good.csv', '--nodes', 'badnode.yaml'], 'drydock: badnode.yaml:1: Node "n1" is invalid: [status.capacity.cpu: Invalid value: "four": must be a quantity, status.allocatable.cpu: Invalid value: "four": must be a quantity]\n'],
    ];
    more.push([['--workload', 'good.csv', '--nodes', 'empty.yaml'], 'drydock: empty.yaml: no Node objects (expected YAML Node objects for --nodes)\n']);
    writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\n');
    writeFileSync(join(dir, 'noclass.csv'), 'name,cpu,memory,priority_class\nweb,500m,1Gi,gold\n');
    writeFileSync(join(dir, 'badnode.yaml'), 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {capacity: {cpu: four, memory: 4Gi, pods: "10"}}\n');
    // An output path that cannot be written fails before the run, naming the flag.
    writeFileSync(join(dir, 'afile'), '');
    const out = cli(dir, '--workload', 'good.csv', '--pools', 'pools.yaml', '--placements', 'afile/p.csv');
    assert.is(out.code, 2);
    assert.is(out.stderr, 'drydock: --placements afile/p.csv: cannot create its folder: EEXIST (expected a writable path)\n');
    for (const [args, want] of more) {
      const r = cli(dir, ...args, '--json', 'out.json');
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, want);
      assert.not.ok(existsSync(join(dir, 'out.json')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run.run();
