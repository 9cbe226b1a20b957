// Across random sequences of cluster events — the workload scaled, nodes that stop (and resume) responding,
// a zone going down and up, time passing — on the assembled virtual cluster with the autoscaler:
// no node pool ever goes outside its min/max, and no pod is ever lost: every pod the workload has ends
// Running, Succeeded, Failed, or Pending with a reason (PodScheduled=False, or bound and starting).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Pod } from '../../src/api/index.js';
import { loadCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools } from '../../src/cloud/nodepool.js';
import { VirtualCluster } from '../../src/sim/cluster.js';

const catalog = loadCatalog();
const POOLS = parseNodePools(
  `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: a}\nspec: {instanceType: m5.large, zones: [us-east-1a, us-east-1b], minSize: 1, maxSize: 4}\n---\n` +
    `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: b}\nspec: {instanceType: m5.xlarge, zones: [us-east-1b], minSize: 0, maxSize: 3}\n`,
  'pools.yaml',
  catalog,
).pools;

type Event = { scale: number } | { stop: number } | { resume: number } | { zoneDown: boolean } | { wait: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ scale: fc.integer({ min: 0, max: 40 }) }), // up to more than the pools can hold (about 30 pods of 600m)
  fc.record({ stop: fc.nat(5) }),
  fc.record({ resume: fc.nat(5) }),
  fc.record({ zoneDown: fc.boolean() }),
  fc.record({ wait: fc.integer({ min: 10, max: 600 }) }),
);

function accountedFor(p: Pod): boolean {
  const phase = p.status?.phase;
  if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return true;
  if (p.spec.nodeName !== undefined) return true; // bound: starting on its node
  return p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && (c.reason ?? '') !== '') === true;
}

test('no pool leaves [min, max] and no pod is lost, whatever happens', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100 }), async (events, seed) => {
      const c = await VirtualCluster.create({ pools: POOLS, seed });
      try {
        const checkPools = () => {
          for (const g of c.cloud.nodeGroups()) {
            const size = g.targetSize();
            assert.ok(size >= g.minSize() && size <= g.maxSize(), `${g.id}: target ${size} outside [${g.minSize()}, ${g.maxSize()}]`);
          }
        };
        await c.api.create('deployments', {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '600m', memory: '512Mi' } } }] } } },
        });
        await c.advance(120_000, 10_000);
        let zoneDown = false;
        for (const e of events) {
          const inState = (state: string) => [...c.kubelets.keys()].sort().filter((n) => c.cloud.instanceByNodeName(n)?.state === state);
          if ('scale' in e) {
            const d = await c.api.get<{ spec: object } & Record<string, unknown>>('deployments', 'default', 'web');
            await c.api.update('deployments', { ...d, spec: { ...d.spec, replicas: e.scale } });
          } else if ('stop' in e) {
            const running = inState('running');
            if (running.length > 0) c.cloud.stopResponding(running[e.stop % running.length]!);
          } else if ('resume' in e) {
            // Machines in a zone that is down cannot come back until the zone does.
            const stuck = inState('unresponsive').filter((n) => !(zoneDown && c.cloud.instanceByNodeName(n)?.zone === 'us-east-1a'));
            if (stuck.length > 0) c.cloud.resumeResponding(stuck[e.resume % stuck.length]!);
          }
          if ('zoneDown' in e) {
            if (e.zoneDown && !zoneDown) c.cloud.zoneDown('us-east-1a');
            if (!e.zoneDown && zoneDown) c.cloud.zoneUp('us-east-1a');
            zoneDown = e.zoneDown;
          } else if ('wait' in e) await c.advance(e.wait * 1000, 10_000);
          await c.settle();
          checkPools();
        }
        await c.advance(10 * 60_000, 15_000);
        checkPools();
        const pods = (await c.api.list<Pod>('pods', { labelSelector: 'app=web' })).items.filter((p) => p.metadata?.deletionTimestamp === undefined);
        for (const p of pods) assert.ok(accountedFor(p), `${p.metadata?.name}: phase ${p.status?.phase}, no reason`);
      } finally {
        c.stop();
      }
    }),
    { numRuns: 12 },
  );
});

test.run();
