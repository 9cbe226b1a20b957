// Which gRPC client for the etcd store: the `etcd3` package's generated clients (what src/store/etcd.ts uses)
// against a bare @grpc/grpc-js client built from the same rpc.proto with @grpc/proto-loader (what writing it
// "by hand" would be). Both make the same unary calls on one HTTP/2 connection: N sequential puts, N sequential
// single-key ranges, and N puts with 32 in flight; the median of 3 rounds each.
// etcd: --endpoints URL, or $DRYDOCK_ETCD_ENDPOINTS, or one started here from the `etcd` binary.
// Run: npm run build && node dist/benchmarks/etcd-client.js [--n 2000] [--endpoints URL] [--json FILE]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Etcd3 } from 'etcd3';
import { etcdEndpointOrSkip } from './etcd-endpoint.js';

const { values: flags } = parseArgs({ options: { n: { type: 'string', default: '2000' }, endpoints: { type: 'string' }, json: { type: 'string' } } });
const N = Number(flags.n);
const endpoint = await etcdEndpointOrSkip(flags.endpoints);
const host = endpoint.replace(/^https?:\/\//, '');

type Call = (method: 'put' | 'range', req: object) => Promise<unknown>;

// The etcd3 package: its KVClient over its connection pool, with no retries (as EtcdStore configures it).
const { noop } = await import('cockatiel');
const etcd3 = new Etcd3({ hosts: [endpoint], faultHandling: { host: () => noop, global: noop } });
const viaEtcd3: Call = (method, req) => (method === 'put' ? etcd3.kv.put(req as never) : etcd3.kv.range(req as never));

// Bare grpc-js: the same proto file, the same loader options etcd3 uses.
const proto = join(dirname(createRequire(import.meta.url).resolve('etcd3')), '..', 'proto', 'rpc.proto');
const pkg = grpc.loadPackageDefinition(loadSync(proto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true })) as unknown as {
  etcdserverpb: { KV: new (address: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, (req: object, cb: (err: Error | null, res: unknown) => void) => void> };
};
const kv = new pkg.etcdserverpb.KV(host, grpc.credentials.createInsecure());
const viaGrpc: Call = (method, req) =>
  new Promise((resolve, reject) => kv[method === 'put' ? 'Put' : 'Range']!(req, (err, res) => (err ? reject(err) : resolve(res))));

const key = (who: string, i: number) => Buffer.from(`/bench-client/${process.pid}/${who}/${i % 100}`);
const value = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b'.repeat(200) } }));

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return N / ((performance.now() - t0) / 1000);
}

async function measure(who: string, call: Call) {
  const rounds = { sequentialPuts: [] as number[], sequentialRanges: [] as number[], concurrentPuts: [] as number[] };
  for (let r = 0; r < 3; r++) {
    rounds.sequentialPuts.push(await timed(async () => {
      for (let i = 0; i < N; i++) await call('put', { key: key(who, i), value });
    }));
    rounds.sequentialRanges.push(await timed(async () => {
      for (let i = 0; i < N; i++) await call('range', { key: key(who, i) });
    }));
    rounds.concurrentPuts.push(await timed(async () => {
      let next = 0;
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < N) await call('put', { key: key(who, next++), value });
      }));
    }));
  }
  const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[1]!);
  return { client: who, sequentialPutsPerSecond: median(rounds.sequentialPuts), sequentialRangesPerSecond: median(rounds.sequentialRanges), concurrentPutsPerSecond: median(rounds.concurrentPuts) };
}

// Warm both connections, then alternate so neither gets a quieter machine.
await viaEtcd3('range', { key: key('warm', 0) });
await viaGrpc('range', { key: key('warm', 0) });
const results = [await measure('etcd3', viaEtcd3), await measure('grpc-js', viaGrpc)];
for (const r of results) {
  console.log(`${r.client.padEnd(8)} sequential puts ${String(r.sequentialPutsPerSecond).padStart(6)}/s   sequential ranges ${String(r.sequentialRangesPerSecond).padStart(6)}/s   puts, 32 in flight ${String(r.concurrentPutsPerSecond).padStart(6)}/s`);
}
if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify({ n: N, node: process.version, results }, null, 2) + '\n');
etcd3.close();
kv.close();
process.exit(0);
