// `drydock serve --etcd-endpoints` end to end: real drydock serve processes on a real etcd (Debian's
// etcd-server; skipped with a visible line when there is none). Two API servers share the state (a write
// through one reaches a watch on the other; a race of two updates gives one success and one 409); the keys
// are kube-apiserver's; etcd unreachable at start is one line and exit 1; etcd lost while serving gives 503s
// and watch errors, and service comes back with etcd, with nothing acknowledged lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { openEtcdStore } from '../../src/store/etcd.js';
import { prefixEnd } from '../../src/store/mvcc.js';
import { e2e, run, startChild, startServe, waitFor, type Scope } from '../apiserver/e2e-harness.js';
import { ETCD_SKIP, EtcdProcess, etcdBinary } from '../store/etcd-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const bin = etcdBinary();
if (bin === undefined) console.log(`serve --etcd-endpoints: ${ETCD_SKIP}`);

interface Obj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
});

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Opens a watch stream and collects its JSON lines until `stop()` (or the server ends it). */
function watchLines(url: string, path: string): { lines: Record<string, unknown>[]; ended: Promise<void>; stop(): void } {
  const ctrl = new AbortController();
  const lines: Record<string, unknown>[] = [];
  const ended = (async () => {
    try {
      const res = await fetch(url + path, { signal: ctrl.signal });
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted or the connection closed: the stream has ended either way
    }
  })();
  return { lines, ended, stop: () => ctrl.abort() };
}

async function etcdFor(scope: Scope): Promise<EtcdProcess> {
  const etcd = await EtcdProcess.create(bin!);
  scope.defer(() => etcd.stop('SIGKILL'));
  return etcd;
}

if (bin !== undefined) {
  e2e(
    test,
    'two drydock serve processes on one etcd: a write through one reaches a watch on the other; a race of two updates: one 200, one 409',
    async (scope) => {
      const etcd = await etcdFor(scope);
      const flags = ['--etcd-endpoints', etcd.endpoint, '--no-scheduler', '--no-kubelets', '--seed', '1'];
      const a = await startServe(scope, MAIN, flags);
      const b = await startServe(scope, MAIN, flags);
      assert.match(a.child.stdout, `state in etcd at ${etcd.endpoint} under /registry/`);

      const list = await call(b.url, 'GET', '/api/v1/namespaces/default/pods');
      const rv = (list.json['metadata'] as { resourceVersion: string }).resourceVersion;
      const w = watchLines(b.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`);
      scope.defer(() => w.stop());
      const created = await call(a.url, 'POST', '/api/v1/namespaces/default/pods', pod('shared'));
      assert.is(created.status, 201);
      const createdRv = (created.json as unknown as Obj).metadata.resourceVersion;
      await waitFor('the ADDED event on the other server', () => w.lines.some((l) => l['type'] === 'ADDED'));
      const added = w.lines.find((l) => l['type'] === 'ADDED')!['object'] as Obj;
      assert.is(added.metadata.name, 'shared');
      assert.is(added.metadata.resourceVersion, createdRv, 'one resourceVersion: etcd\'s revision, whichever server wrote it');

      // Both read the same version and update at once: etcd's compare-and-swap lets exactly one through.
      const cur = (await call(b.url, 'GET', '/api/v1/namespaces/default/pods/shared')).json as unknown as Obj;
      const put = (url: string, who: string) =>
        call(url, 'PUT', '/api/v1/namespaces/default/pods/shared', { ...cur, metadata: { ...cur.metadata, labels: { by: who } } });
      const [ra, rb] = await Promise.all([put(a.url, 'a'), put(b.url, 'b')]);
      assert.equal([ra.status, rb.status].sort(), [200, 409]);
      const loser = ra.status === 409 ? ra : rb;
      assert.is(loser.json['reason'], 'Conflict');
      const winner = ra.status === 200 ? 'a' : 'b';
      const after = (await call(a.url, 'GET', '/api/v1/namespaces/default/pods/shared')).json as unknown as Obj;
      assert.equal(after.metadata.labels, { by: winner });

      // The key is kube-apiserver's, readable by any etcd client.
      const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
      scope.defer(() => store.close());
      const kv = (await store.range({ key: '/registry/pods/default/shared' })).kvs[0];
      assert.ok(kv !== undefined, '/registry/pods/default/shared is in etcd');
      assert.is(String(kv.modRevision), after.metadata.resourceVersion);
      const nodesPrefix = await store.range({ key: '/registry/namespaces/', rangeEnd: prefixEnd('/registry/namespaces/'), keysOnly: true });
      assert.equal(
        nodesPrefix.kvs.map((k) => k.key),
        ['/registry/namespaces/default', '/registry/namespaces/kube-node-lease', '/registry/namespaces/kube-public', '/registry/namespaces/kube-system'],
      );
    },
    40_000,
  );

  e2e(test, 'etcd unreachable at start-up: one line naming the endpoint, exit 1, nothing listening', async (scope) => {
    const child = startChild(scope, process.execPath, [MAIN, 'serve', '--port', '0', '--etcd-endpoints', 'http://127.0.0.1:1']);
    const { code } = await child.exited;
    assert.is(code, 1);
    const lines = child.stderr.trim().split('\n');
    assert.is(lines.length, 1, child.stderr);
    assert.match(lines[0]!, /^drydock: cannot reach etcd at http:\/\/127\.0\.0\.1:1 \(gRPC [A-Z_]+: .+\)$/);
    assert.not.match(child.stdout, 'listening');
  }, 20_000);

  e2e(test, 'bad --etcd-endpoints: one line naming the flag, exit 2', async (scope) => {
    const r = await run(scope, process.execPath, [MAIN, 'serve', '--port', '0', '--etcd-endpoints', 'etcd:2379']);
    assert.is(r.code, 2);
    assert.is(r.stderr.trim(), 'drydock: --etcd-endpoints: "etcd:2379" must start with http:// or https:// (etcd\'s client URL)');
  });

  e2e(
    test,
    'etcd stopped and restarted during a stream of writes: 503s while it is away, watches end with an error and resume, every acknowledged write is in etcd',
    async (scope) => {
      const etcd = await etcdFor(scope);
      const a = await startServe(scope, MAIN, ['--etcd-endpoints', etcd.endpoint, '--no-scheduler', '--no-kubelets', '--seed', '2']);
      const list = await call(a.url, 'GET', '/api/v1/namespaces/default/pods');
      const rv0 = (list.json['metadata'] as { resourceVersion: string }).resourceVersion;
      const w = watchLines(a.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv0}`);
      scope.defer(() => w.stop());

      const acknowledged: string[] = [];
      const refused: number[] = [];
      let i = 0;
      let stopWriting = false;
      const writer = (async () => {
        while (!stopWriting) {
          const name = `w${i++}`;
          try {
            const r = await call(a.url, 'POST', '/api/v1/namespaces/default/pods', pod(name));
            if (r.status === 201) acknowledged.push(name);
            else refused.push(r.status);
          } catch {
            refused.push(0);
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await waitFor('some writes before the fault', () => acknowledged.length >= 20, 10_000);
      await etcd.stop('SIGKILL');
      const beforeRestart = acknowledged.length;
      await waitFor('writes refused while etcd is away', () => refused.length >= 3, 20_000);
      // The watch ended with an ERROR carrying a Status (not 410: the client resumes, it need not relist).
      await waitFor('the watch to end', async () => w.lines.some((l) => l['type'] === 'ERROR'), 20_000);
      const error = w.lines.find((l) => l['type'] === 'ERROR')!['object'] as { kind: string; code: number };
      assert.is(error.kind, 'Status');
      assert.is(error.code, 503);
      const lastSeen = [...w.lines].reverse().find((l) => l['type'] === 'ADDED')?.['object'] as Obj | undefined;

      await etcd.start();
      await waitFor('writes acknowledged again', () => acknowledged.length >= beforeRestart + 10, 30_000);
      stopWriting = true;
      await writer;
      assert.ok(refused.every((s) => s === 503 || s === 0 || s === 504), `refusals were 503: ${JSON.stringify([...new Set(refused)])}`);

      // Nothing acknowledged is lost: every 201 is in etcd.
      const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
      scope.defer(() => store.close());
      const inEtcd = new Set((await store.range({ key: '/registry/pods/default/', rangeEnd: prefixEnd('/registry/pods/default/'), keysOnly: true })).kvs.map((k) => k.key.slice('/registry/pods/default/'.length)));
      const lost = acknowledged.filter((n) => !inEtcd.has(n));
      assert.equal(lost, [], `${acknowledged.length} acknowledged, ${lost.length} missing`);

      // The client resumes from the last version it saw and gets what came after.
      const resumeFrom = lastSeen?.metadata.resourceVersion ?? rv0;
      const w2 = watchLines(a.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${resumeFrom}`);
      scope.defer(() => w2.stop());
      const lastName = acknowledged[acknowledged.length - 1]!;
      await waitFor('the resumed watch to reach the last write', () => w2.lines.some((l) => (l['object'] as Obj).metadata.name === lastName), 10_000);
    },
    90_000,
  );
} else {
  test(`serve --etcd-endpoints: ${ETCD_SKIP}`, () => {});
}

test.run();
