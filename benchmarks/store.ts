// Store benchmark: puts per second, and watch events delivered per second with 1, 10 and 100 watchers,
// in memory and with the write-ahead log (fsync per write). Run: npm run bench:store [-- --json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MvccStore, prefixEnd } from '../src/store/mvcc.js';
import { openEmbeddedStore } from '../src/store/embedded.js';

interface Row {
  case: string;
  backend: 'memory' | 'wal';
  watchers: number;
  ops: number;
  seconds: number;
  putsPerSecond: number;
  eventsPerSecond: number;
}

/** A pod-sized value, built once and shared (the store keeps values by reference). */
const value = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
};

function withStore<T>(backend: 'memory' | 'wal', fn: (s: MvccStore) => T): T {
  if (backend === 'memory') return fn(new MvccStore());
  const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-'));
  const { mvcc } = openEmbeddedStore({ dataDir: dir });
  try {
    return fn(mvcc);
  } finally {
    mvcc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(backend: 'memory' | 'wal', watchers: number, ops: number): Row {
  return withStore(backend, (s) => {
    let delivered = 0;
    const prefix = '/registry/pods/';
    for (let i = 0; i < watchers; i++) s.watch({ key: prefix, rangeEnd: prefixEnd(prefix) }, (r) => (delivered += r.events.length));
    // 1000 distinct keys, each written ops/1000 times: creates and updates, like pods moving through phases.
    const keys = Array.from({ length: 1000 }, (_, i) => `${prefix}default/pod-${i}`);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) s.put({ key: keys[i % 1000]!, value });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (delivered !== ops * watchers) throw new Error(`expected ${ops * watchers} events, delivered ${delivered}`);
    return {
      case: watchers === 0 ? 'put' : `put+watch×${watchers}`,
      backend,
      watchers,
      ops,
      seconds,
      putsPerSecond: Math.round(ops / seconds),
      eventsPerSecond: Math.round(delivered / seconds),
    };
  });
}

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const rows: Row[] = [];
run('memory', 0, 20_000); // warm-up: lets the JIT settle before anything is measured
for (const backend of ['memory', 'wal'] as const) {
  const ops = backend === 'memory' ? 200_000 : 5_000;
  for (const watchers of [0, 1, 10, 100]) rows.push(run(backend, watchers, watchers === 100 && backend === 'memory' ? ops / 4 : ops));
}

console.log('backend  case             ops       seconds   puts/s      events/s');
for (const r of rows) {
  console.log(
    `${r.backend.padEnd(8)} ${r.case.padEnd(16)} ${String(r.ops).padEnd(9)} ${r.seconds.toFixed(3).padEnd(9)} ${String(r.putsPerSecond).padEnd(11)} ${r.eventsPerSecond}`,
  );
}
if (jsonAt >= 0) {
  const file = args[jsonAt + 1];
  if (file === undefined) throw new Error('--json needs a file name');
  writeFileSync(file, JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2) + '\n');
}
