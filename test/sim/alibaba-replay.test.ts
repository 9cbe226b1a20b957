// The Alibaba GPU trace replayed end to end through `drydock simulate` (API server, scheduler, kubelets,
// controllers): every pod of the trace appears exactly once in the placements, no node ever holds more than
// its allocatable cpu, memory or GPUs, no GPU device more than 1000 thousandths, and every gpu_spec (GPU-model
// constraint) is honoured. Reads the trace from ../shared/datasets and skips, visibly, when it is absent.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { runSimulateCommand } from '../../src/cli/commands/simulate.js';

const TRACE = fileURLToPath(new URL('../../../../shared/datasets/alibaba-gpu-v2023/', import.meta.url));
const NODES = join(TRACE, 'openb_node_list_all_node.csv');

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

interface Interval {
  readonly pod: string;
  readonly from: number;
  readonly to: number;
  readonly cpu: number;
  readonly mem: number;
  /** Thousandths of a GPU on each device the pod holds. */
  readonly perDevice: number;
  readonly devices: readonly string[];
}

/** Replays one pod list on the full node list and checks conservation and safety from the placements. */
async function replayAndCheck(podList: string): Promise<{ pods: number; constrained: number; wallSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-alibaba-'));
  try {
    const result = await runSimulateCommand({ workload: [join(TRACE, podList)], nodes: NODES, 'pools-from-nodes': false, seed: 42, 'sample-every': '10m', placements: join(dir, 'p.csv') });
    const trace = readCsv(join(TRACE, podList));
    const nodes = new Map(readCsv(NODES).map((n) => [n['sn']!, n]));
    const placements = readCsv(join(dir, 'p.csv'));

    // Conservation: the placements name exactly the trace's pods, each once.
    const traceNames = trace.map((r) => r['name']!).sort();
    const placed = placements.map((p) => p['pod']!).sort();
    assert.is(placed.length, trace.length, `${placed.length} placement rows for ${trace.length} pods`);
    assert.equal(placed, traceNames);

    // GPU models: a pod with gpu_spec "A|B" runs only on a node whose model is A or B.
    const byName = new Map(trace.map((r) => [r['name']!, r]));
    let constrained = 0;
    for (const p of placements) {
      const spec = byName.get(p['pod']!)!['gpu_spec'] ?? '';
      if (spec === '' || p['node'] === '') continue;
      constrained++;
      const model = nodes.get(p['node']!)!['model']!;
      assert.ok(spec.split('|').includes(model), `${p['pod']} asks for ${spec} but runs on ${p['node']} (${model})`);
    }

    // Safety: per node, sweep the bound intervals [scheduled, finished) in time order (ends before starts at
    // one instant) and keep running sums; compare with the node list's capacity (allocatable = capacity for
    // trace nodes) and 1000 thousandths per device.
    const perNode = new Map<string, Interval[]>();
    for (const p of placements) {
      if (p['node'] === '' || p['scheduled'] === '') continue;
      const r = byName.get(p['pod']!)!;
      const gpus = Number(r['num_gpu']);
      const milli = Number(r['gpu_milli']);
      const devices = (p['gpu_devices'] ?? '').split(',').filter((d) => d !== '');
      if (gpus > 0) assert.is(devices.length, gpus, `${p['pod']}: ${gpus} GPUs asked, devices "${p['gpu_devices']}"`);
      const list = perNode.get(p['node']!) ?? [];
      list.push({ pod: p['pod']!, from: Number(p['scheduled']), to: p['finished'] === '' ? Infinity : Number(p['finished']), cpu: Number(r['cpu_milli']), mem: Number(r['memory_mib']), perDevice: gpus > 0 ? milli : 0, devices });
      perNode.set(p['node']!, list);
    }
    for (const [node, list] of perNode) {
      const cap = nodes.get(node)!;
      const edges: [number, number, Interval][] = [];
      for (const iv of list) edges.push([iv.from, +1, iv], [iv.to, -1, iv]);
      edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let cpu = 0;
      let mem = 0;
      const device = new Map<string, number>();
      for (const [t, sign, iv] of edges) {
        cpu += sign * iv.cpu;
        mem += sign * iv.mem;
        for (const d of iv.devices) device.set(d, (device.get(d) ?? 0) + sign * iv.perDevice);
        if (sign < 0) continue;
        assert.ok(cpu <= Number(cap['cpu_milli']), `${node} at t=${t}: ${cpu}m cpu > ${cap['cpu_milli']}m`);
        assert.ok(mem <= Number(cap['memory_mib']), `${node} at t=${t}: ${mem}Mi > ${cap['memory_mib']}Mi`);
        for (const d of iv.devices) {
          assert.ok(Number(d) < Number(cap['gpu']), `${node}: device ${d} of ${cap['gpu']}`);
          assert.ok(device.get(d)! <= 1000, `${node} GPU ${d} at t=${t}: ${device.get(d)}/1000 (after ${iv.pod})`);
        }
      }
    }
    return { pods: placements.length, constrained, wallSeconds: result.summary.wallSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = suite('Alibaba trace replay');
const present = existsSync(join(TRACE, 'openb_pod_list_default.csv')) && existsSync(NODES);

run('default trace: 8,152 pods on 1,523 nodes, each pod placed once, no node or GPU device over capacity', async () => {
  if (!present) {
    console.log(`  (skipped: the Alibaba trace is not at ${TRACE})`);
    return;
  }
  const r = await replayAndCheck('openb_pod_list_default.csv');
  assert.is(r.pods, 8152);
});

run('gpuspec10 trace: every GPU-model constraint honoured (and the same conservation and safety)', async () => {
  if (!present || !existsSync(join(TRACE, 'openb_pod_list_gpuspec10.csv'))) {
    console.log(`  (skipped: the Alibaba trace is not at ${TRACE})`);
    return;
  }
  const r = await replayAndCheck('openb_pod_list_gpuspec10.csv');
  // 732 rows of gpuspec10 carry a gpu_spec; every one that was placed was checked.
  assert.ok(r.constrained > 600, `${r.constrained} constrained pods placed`);
});

run.run();
