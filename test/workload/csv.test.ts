// drydock's workload CSV: every column with a worked example, each class of bad input with the exact line
// printed, the 20-error cap, streaming (objects come out while the file is still being written, with bounded
// memory), and format detection.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { UserInputError } from '../../src/cli/errors.js';
import type { WorkloadObject } from '../../src/sim/types.js';
import { detectFormat, loadWorkload, loadWorkloadCsv, parseTimeSeconds, readWorkloadCsv } from '../../src/workload/index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/workload/fixtures/', import.meta.url));

type J = Record<string, any>; // JSON objects, navigated freely in assertions

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drydock-workload-'));
}

async function errorLines(fn: () => Promise<unknown>): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, UserInputError);
    return (err as Error).message.split('\n');
  }
  assert.unreachable('expected a UserInputError');
  return [];
}

async function csvText(text: string): Promise<{ objects: WorkloadObject[]; file: string }> {
  const dir = tempDir();
  try {
    const file = join(dir, 'w.csv');
    writeFileSync(file, text);
    const { objects } = await loadWorkloadCsv(file, { file: 'w.csv' });
    return { objects, file };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function csvErrors(text: string): Promise<string[]> {
  const dir = tempDir();
  try {
    const file = join(dir, 'w.csv');
    writeFileSync(file, text);
    return await errorLines(() => loadWorkloadCsv(file, { file: 'w.csv' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const time = suite('workload CSV: times');

time('seconds and Go-style durations', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['90', 90],
    ['2.5', 2.5],
    ['90s', 90],
    ['5m', 300], // 5 × 60
    ['1h30m', 5400], // 3600 + 30 × 60
    ['250ms', 0.25],
    ['1m30s', 90], // 60 + 30
    ['1.5h', 5400], // 1.5 × 3600
  ];
  for (const [text, seconds] of cases) assert.is(parseTimeSeconds(text), seconds, text);
  assert.type(parseTimeSeconds('-5'), 'string');
  assert.type(parseTimeSeconds('5 m'), 'string');
  assert.type(parseTimeSeconds('5d'), 'string');
  assert.type(parseTimeSeconds(''), 'string');
});

time.run();

const columns = suite('workload CSV: every column');

columns('the fixture: four rows, each column as the README documents it', async () => {
  const { objects } = await loadWorkloadCsv(join(FIXTURES, 'workload.csv'), { file: 'workload.csv' });
  // By arrival, then by row: web at 0 s; the made-up setup objects at time 0, each emitted just before the
  // first row that needs it (Namespace team-a and PriorityClass 100 for row 3, PriorityClass -5 for row 5);
  // then infer 250 ms, train 90 s, batch-1 5 m.
  assert.equal(
    objects.map((o) => [o.arrivalMs, o.resource, o.source]),
    [
      [0, 'replicasets', 'workload.csv:2'],
      [0, 'namespaces', 'workload.csv:3'],
      [0, 'priorityclasses', 'workload.csv:3'],
      [0, 'priorityclasses', 'workload.csv:5'],
      [250, 'pods', 'workload.csv:5'], // 250ms
      [90_000, 'pods', 'workload.csv:4'], // 90 s
      [300_000, 'pods', 'workload.csv:3'], // 5m = 300 s
    ],
  );
  const [web, ns, pc100, pcMinus5, infer, train, batch] = objects.map((o) => o.object as J);
  assert.equal(ns!['metadata'], { name: 'team-a', labels: { 'app.kubernetes.io/managed-by': 'drydock-workload' } });
  assert.equal([pc100!['metadata']['name'], pc100!['value']], ['drydock-priority-100', 100]);
  assert.equal([pcMinus5!['metadata']['name'], pcMinus5!['value']], ['drydock-priority-minus-5', -5]);

  // web: replicas 3 → a ReplicaSet selecting app=web; labels tier=frontend plus app=web; anti_affinity on the
  // hostname and spread zone:2 both match the row's own labels; image nginx:1.27; image_size 500Mi = 500 × 2^20
  // = 524288000 bytes; namespace empty → default; no duration → no annotation; restartPolicy Always (required).
  assert.equal(web!['kind'], 'ReplicaSet');
  assert.equal(web!['metadata'], { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'frontend' } });
  assert.is(web!['spec']['replicas'], 3);
  assert.equal(web!['spec']['selector'], { matchLabels: { app: 'web' } });
  const t = web!['spec']['template'];
  assert.equal(t['metadata'], { labels: { app: 'web', tier: 'frontend' }, annotations: { 'drydock.io/image-size': '524288000' } });
  assert.equal(t['spec']['containers'], [{ name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '500m', memory: '512Mi' } } }]);
  assert.is(t['spec']['restartPolicy'], 'Always');
  assert.equal(t['spec']['affinity'], {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web', tier: 'frontend' } }, topologyKey: 'kubernetes.io/hostname' }] },
  });
  assert.equal(t['spec']['topologySpreadConstraints'], [
    { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web', tier: 'frontend' } } },
  ]);

  // batch-1: a bare Pod in team-a; arrival 5m; duration 1h30m = 5400 s; priority 100 → its PriorityClass;
  // node_selector two pairs; tolerations: "=" is Equal, no "=" Exists, no effect = all effects; runtime_class.
  assert.equal(batch!['metadata'], { name: 'batch-1', namespace: 'team-a', labels: { app: 'batch-1' }, annotations: { 'drydock.io/duration-seconds': '5400' } });
  assert.equal(batch!['spec'], {
    containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '2', memory: '4Gi' } } }],
    restartPolicy: 'Never',
    nodeSelector: { disktype: 'ssd', arch: 'amd64' },
    tolerations: [
      { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
      { key: 'gpu', operator: 'Exists', effect: 'NoExecute' },
      { key: 'spot', operator: 'Equal', value: 'true' },
    ],
    priorityClassName: 'drydock-priority-100',
    runtimeClassName: 'gvisor',
  });

  // train: replicas 1 → a bare Pod; arrival 90 (seconds); duration 2.5 s; priority_class named as is (high, the PriorityClass fixtures/manifests defines);
  // gpu 2 → nvidia.com/gpu in requests and limits; gpu_model A100|H100 → required node affinity In [A100, H100];
  // affinity on the zone; image_size 2Gi = 2 × 2^30 = 2147483648; datasets imagenet;coco → "imagenet,coco".
  assert.equal(train!['metadata']['annotations'], { 'drydock.io/duration-seconds': '2.5', 'drydock.io/image-size': '2147483648', 'drydock.io/datasets': 'imagenet,coco' });
  assert.equal(train!['metadata']['labels'], { app: 'train', team: 'ml' });
  assert.equal(train!['spec']['containers'][0]['resources'], { requests: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } });
  assert.is(train!['spec']['priorityClassName'], 'high');
  assert.equal(train!['spec']['affinity'], {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'drydock.io/gpu-model', operator: 'In', values: ['A100', 'H100'] }] }] } },
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'train', team: 'ml' } }, topologyKey: 'topology.kubernetes.io/zone' }] },
  });

  // infer: gpu_milli 250 → drydock.io/gpu-milli 250; priority -5 → drydock-priority-minus-5; scheduler_name.
  assert.equal(infer!['spec']['containers'][0]['resources'], { requests: { cpu: '1500m', memory: '2Gi', 'drydock.io/gpu-milli': '250' }, limits: { 'drydock.io/gpu-milli': '250' } });
  assert.is(infer!['spec']['priorityClassName'], 'drydock-priority-minus-5');
  assert.is(infer!['spec']['schedulerName'], 'bin-packer');
  assert.not.ok('annotations' in infer!['metadata']); // no duration: runs until the end
});

columns('quoted values, column order, a spread without maxSkew, a labels app that replaces the name', async () => {
  const { objects } = await csvText('memory,cpu,name,labels,spread,replicas\n1Gi,250m,"api",app=shop;tier=be,zone,2\n');
  const rs = objects[0]!.object as J;
  assert.equal(rs['spec']['selector'], { matchLabels: { app: 'shop' } }); // labels' app wins over the name
  assert.equal(rs['spec']['template']['spec']['topologySpreadConstraints'][0]['maxSkew'], 1); // default
  assert.equal(rs['spec']['template']['spec']['containers'][0]['resources'], { requests: { cpu: '250m', memory: '1Gi' } });
});

columns('"#" lines are comments, a "#" inside a value is data; the line numbers still count them', async () => {
  const { objects } = await csvText('# drydock generate --seed 7\nname,cpu,memory,datasets\n# a note\nsweep,1,1Gi,runs#3\n');
  assert.is(objects[0]!.source, 'w.csv:4');
  assert.is((objects[0]!.object as J)['metadata']['annotations']['drydock.io/datasets'], 'runs#3');
  assert.equal(await csvErrors('# comment\nname,cpu,memory\nx,1,1Gx\n'), ['w.csv:3: column "memory": "1Gx" is not a quantity (expected e.g. 512Mi, 2Gi)']);
});

columns.run();

const bad = suite('workload CSV: bad input');

bad('the fixture: every class of problem, one exact line each, all listed', async () => {
  const lines = await errorLines(() => loadWorkloadCsv(join(FIXTURES, 'bad.csv'), { file: 'bad.csv' }));
  const T = 'expected seconds like 90 or 2.5, or a duration like 90s, 5m, 1h30m, 250ms';
  assert.equal(lines, [
    'bad.csv:1: column "colour": unknown column (expected one of name, cpu, memory, namespace, arrival, duration, replicas, priority, priority_class, gpu, gpu_milli, gpu_model, labels, node_selector, tolerations, anti_affinity, affinity, spread, image, image_size, datasets, runtime_class, scheduler_name)',
    'bad.csv:3: column "memory": "12Gx" is not a quantity (expected e.g. 512Mi, 2Gi)',
    'bad.csv:4: column "name": empty (expected a pod name such as web-1: lower-case letters, digits, "-" and ".")',
    `bad.csv:5: column "arrival": "-5" is negative (${T}, at least 0)`,
    `bad.csv:6: column "duration": "10 minutes" is not a time (${T})`,
    'bad.csv:7: column "replicas": "two" is not an integer (expected a whole number of pods from 1 to 1000000)',
    'bad.csv:8: column "priority": "1.5" is not an integer (expected an integer up to 1000000000)',
    'bad.csv:9: column "gpu_milli": 1500 is out of range (expected thousandths of one GPU from 1 to 1000, e.g. 250)',
    'bad.csv:10: column "labels": "tier" has no "=" (expected k=v;k2=v2)',
    'bad.csv:11: column "tolerations": "dedicated=batch:Sometimes" has the effect "Sometimes" (expected key=value:Effect;key:Effect;key=value, Effect one of NoSchedule, PreferNoSchedule, NoExecute)',
    'bad.csv:12: column "name": "ok-1" is already used on line 2 (expected a name unique within its namespace)',
  ]);
});

bad('missing required columns and values, selector syntax, negative quantities, a short row, CSV syntax', async () => {
  assert.equal(await csvErrors('name,cpu\nweb,1\n'), ['w.csv:1: column "memory": missing from the header (expected the columns name, cpu and memory at least)']);
  assert.equal(await csvErrors('name,cpu,memory\nweb,,1Gi\n'), ['w.csv:2: column "cpu": empty (expected a quantity, e.g. 500m, 2)']);
  assert.equal(await csvErrors('name,cpu,memory\nweb,-1,1Gi\n'), ['w.csv:2: column "cpu": "-1" is negative (expected a quantity of at least 0, e.g. 500m, 2)']);
  assert.equal(await csvErrors('name,cpu,memory,node_selector\nweb,1,1Gi,disk=ss d\n'), [
    'w.csv:2: column "node_selector": "ss d" is not a valid label value: it must be empty or alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric (expected k=v;k2=v2)',
  ]);
  assert.equal(await csvErrors('name,cpu,memory,anti_affinity\nweb,1,1Gi,/zone\n'), [
    'w.csv:2: column "anti_affinity": "/zone" is not a valid label key: the prefix before "/" is empty (expected a node label key such as topology.kubernetes.io/zone or kubernetes.io/hostname)',
  ]);
  assert.equal(await csvErrors('name,cpu,memory,spread\nweb,1,1Gi,zone:0\n'), [
    'w.csv:2: column "spread": maxSkew "0" is not a whole number of at least 1 (expected topologyKey:maxSkew, e.g. topology.kubernetes.io/zone:1)',
  ]);
  assert.equal(await csvErrors('name,cpu,memory,gpu,gpu_milli\nweb,1,1Gi,1,500\n'), [
    'w.csv:2: column "gpu_milli": given together with gpu (expected either whole GPUs in gpu or a share of one GPU in gpu_milli)',
  ]);
  assert.equal(await csvErrors('name,cpu,memory\nweb,1\n'), ['w.csv:2: the row has 2 values and the header 3 columns (expected one value per column; quote values that contain commas)']);
  // The quote opened on line 2 is never closed; csv-parse reports the line where the record started.
  assert.equal(await csvErrors('name,cpu,memory\nweb,1,"1Gi\n'), [
    'w.csv:2: CSV syntax: Quote Not Closed: the parsing is finished with an opening quote at line 2 (expected comma-separated values, "quoted" where they contain commas)',
  ]);
  assert.equal(await csvErrors(''), ['w.csv:1: the file is empty (expected a header with at least the columns name, cpu, memory)']);
});

bad('at most 20 problems are listed, then reading stops', async () => {
  // 30 rows each with a bad cpu: lines 2..21 are the first 20 (line 1 is the header).
  const rows = Array.from({ length: 30 }, (_, i) => `p${i},lots,1Gi`);
  const lines = await csvErrors(['name,cpu,memory', ...rows].join('\n'));
  assert.is(lines.length, 20);
  assert.is(lines[0], 'w.csv:2: column "cpu": "lots" is not a quantity (expected e.g. 500m, 2)');
  assert.is(lines[19], 'w.csv:21: column "cpu": "lots" is not a quantity (expected e.g. 500m, 2)');
});

bad.run();

const stream = suite('workload CSV: streaming');

stream('100,000 rows through a named pipe: objects come out while rows are still being written, in bounded memory', async () => {
  const dir = tempDir();
  try {
    const fifo = join(dir, 'w.csv');
    execFileSync('mkfifo', [fifo]);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const ROWS = 100_000;
    let written = 0;
    const writer = (async () => {
      const out = createWriteStream(fifo);
      out.write('name,cpu,memory,arrival,duration\n');
      for (let i = 0; i < ROWS; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) chunk += `p-${j},${100 + (j % 900)}m,${64 + (j % 64)}Mi,${j},${60 + (j % 600)}\n`;
        written = i + 1000;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((r) => out.end(() => r()));
    })();
    gc();
    const base = process.memoryUsage().heapUsed;
    let seen = 0;
    let writtenAtFirst = -1;
    let peak = 0;
    const reading = readWorkloadCsv(fifo, (o) => {
      if (seen++ === 0) writtenAtFirst = written;
      if (seen % 25_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      void o;
    });
    await Promise.all([writer, reading]);
    assert.is(seen, ROWS);
    // The first pod came out when at most a few thousand of the 100,000 rows had been written: the file was not
    // read whole before parsing (a pipe holds 64 KiB ≈ 2,600 rows of ~25 bytes).
    assert.ok(writtenAtFirst > 0 && writtenAtFirst <= 10_000, `first object after ${writtenAtFirst} rows written`);
    // What stays in memory is the name index for duplicate detection (one Map entry per name, ~60–100 bytes)
    // and stream buffers: well under 200 bytes a row. Holding the parsed records (5 strings + an array each,
    // > 250 bytes a row) or the pods (> 1 KB each) would not fit.
    assert.ok(peak < ROWS * 200, `peak heap growth ${(peak / 1e6).toFixed(1)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

stream.run();

const detect = suite('workload: format detection');

detect('by header, extension and folder', () => {
  assert.is(detectFormat(join(FIXTURES, 'workload.csv')), 'drydock-csv');
  assert.is(detectFormat(join(FIXTURES, 'bad.csv')), 'drydock-csv'); // its own loader reports the columns
  assert.is(detectFormat(join(FIXTURES, 'alibaba', 'openb_pod_list_tiny.csv')), 'alibaba-pods');
  assert.is(detectFormat(join(FIXTURES, 'alibaba', 'openb_node_list_tiny.csv')), 'alibaba-nodes');
  assert.is(detectFormat(join(FIXTURES, 'manifests')), 'manifests');
  assert.is(detectFormat(join(FIXTURES, 'manifests', '02-apps.yaml')), 'manifests');
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'pod'), 'apiVersion: v1\nkind: Pod\n');
    assert.is(detectFormat(join(dir, 'pod')), 'manifests'); // YAML without an extension, by its first line
    writeFileSync(join(dir, 'gen.txt'), '# drydock generate\nname,cpu,memory\n');
    assert.is(detectFormat(join(dir, 'gen.txt')), 'drydock-csv'); // the header after a comment line
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    assert.throws(() => detectFormat(join(dir, 'notes.txt')), (e: Error) => e instanceof UserInputError && e.message === `${join(dir, 'notes.txt')}:1: not a workload (expected a CSV with the columns name,cpu,memory,…, an Alibaba openb_pod_list CSV, or Kubernetes YAML in a .yaml file)`);
    assert.throws(() => detectFormat(join(dir, 'missing.csv')), (e: Error) => e instanceof UserInputError && e.message.includes('ENOENT'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

detect('loadWorkload merges a CSV, manifests and an Alibaba trace: by arrival, setup kinds first, inputs with sha256', async () => {
  const w = await loadWorkload([join(FIXTURES, 'workload.csv'), join(FIXTURES, 'manifests'), join(FIXTURES, 'alibaba', 'openb_pod_list_tiny.csv')]);
  // 7 CSV objects + 9 manifests + 5 trace pods = 21.
  assert.is(w.objects.length, 21);
  for (let i = 1; i < w.objects.length; i++) assert.ok(w.objects[i - 1]!.arrivalMs <= w.objects[i]!.arrivalMs);
  // At time 0 the five setup objects come first: CSV's Namespace + 2 PriorityClasses, then the manifests'
  // Namespace, PriorityClass and RuntimeClass (the read order among them).
  assert.equal(w.objects.slice(0, 6).map((o) => o.resource), ['namespaces', 'priorityclasses', 'priorityclasses', 'namespaces', 'priorityclasses', 'runtimeclasses']);
  assert.is(w.objects[6]!.resource, 'replicasets');
  assert.is(w.nodes.length, 4); // the tiny node list found next to the pod list
  assert.equal(w.inputs.map((i) => i.file.slice(FIXTURES.length)), [
    'workload.csv',
    'manifests/01-setup.yaml',
    'manifests/02-apps.yaml',
    'alibaba/openb_pod_list_tiny.csv',
    'alibaba/openb_node_list_tiny.csv',
  ]);
  const digest = execFileSync('sha256sum', [join(FIXTURES, 'workload.csv')], { encoding: 'utf8' }).split(' ')[0];
  assert.is(w.inputs[0]!.sha256, digest);
  assert.ok(statSync(join(FIXTURES, 'workload.csv')).size > 0);
});

detect('a made-up Namespace gives way to one a manifest defines', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'w.csv'), 'name,namespace,cpu,memory\na,shop,1,1Gi\n');
    writeFileSync(join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: web}\n');
    const w = await loadWorkload([join(dir, 'w.csv'), join(dir, 'ns.yaml')]);
    assert.equal(w.objects.map((o) => [o.resource, (o.object as J)['metadata']['labels']]), [
      ['namespaces', { team: 'web' }],
      ['pods', { app: 'a' }],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

detect.run();
