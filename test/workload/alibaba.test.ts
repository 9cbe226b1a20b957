// The Alibaba GPU trace format: a tiny pod list and node list written for these tests (the trace's columns,
// made-up rows), the conversions with their arithmetic, bad rows, pools from node shapes, and the real default
// trace read from ../shared/datasets (skipped, visibly, when it is absent).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from '../../src/cli/errors.js';
import { findNodeList, loadAlibabaNodes, loadAlibabaTrace, loadWorkload } from '../../src/workload/index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/workload/fixtures/alibaba/', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../../shared/datasets/alibaba-gpu-v2023/', import.meta.url));
const PODS = join(FIXTURES, 'openb_pod_list_tiny.csv');
const NODES = join(FIXTURES, 'openb_node_list_tiny.csv');

type J = Record<string, any>; // JSON objects, navigated freely in assertions

const tiny = suite('Alibaba trace: the tiny fixture');

tiny('pods: requests, GPUs, model constraint, arrival and duration', async () => {
  const t = await loadAlibabaTrace(PODS);
  const pods = t.objects.map((o) => o.object as J);
  assert.equal(pods.map((p) => p['metadata']['name']), ['tiny-pod-a', 'tiny-pod-b', 'tiny-pod-c', 'tiny-pod-d', 'tiny-pod-e']);
  // creation_time (s) × 1000 = arrivalMs.
  assert.equal(t.objects.map((o) => o.arrivalMs), [0, 30_000, 45_000, 120_000, 7_200_000]);
  assert.equal(t.objects.map((o) => o.source.slice(FIXTURES.length)), ['openb_pod_list_tiny.csv:2', 'openb_pod_list_tiny.csv:3', 'openb_pod_list_tiny.csv:4', 'openb_pod_list_tiny.csv:5', 'openb_pod_list_tiny.csv:6']);
  const res = (p: J) => p['spec']['containers'][0]['resources'];
  const dur = (p: J) => p['metadata']['annotations']?.['drydock.io/duration-seconds'];
  // a: num_gpu 0 → no GPU; 4000 milli-CPU → "4000m"; 8192 MiB → "8192Mi"; 600 − 0 = 600 s.
  assert.equal(res(pods[0]!), { requests: { cpu: '4000m', memory: '8192Mi' } });
  assert.is(dur(pods[0]!), '600');
  assert.equal(pods[0]!['metadata']['labels'], { 'drydock.io/qos': 'BE' });
  // b: num_gpu 1, gpu_milli 1000 → one whole GPU; 3630 − 30 = 3600 s.
  assert.equal(res(pods[1]!), { requests: { cpu: '12000m', memory: '16384Mi', 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
  assert.is(dur(pods[1]!), '3600');
  // c: num_gpu 1, gpu_milli 350 → a share of 350; no deletion_time → runs until the end (no annotation).
  assert.equal(res(pods[2]!), { requests: { cpu: '6000m', memory: '12288Mi', 'drydock.io/gpu-milli': '350' }, limits: { 'drydock.io/gpu-milli': '350' } });
  assert.is(dur(pods[2]!), undefined);
  // d: 4 whole GPUs; gpu_spec A100X|B200X → drydock.io/gpu-model In [A100X, B200X]; deletion 100 < creation 120
  // → runs until the end; pod_phase Pending is ignored.
  assert.equal(res(pods[3]!)['requests']['nvidia.com/gpu'], '4');
  assert.is(dur(pods[3]!), undefined);
  assert.equal(pods[3]!['spec']['affinity'], {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'drydock.io/gpu-model', operator: 'In', values: ['A100X', 'B200X'] }] }] } },
  });
  // e: share 500 on a B200X only; 7260 − 7200 = 60 s.
  assert.equal(res(pods[4]!)['requests']['drydock.io/gpu-milli'], '500');
  assert.equal(pods[4]!['spec']['affinity']['nodeAffinity']['requiredDuringSchedulingIgnoredDuringExecution']['nodeSelectorTerms'][0]['matchExpressions'][0]['values'], ['B200X']);
  assert.is(dur(pods[4]!), '60');
  for (const p of pods) {
    assert.is(p['metadata']['namespace'], 'default');
    assert.is(p['spec']['restartPolicy'], 'Never');
  }
});

tiny('nodes: capacity = allocatable, pods 110, GPUs and model label, hostname, no zone, no taints', async () => {
  const { nodes } = await loadAlibabaNodes(NODES);
  assert.is(nodes.length, 4);
  const [cpuOnly, a100] = nodes as unknown as J[];
  assert.equal(cpuOnly, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'tiny-node-0', labels: { 'kubernetes.io/hostname': 'tiny-node-0' } },
    spec: { taints: [] },
    status: { capacity: { cpu: '32000m', memory: '131072Mi', pods: '110' }, allocatable: { cpu: '32000m', memory: '131072Mi', pods: '110' } },
  });
  assert.equal(a100!['metadata']['labels'], { 'kubernetes.io/hostname': 'tiny-node-1', 'drydock.io/gpu-model': 'A100X' });
  assert.equal(a100!['status']['capacity'], { cpu: '96000m', memory: '393216Mi', pods: '110', 'nvidia.com/gpu': '8' });
});

tiny('pools from node shapes: one per distinct shape, in order of appearance, with counts', async () => {
  const t = await loadAlibabaTrace(PODS, { poolsFromNodes: true });
  assert.is(t.nodes.length, 0);
  assert.equal(t.pools, [
    // 32000m = 32 cores, 131072 Mi / 1024 = 128 Gi
    { name: 'cpu-0gpu-32c-128gi', count: 1, shape: { cpu: '32000m', memory: '131072Mi', pods: 110 } },
    // 393216 / 1024 = 384 Gi; two identical nodes → count 2
    { name: 'a100x-8gpu-96c-384gi', count: 2, shape: { cpu: '96000m', memory: '393216Mi', pods: 110, gpu: 8, gpuModel: 'A100X' } },
    { name: 'b200x-2gpu-64c-256gi', count: 1, shape: { cpu: '64000m', memory: '262144Mi', pods: 110, gpu: 2, gpuModel: 'B200X' } },
  ]);
});

tiny('the node list is found next to the pod list, or given explicitly', async () => {
  assert.is(findNodeList(PODS), NODES);
  const dir = mkdtempSync(join(tmpdir(), 'drydock-alibaba-'));
  try {
    const pods = join(dir, 'openb_pod_list_x.csv');
    writeFileSync(pods, 'name,cpu_milli,memory_mib,num_gpu,gpu_milli\nx-1,1000,1024,0,0\n');
    try {
      await loadWorkload([pods]);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, UserInputError);
      assert.is((err as Error).message, `${pods}: an Alibaba pod list, but no openb_node_list_*.csv was found next to it (expected one in the same folder, or a node list given with --nodes)`);
    }
    // The five-column files (multigpu*) have no times: every pod arrives at 0 and runs until the end.
    const w = await loadWorkload([pods], { nodeList: NODES });
    assert.equal([w.objects.length, w.objects[0]!.arrivalMs, w.nodes.length], [1, 0, 4]);
    // --nodes naming a YAML list of Nodes: the caller reads it; no trace node list is looked for.
    const yamlNodes = join(dir, 'nodes.yaml');
    writeFileSync(yamlNodes, 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n');
    assert.is((await loadWorkload([PODS], { nodeList: yamlNodes })).nodes.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

tiny('bad rows: one exact line each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-alibaba-'));
  try {
    const pods = join(dir, 'p.csv');
    writeFileSync(
      pods,
      [
        'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time',
        'p-1,4000,8192,2,500,,LS,Running,0,10,0',
        'p-2,4000,8192,1,0,,LS,Running,0,10,0',
        'p-3,4k,8192,0,0,,LS,Running,0,10,0',
        'p-4,4000,8192,0,0,,LS,Running,soon,10,0',
        'p-1,4000,8192,0,0,,LS,Running,0,10,0',
      ].join('\n'),
    );
    try {
      await loadAlibabaTrace(pods, { nodeList: NODES });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, UserInputError);
      assert.equal((err as Error).message.split('\n'), [
        `${pods}:2: column "gpu_milli": 500 with num_gpu 2 (expected 1000: only single-GPU pods share a GPU)`,
        `${pods}:3: column "gpu_milli": 0 is out of range for a GPU pod (expected 1 to 1000)`,
        `${pods}:4: column "cpu_milli": "4k" is not a whole number (expected millicores, e.g. 4000)`,
        `${pods}:5: column "creation_time": "soon" is not a whole number (expected seconds, e.g. 9437497)`,
        `${pods}:6: column "name": "p-1" is already used on line 2 (expected unique pod names)`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

tiny.run();

const real = suite('Alibaba trace: the real default trace');

real('openb_pod_list_default.csv: 8,152 pods; gpu_node list 1,213 nodes, all_node list 1,523', async () => {
  if (!existsSync(join(TRACE, 'openb_pod_list_default.csv'))) {
    console.log(`  (skipped: the Alibaba trace is not at ${TRACE})`);
    return;
  }
  const t = await loadAlibabaTrace(join(TRACE, 'openb_pod_list_default.csv'), { nodeList: join(TRACE, 'openb_node_list_gpu_node.csv') });
  assert.is(t.objects.length, 8152);
  // The 1,523 nodes is openb_node_list_all_node.csv; openb_node_list_gpu_node.csv (the FGD paper's
  // cluster) has its 1,213 GPU nodes only (1,523 − 310 CPU-only nodes).
  assert.is(t.nodes.length, 1213);
  const cap = (key: string) => t.nodes.reduce((s, n) => s + Number(((n.status?.capacity ?? {}) as Record<string, string>)[key]?.replace(/m$/, '') ?? 0), 0);
  assert.is(cap('nvidia.com/gpu'), 6212); // the FGD paper's 6,212 GPUs
  assert.is(cap('cpu'), 107_018_000); // 107,018 cores in millicores
  // Pod types (shared/reference/fgd-experiment.md §1.2): 1088 CPU-only, 3078 sharing, 3911 one whole GPU,
  // 16 × 2, 15 × 4, 44 × 8 GPUs; 1088 + 3078 + 3911 + 16 + 15 + 44 = 8152.
  const types = new Map<string, number>();
  let milli = 0;
  for (const o of t.objects) {
    const req = (o.object as J)['spec']['containers'][0]['resources']['requests'];
    const whole = Number(req['nvidia.com/gpu'] ?? 0);
    const share = Number(req['drydock.io/gpu-milli'] ?? 0);
    const k = whole > 0 ? `${whole}gpu` : share > 0 ? 'share' : 'cpu';
    types.set(k, (types.get(k) ?? 0) + 1);
    milli += whole * 1000 + share;
  }
  assert.equal(Object.fromEntries([...types].sort()), { '1gpu': 3911, '2gpu': 16, '4gpu': 15, '8gpu': 44, cpu: 1088, share: 3078 });
  assert.is(milli, 6_086_800); // 98.0 % of 6,212,000
  // Found next to the pod list by default: the whole cluster.
  const all = await loadAlibabaTrace(join(TRACE, 'openb_pod_list_default.csv'));
  assert.is(all.nodes.length, 1523);
  assert.equal(all.inputs.map((i) => i.sha256), [
    '1ee7ed79c27a3b0861cda8ddba86a004c6aba904caafa329a76ae93ca63834a8',
    '5a85c2af79c66a1efff8bbcbda430400aae56d8431370d738480967e1a9c6b15',
  ]);
});

real.run();
