// drydock simulate --etcd-endpoints: the same run on a real etcd gives the same results as in memory — the
// summary (minus wallSeconds) equal and the placements byte-identical — because the lockstep store makes the
// same calls in the same order; and a prefix that already holds keys is refused with one line (exit 2).
// Skipped with a visible line when there is no etcd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulateCommand } from '../../src/cli/commands/simulate.js';
import { openEtcdStore } from '../../src/store/etcd.js';
import { prefixEnd } from '../../src/store/mvcc.js';
import { generateWorkloadCsv, DEFAULT_GENERATE_OPTIONS } from '../../src/workload/generate.js';
import { ETCD_SKIP, sharedEtcdEndpoint } from '../store/etcd-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const endpoint = await sharedEtcdEndpoint();
if (endpoint === undefined) console.log(`simulate --etcd-endpoints: ${ETCD_SKIP}`);

const POOLS = `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec: {instanceType: m5.xlarge, zones: [us-east-1a, us-east-1b], minSize: 1, initialSize: 1, maxSize: 8}
---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: t4}
spec: {instanceType: g4dn.xlarge, zones: [us-east-1a], minSize: 0, maxSize: 3}
`;

const defaults = { 'pools-from-nodes': false, seed: 5, 'sample-every': '60s', quiet: true };

if (endpoint !== undefined) {
  test('the same workload in memory and on etcd: equal summaries, byte-identical placements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-simulate-etcd-'));
    try {
      // Services, batch jobs with durations and GPU pods: scale-up, scale-down, restarts and deletions all
      // happen, so every kind of write goes through the store.
      writeFileSync(join(dir, 'w.csv'), generateWorkloadCsv({ ...DEFAULT_GENERATE_OPTIONS, seed: 11, services: 1, batch: 8, gpu: 1, hours: 0.2, maxGpus: 1, gpuModels: ['T4'] }, 'w.csv'));
      writeFileSync(join(dir, 'pools.yaml'), POOLS);
      const common = { ...defaults, workload: [join(dir, 'w.csv')], pools: join(dir, 'pools.yaml') };
      await runSimulateCommand({ ...common, json: join(dir, 'mem.json'), placements: join(dir, 'mem.csv') });
      const prefix = `/simulate-test/${process.pid}`;
      await runSimulateCommand({ ...common, json: join(dir, 'etcd.json'), placements: join(dir, 'etcd.csv'), 'etcd-endpoints': endpoint, 'etcd-prefix': prefix });
      const read = (f: string) => {
        const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
        delete j['wallSeconds'];
        return j;
      };
      const mem = read('mem.json');
      assert.ok((mem['pods'] as { total: number }).total >= 9, 'the workload ran');
      assert.equal(read('etcd.json'), mem);
      assert.is(readFileSync(join(dir, 'etcd.csv'), 'utf8'), readFileSync(join(dir, 'mem.csv'), 'utf8'));
      // And the state really went through etcd, under the prefix, with kube-apiserver's key layout.
      const store = await openEtcdStore({ endpoints: [endpoint] });
      try {
        const pods = await store.range({ key: `${prefix}/pods/`, rangeEnd: prefixEnd(`${prefix}/pods/`), countOnly: true });
        const nodes = await store.range({ key: `${prefix}/minions/`, rangeEnd: prefixEnd(`${prefix}/minions/`), countOnly: true });
        assert.ok(pods.count > 0 && nodes.count > 0, `pods ${pods.count}, nodes ${nodes.count} under ${prefix}/`);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a prefix that already holds keys is refused: one line, exit 2', async () => {
    const store = await openEtcdStore({ endpoints: [endpoint] });
    const prefix = `/simulate-busy/${process.pid}`;
    try {
      await store.put({ key: `${prefix}/pods/default/x`, value: {} });
    } finally {
      await store.close();
    }
    const r = spawnSync(process.execPath, [MAIN, 'simulate', '--quiet', '--etcd-endpoints', endpoint, '--etcd-prefix', prefix], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 2);
    assert.is(
      r.stderr.trim(),
      `drydock: --etcd-prefix ${prefix}: etcd at ${endpoint} already holds 1 keys under ${prefix}/ (expected an empty prefix for a simulation; pass another --etcd-prefix, e.g. /drydock-sim-1)`,
    );
  });
} else {
  test(`simulate --etcd-endpoints: ${ETCD_SKIP}`, () => {});
}

test.run();
