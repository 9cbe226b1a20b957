// The REST surface over real HTTP on loopback: bad requests get the right metav1 Status and change nothing;
// tables, pagination, watch streams and authentication behave as kube-apiserver's do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenFile, tokenAuthenticator } from '../../src/apiserver/auth.js';
import { startHttpServer, type RunningServer } from '../../src/apiserver/http.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { makeApi, node, pod } from './fixtures.js';

async function withServer(fn: (s: RunningServer, ctx: Awaited<ReturnType<typeof makeApi>>) => Promise<void>, tokens?: string): Promise<void> {
  const ctx = await makeApi();
  let dir: string | undefined;
  let authenticator;
  if (tokens !== undefined) {
    dir = mkdtempSync(join(tmpdir(), 'drydock-tokens-'));
    writeFileSync(join(dir, 'tokens.csv'), tokens);
    authenticator = tokenAuthenticator(readTokenFile(join(dir, 'tokens.csv')));
  }
  const server = await startHttpServer({ api: ctx.api, port: 0, ...(authenticator ? { authenticator } : {}) });
  try {
    await fn(server, ctx);
  } finally {
    await server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function call(s: RunningServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, {
    signal: AbortSignal.timeout(10_000), // a hung response fails the test instead of the whole run
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON (e.g. /healthz)
  }
  return { status: res.status, json, text, headers: res.headers };
}

const PODS = '/api/v1/namespaces/default/pods';

const bad = suite('bad requests change nothing');

bad('each gets its Status code and reason, and the store revision does not move', async () => {
  await withServer(async (s, { mvcc }) => {
    await call(s, 'POST', PODS, pod('exists'));
    const rev = mvcc.revision;
    const cases: [string, string, string, unknown, Record<string, string>, number, string][] = [
      ['malformed JSON', 'POST', PODS, '{"apiVersion": "v1", "kind": ', {}, 400, 'BadRequest'],
      ['wrong kind', 'POST', PODS, node('n1'), {}, 400, 'BadRequest'],
      ['bad quantity', 'POST', PODS, pod('q', { cpu: '12Gx' }), {}, 422, 'Invalid'],
      ['unknown field, Strict', 'POST', `${PODS}?fieldValidation=Strict`, { ...pod('u'), spec: { ...pod('u').spec, nodeSelectr: {} } }, {}, 400, 'BadRequest'],
      ['duplicate', 'POST', PODS, pod('exists'), {}, 409, 'AlreadyExists'],
      ['unknown resource', 'GET', '/api/v1/namespaces/default/widgets', undefined, {}, 404, 'NotFound'],
      ['unknown object', 'GET', `${PODS}/nope`, undefined, {}, 404, 'NotFound'],
      ['PUT on a collection', 'PUT', PODS, pod('x'), {}, 405, 'MethodNotAllowed'],
      ['unsupported patch type', 'PATCH', `${PODS}/exists`, { a: 1 }, { 'Content-Type': 'text/plain' }, 415, 'UnsupportedMediaType'],
      ['bad label selector', 'GET', `${PODS}?labelSelector=a%20in%20(`, undefined, {}, 400, 'BadRequest'],
    ];
    for (const [what, method, path, body, headers, code, reason] of cases) {
      const r = await call(s, method, path, body, headers);
      assert.is(r.status, code, `${what}: HTTP status`);
      assert.equal([r.json['kind'], r.json['apiVersion'], r.json['status'], r.json['code'], r.json['reason']], ['Status', 'v1', 'Failure', code, reason], `${what}: Status body`);
      assert.is(mvcc.revision, rev, `${what}: nothing was written`);
    }
  });
});

bad('a body over 3 MiB is 413 RequestEntityTooLarge (MaxRequestBodyBytes)', async () => {
  await withServer(async (s, { mvcc }) => {
    const rev = mvcc.revision;
    const huge = { ...pod('big'), metadata: { name: 'big', annotations: { blob: 'x'.repeat(3 * 1024 * 1024 + 1) } } };
    const r = await call(s, 'POST', PODS, huge);
    assert.equal([r.status, r.json['reason'], r.json['message']], [413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728']);
    assert.is(mvcc.revision, rev);
  });
});

bad('the bad-quantity Status names the field and quotes the value', async () => {
  await withServer(async (s) => {
    const r = await call(s, 'POST', PODS, pod('q', { cpu: 'abc' }));
    assert.is(r.json['message'], 'Pod "q" is invalid: spec.containers[0].resources.requests.cpu: Invalid value: "abc": must be a quantity');
  });
});

const rest = suite('REST');

rest('discovery: /api, /apis, /api/v1 and /version answer 200', async () => {
  await withServer(async (s) => {
    for (const path of ['/api', '/apis', '/api/v1', '/apis/apps/v1', '/apis/drydock.io/v1', '/version', '/openapi/v3', '/healthz']) {
      assert.is((await call(s, 'GET', path)).status, 200, path);
    }
    const v1 = await call(s, 'GET', '/api/v1');
    const names = (v1.json['resources'] as Json[]).map((r) => r['name']);
    assert.ok(names.includes('pods') && names.includes('pods/binding') && names.includes('nodes'));
  });
});

rest('Table output for pods has kubectl\'s columns, wide ones at priority 1', async () => {
  await withServer(async (s, { api }) => {
    await api.create('pods', pod('web'));
    await api.bind('default', 'web', { target: { name: 'n1' } });
    const r = await call(s, 'GET', PODS, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal([r.json['kind'], r.json['apiVersion']], ['Table', 'meta.k8s.io/v1']);
    const cols = (r.json['columnDefinitions'] as Json[]).map((c) => `${String(c['name'])}:${String(c['priority'])}`);
    assert.equal(cols, ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1']);
    const row = (r.json['rows'] as Json[])[0]!;
    const cells = row['cells'] as unknown[];
    assert.equal([cells[0], cells[1], cells[2], cells[6]], ['web', '0/1', 'Pending', 'n1']);
    assert.is(((row['object'] as Json)['metadata'] as Json)['namespace'], 'default', 'kubectl -A reads the namespace from the row object');
  });
});

rest('limit/continue over HTTP, and the list resourceVersion', async () => {
  await withServer(async (s, { api }) => {
    for (let i = 0; i < 5; i++) await api.create('pods', pod(`p${i}`));
    const first = await call(s, 'GET', `${PODS}?limit=2`);
    const meta = first.json['metadata'] as Json;
    assert.equal((first.json['items'] as Json[]).map((p) => (p['metadata'] as Json)['name']), ['p0', 'p1']);
    assert.is(meta['remainingItemCount'], 3);
    const second = await call(s, 'GET', `${PODS}?limit=2&continue=${encodeURIComponent(String(meta['continue']))}`);
    assert.equal((second.json['items'] as Json[]).map((p) => (p['metadata'] as Json)['name']), ['p2', 'p3']);
    const badToken = await call(s, 'GET', `${PODS}?limit=2&continue=garbage`);
    assert.equal([badToken.status, badToken.json['reason']], [400, 'BadRequest']);
  });
});

rest('a watch streams newline-delimited events; a compacted version gets an ERROR 410 line, then the stream ends', async () => {
  await withServer(async (s, { api, mvcc }) => {
    const created = await api.create<Json & { metadata: Json }>('pods', pod('a'));
    const rv = String(created.metadata['resourceVersion']);
    const controller = new AbortController();
    const res = await fetch(`${s.url}${PODS}?watch=true&resourceVersion=${rv}`, { signal: controller.signal });
    assert.is(res.status, 200);
    const reader = res.body!.getReader();
    await api.create('pods', pod('b'));
    const { value } = await reader.read();
    const line = JSON.parse(new TextDecoder().decode(value).trim()) as Json;
    assert.equal([line['type'], ((line['object'] as Json)['metadata'] as Json)['name']], ['ADDED', 'b']);
    controller.abort();

    // Watching from rv means events from rv + 1, which was b's revision; compact beyond it.
    await api.create('pods', pod('c'));
    mvcc.compact(mvcc.revision);
    const old = await call(s, 'GET', `${PODS}?watch=true&resourceVersion=${rv}`);
    assert.is(old.status, 200, 'the error is in the stream, not the status line');
    const ev = JSON.parse(old.text.trim()) as Json;
    assert.equal([ev['type'], (ev['object'] as Json)['code'], (ev['object'] as Json)['reason']], ['ERROR', 410, 'Expired']);
  });
});

rest('binding over HTTP returns 201 Success; a second is 409', async () => {
  await withServer(async (s, { api }) => {
    await api.create('pods', pod('a'));
    const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
    const ok = await call(s, 'POST', `${PODS}/a/binding`, body);
    assert.equal([ok.status, ok.json['status']], [201, 'Success']);
    const again = await call(s, 'POST', `${PODS}/a/binding`, body);
    assert.equal([again.status, again.json['reason']], [409, 'Conflict']);
  });
});

const auth = suite('authentication');

const TOKENS = 'admin-token,alice,1,"system:masters"\nview-token,bob,2,"drydock:read-only"\n';

auth('no token is 401; a read-only token reads but may not write (403); the admin token writes', async () => {
  await withServer(async (s, { mvcc }) => {
    const none = await call(s, 'GET', PODS);
    assert.equal([none.status, none.json['reason']], [401, 'Unauthorized']);
    const wrong = await call(s, 'GET', PODS, undefined, { Authorization: 'Bearer nope' });
    assert.is(wrong.status, 401);
    const view = { Authorization: 'Bearer view-token' };
    assert.is((await call(s, 'GET', PODS, undefined, view)).status, 200);
    const rev = mvcc.revision;
    const denied = await call(s, 'POST', PODS, pod('x'), view);
    assert.equal([denied.status, denied.json['reason']], [403, 'Forbidden']);
    assert.is(denied.json['message'], 'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "default"');
    assert.is(mvcc.revision, rev);
    const admin = { Authorization: 'Bearer admin-token' };
    assert.is((await call(s, 'POST', PODS, pod('x'), admin)).status, 201);
  }, TOKENS);
});

auth('a token issued for a service account (TokenRequest) authenticates as that account', async () => {
  await withServer(async (s) => {
    const admin = { Authorization: 'Bearer admin-token' };
    const tr = await call(s, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }, admin);
    assert.is(tr.status, 201);
    const token = String((tr.json['status'] as Json)['token']);
    assert.is((await call(s, 'POST', PODS, pod('from-sa'), { Authorization: `Bearer ${token}` })).status, 201);
    const missing = await call(s, 'POST', '/api/v1/namespaces/default/serviceaccounts/ghost/token', {}, admin);
    assert.is(missing.status, 404);
  }, TOKENS);
});

for (const s of [bad, rest, auth]) s.run();
