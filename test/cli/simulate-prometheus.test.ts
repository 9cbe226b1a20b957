// drydock simulate --prometheus FILE: the scheduler's, Cluster Autoscaler's and the requested/allocatable
// metrics at the end of a run, on virtual time, agreeing with the run's own summary and byte-identical for
// the same seed. Parsed with an npm Prometheus text parser.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runSimulateCommand } from '../../src/cli/commands/simulate.js';
import { parseExposition, total, value } from '../addons/prom.js';

const POOLS = `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.xlarge, zones: [us-east-1a], minSize: 1, initialSize: 1, maxSize: 10}
`;

const defaults = { 'pools-from-nodes': false, seed: 1, 'sample-every': '60s', quiet: true };

const t = suite('drydock simulate --prometheus');

t('the end-of-run metrics agree with the summary, and repeat byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-prom-'));
  try {
    // 10 pods of 900m for 10 minutes: one m5.xlarge (3920m allocatable) holds 4, so the pool grows.
    const rows = ['name,cpu,memory,arrival,duration'];
    for (let i = 0; i < 10; i++) rows.push(`p${i},900m,1Gi,${i},600`);
    writeFileSync(join(dir, 'w.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'pools.yaml'), POOLS);
    const texts: string[] = [];
    let summary: Awaited<ReturnType<typeof runSimulateCommand>>['summary'] | undefined;
    for (const k of ['a', 'b']) {
      const r = await runSimulateCommand({ ...defaults, workload: [join(dir, 'w.csv')], pools: join(dir, 'pools.yaml'), prometheus: join(dir, `${k}.prom`) });
      summary = r.summary;
      texts.push(readFileSync(join(dir, `${k}.prom`), 'utf8'));
    }
    assert.is(texts[0], texts[1], 'same inputs and seed, same metrics');
    const m = await parseExposition(texts[0]!);
    const a = summary!.autoscaler!;
    assert.ok(a.nodesAdded > 0, 'the workload made the pool grow');
    assert.is(value(m, 'cluster_autoscaler_scaled_up_nodes_total'), a.nodesAdded);
    assert.is(total(m, 'cluster_autoscaler_scaled_down_nodes_total'), a.nodesRemoved);
    // Every pod was bound once: 10 scheduled attempts; nothing is left pending.
    assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'default-scheduler' }), 10);
    assert.is(total(m, 'scheduler_pending_pods'), 0);
    // 4 pods of 900m per 3920m node: ceil(10 / 4) = 3 nodes, so 2 added to the initial one.
    assert.is(a.nodesAdded, 2);
    // The run ends when the last pod finishes, before any scale-down: 1 + 2 − 0 = 3 nodes, all Ready.
    const target = 1 + a.nodesAdded - a.nodesRemoved;
    assert.is(value(m, 'cluster_autoscaler_node_group_target_count', { node_group: 'general' }), target);
    assert.is(value(m, 'cluster_autoscaler_nodes_count', { state: 'ready' }), target);
    // Σ allocatable cpu = 3 × 3.92 cores.
    assert.ok(Math.abs(total(m, 'kube_node_status_allocatable', { resource: 'cpu' }) - target * 3.92) < 1e-9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
