// The etcd backend against the embedded store.
//  1. Objects created per second through the API server (ApiServer.create of a pod: decoding checks,
//     defaulting, admission, validation, the store's create transaction), on the embedded store and on etcd:
//     awaited one by one, and with 32 in flight (etcd only; the embedded store does its work at call time).
//     On etcd both ways: EtcdStore as `drydock serve` uses it, and the lockstep store `drydock simulate` uses.
//  2. SchedulingBasic at scheduler_perf's small size (500 nodes, 500 initial pods, 1000 measured) through the
//     whole control plane, on each backend.
// etcd: --endpoints URL, or $DRYDOCK_ETCD_ENDPOINTS, or one started here from the `etcd` binary (Debian's etcd-server).
// Run: npm run bench:etcd [-- --json FILE] [--pods N] [--endpoints URL]
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ApiServer } from '../src/apiserver/apiserver.js';
import { findCase, scaled } from '../src/bench/cases.js';
import { runCase } from '../src/bench/runner.js';
import { openEmbeddedStore } from '../src/store/embedded.js';
import { openEtcdStore } from '../src/store/etcd.js';
import { LockstepEtcdStore } from '../src/store/etcd-lockstep.js';
import type { Store } from '../src/store/types.js';
import { ManualClock } from '../src/util/clock.js';
import { seededRng } from '../src/util/rng.js';
import { etcdEndpointOrSkip } from './etcd-endpoint.js';

const { values: flags } = parseArgs({ options: { json: { type: 'string' }, pods: { type: 'string', default: '5000' }, endpoints: { type: 'string' } } });
const PODS = Number(flags.pods);
if (!Number.isInteger(PODS) || PODS <= 0) throw new Error(`--pods must be a positive integer, not ${JSON.stringify(flags.pods)}`);

const endpoint = await etcdEndpointOrSkip(flags.endpoints);
const etcdVersion = ((await (await fetch(`${endpoint}/version`)).json()) as { etcdserver: string }).etcdserver;

type Backend = 'embedded' | 'etcd' | 'etcd-lockstep';
let run = 0;
/** A fresh store of each kind; on etcd each run has its own prefix, so runs do not see each other. */
async function open(kind: Backend): Promise<{ store: Store; storagePrefix?: string }> {
  if (kind === 'embedded') return { store: openEmbeddedStore({ clock: new ManualClock(0) }).store };
  const storagePrefix = `/bench/${process.pid}/${run++}`;
  if (kind === 'etcd') return { store: await openEtcdStore({ endpoints: [endpoint] }), storagePrefix };
  return { store: new LockstepEtcdStore([endpoint]), storagePrefix };
}

function pod(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, labels: { app: `a${i % 10}` } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

interface CreateResult {
  readonly backend: Backend;
  readonly inFlight: number;
  readonly objects: number;
  readonly seconds: number;
  readonly objectsPerSecond: number;
}

async function creates(kind: Backend, inFlight: number): Promise<CreateResult> {
  const { store, storagePrefix } = await open(kind);
  const api = new ApiServer({ store, ...(storagePrefix !== undefined ? { storagePrefix } : {}), clock: new ManualClock(0), rng: seededRng(1) });
  await api.bootstrap();
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < PODS) await api.create('pods', pod(next++));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const listed = (await api.list('pods', { namespace: 'default', limit: 1 })).metadata.remainingItemCount ?? 0;
  if (listed + 1 !== PODS) throw new Error(`${kind}: ${listed + 1} pods listed after ${PODS} creates`);
  api.close();
  await store.close();
  return { backend: kind, inFlight, objects: PODS, seconds: round(seconds, 3), objectsPerSecond: round(PODS / seconds) };
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

const createRuns: CreateResult[] = [];
for (const [kind, inFlight] of [['embedded', 1], ['etcd', 1], ['etcd', 32], ['etcd-lockstep', 1]] as const) {
  const r = await creates(kind, inFlight);
  createRuns.push(r);
  console.log(`create ${r.objects} pods  ${kind.padEnd(14)} ${String(inFlight).padStart(2)} in flight  ${String(r.objectsPerSecond).padStart(7)} objects/s  (${r.seconds} s)`);
}

// scheduler_perf's SchedulingBasic "500Nodes" size (test/integration/scheduler_perf/misc/performance-config.yaml).
const full = findCase('SchedulingBasic')!;
const basic = { ...scaled(full, 500, 1000), init: full.init.map((g) => ({ ...g, count: 500 })) };
if (basic.init.length !== 1) throw new Error('SchedulingBasic is expected to have one group of initial pods');
const scheduling: { backend: Backend; podsPerSecond: number; seconds: number; wallSeconds: number }[] = [];
for (const kind of ['embedded', 'etcd', 'etcd-lockstep'] as const) {
  const { store, storagePrefix } = await open(kind);
  const r = await runCase(basic, { store, ...(storagePrefix !== undefined ? { storagePrefix } : {}) });
  await store.close();
  scheduling.push({ backend: kind, podsPerSecond: round(r.podsPerSecond), seconds: round(r.seconds, 3), wallSeconds: round(r.wallSeconds, 2) });
  console.log(`SchedulingBasic 500 nodes / 1000 pods  ${kind.padEnd(14)} ${String(round(r.podsPerSecond)).padStart(7)} pods/s  (case ${round(r.wallSeconds, 1)} s)`);
}

const result = {
  machine: { node: process.version, etcd: etcdVersion, endpoint },
  createsThroughApiServer: createRuns,
  schedulingBasicSmall: { nodes: 500, initPods: 500, measuredPods: 1000, runs: scheduling },
};
if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify(result, null, 2) + '\n');
process.exit(0);
