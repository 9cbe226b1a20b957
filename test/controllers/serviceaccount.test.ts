// Service accounts: the "default" account in every namespace (reconcile table and a scenario through the
// API server), and signed service account tokens issued by TokenRequest and verified by the authenticator
// over real HTTP: round trip, tampering, expiry on the clock, deleted or recreated accounts, restart.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, ServiceAccount } from '../../src/api/index.js';
import { loadOrCreateSigningKey, tokenAuthenticator, TOKEN_LEEWAY_SECONDS, type UserInfo } from '../../src/apiserver/auth.js';
import { startHttpServer, type RunningServer } from '../../src/apiserver/http.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { ObjectCache } from '../../src/controllers/endpoints.js';
import { settle } from '../../src/controllers/runtime.js';
import { newServiceAccountsController, serviceAccountLookup, ServiceAccountsReconciler } from '../../src/controllers/serviceaccount.js';
import { UserInputError } from '../../src/cli/errors.js';
import { makeApi } from '../apiserver/fixtures.js';

type Obj = { metadata: { namespace?: string; name?: string } };

function cacheOf<T extends Obj>(objs: readonly T[]): ObjectCache<T> {
  return {
    get: (ns, name) => objs.find((o) => (o.metadata.namespace ?? '') === (ns ?? '') && o.metadata.name === name),
    byIndex: (_index, value) => objs.filter((o) => o.metadata.namespace === value),
    list: () => [...objs],
  };
}

const ns = (name: string, phase: 'Active' | 'Terminating' = 'Active'): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } });
const sa = (namespace: string, name: string): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, uid: `uid-${namespace}-${name}` } });

const table = suite('service account reconcile');

table('an active namespace without "default" gets one; with it, a terminating namespace, or no namespace: nothing', () => {
  const r = (namespaces: Namespace[], accounts: ServiceAccount[], key: string, wanted?: string[]) =>
    new ServiceAccountsReconciler({ namespaces: cacheOf(namespaces), serviceAccounts: cacheOf(accounts) }, wanted).reconcile(key).actions;
  assert.equal(r([ns('team-a')], [sa('other', 'default')], 'team-a'), [
    { type: 'create', resource: 'serviceaccounts', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team-a' } } },
  ]);
  assert.equal(r([ns('team-a')], [sa('team-a', 'default')], 'team-a'), []);
  assert.equal(r([ns('team-a', 'Terminating')], [], 'team-a'), [], 'terminating: nothing is created');
  assert.equal(r([], [], 'team-a'), []);
  assert.equal(r([ns('team-a')], [sa('team-a', 'default')], 'team-a', ['default', 'builder']).map((a) => (a.type === 'create' ? (a.object['metadata'] as Json)['name'] : a.type)), ['builder']);
});

const scenario = suite('service accounts through the API server');

scenario('a new namespace gets its default account, and a deleted one comes back (with a new uid)', async () => {
  const { api } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const { controller } = newServiceAccountsController({ api, clock: api.clock, informers });
  await informers.start();
  await settle([controller]); // the bootstrap namespaces already have theirs: nothing to do
  assert.is(controller.stats.actions, 0);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  await settle([controller]);
  const first = await api.get<ServiceAccount>('serviceaccounts', 'team-a', 'default');
  await api.delete('serviceaccounts', 'team-a', 'default');
  await settle([controller]);
  const again = await api.get<ServiceAccount>('serviceaccounts', 'team-a', 'default');
  assert.ok(again.metadata.uid !== undefined && again.metadata.uid !== first.metadata.uid);
  assert.is(controller.stats.actions, 2, 'one create per appearance');
  informers.stop();
});

// ---- tokens over HTTP -------------------------------------------------------------------------------------

const KEY = Buffer.alloc(32, 7);
const ADMIN: [string, UserInfo] = ['admin-token', { name: 'admin', uid: 'admin-uid', groups: ['system:masters'], readOnly: false }];

async function tokenServer(key: Uint8Array = KEY) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const accounts = informers.informer<ServiceAccount>('serviceaccounts');
  await informers.start();
  const authenticator = tokenAuthenticator(new Map([ADMIN]), { signingKey: key, clock: ctx.clock });
  authenticator.setServiceAccountLookup!(serviceAccountLookup(accounts));
  const server = await startHttpServer({ api: ctx.api, port: 0, authenticator });
  return { ...ctx, informers, server, authenticator };
}

async function call(s: RunningServer, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(s.url + path, {
    signal: AbortSignal.timeout(10_000),
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : {}) as Json };
}

async function requestToken(s: RunningServer, namespace = 'default', name = 'default'): Promise<string> {
  const tr = await call(s, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, 'admin-token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.is(tr.status, 201);
  return String((tr.json['status'] as Json)['token']);
}

const PODS = '/api/v1/namespaces/default/pods';
const tokens = suite('signed service account tokens');

tokens('issue → verify: a JWT naming the account and its uid, accepted by the API server; tampering → 401', async () => {
  const { server, api, informers } = await tokenServer();
  try {
    const token = await requestToken(server);
    const [h, p, sig] = token.split('.') as [string, string, string];
    assert.equal(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
    const uid = (await api.get<ServiceAccount>('serviceaccounts', 'default', 'default')).metadata.uid;
    // exp = iat + 3600 (TokenRequest default expirationSeconds); the clock starts at 2026-11-28T00:00Z = 1795824000 s.
    assert.equal([claims['iss'], claims['sub'], claims['aud'], claims['uid'], claims['iat'], claims['exp']], [
      'https://kubernetes.default.svc.cluster.local',
      'system:serviceaccount:default:default',
      ['https://kubernetes.default.svc.cluster.local'],
      uid,
      1_795_824_000,
      1_795_827_600,
    ]);
    assert.is((await call(server, 'GET', PODS, token)).status, 200);
    assert.is((await call(server, 'POST', PODS, token, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-sa' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } })).status, 201);

    // Tampering: another signature byte, or claims for another account under the old signature.
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    assert.is((await call(server, 'GET', PODS, `${h}.${p}.${flipped}`)).status, 401);
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:default' })).toString('base64url');
    assert.is((await call(server, 'GET', PODS, `${h}.${forged}.${sig}`)).status, 401);
    assert.is((await call(server, 'GET', PODS, 'not-a-token')).status, 401);
    assert.is((await call(server, 'GET', PODS, 'admin-token')).status, 200, 'static tokens still work');
  } finally {
    await server.close();
    informers.stop();
  }
});

tokens('expiry on the injected clock: valid until exp + 60 s of leeway, 401 after', async () => {
  const { server, clock, informers } = await tokenServer();
  try {
    const token = await requestToken(server);
    clock.advance((3600 + TOKEN_LEEWAY_SECONDS) * 1000); // now = exp + 60 s: still inside the leeway
    assert.is((await call(server, 'GET', PODS, token)).status, 200);
    clock.advance(1000); // exp + 61 s
    assert.is((await call(server, 'GET', PODS, token)).status, 401);
    assert.is((await call(server, 'GET', PODS, await requestToken(server))).status, 200, 'a fresh token works');
  } finally {
    await server.close();
    informers.stop();
  }
});

tokens('a deleted account\'s token → 401, and so is one for a recreated account of the same name (new uid)', async () => {
  const { server, api, informers } = await tokenServer();
  try {
    await api.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default' } });
    const token = await requestToken(server, 'default', 'builder');
    assert.is((await call(server, 'GET', PODS, token)).status, 200);
    await api.delete('serviceaccounts', 'default', 'builder');
    assert.is((await call(server, 'GET', PODS, token)).status, 401);
    await api.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default' } });
    assert.is((await call(server, 'GET', PODS, token)).status, 401, 'the uid in the token is the old one');
  } finally {
    await server.close();
    informers.stop();
  }
});

tokens('tokens survive a restart with the same key (kept in a file), and not with another', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-sa-key-'));
  try {
    const path = join(dir, 'data', 'sa-signing.key');
    const key = loadOrCreateSigningKey(path);
    assert.is(key.length, 32);
    assert.is(readFileSync(path, 'utf8').trim().length, 64, '32 bytes as hex');
    assert.equal(loadOrCreateSigningKey(path), key, 'the second start reads the same key');
    writeFileSync(join(dir, 'short.key'), 'abcd\n');
    try {
      loadOrCreateSigningKey(join(dir, 'short.key'));
      assert.unreachable('a 2-byte key must be refused');
    } catch (err) {
      assert.instance(err, UserInputError);
      assert.match((err as Error).message, /short\.key:1: expected the signing key as at least 64 hex digits/);
    }

    const first = await tokenServer(key);
    const token = await requestToken(first.server);
    const uid = (await first.api.get<ServiceAccount>('serviceaccounts', 'default', 'default')).metadata.uid!;
    await first.server.close();
    first.informers.stop();

    // A "restarted" API server: a new authenticator and server over the same state, same key. The state is
    // a fresh store here, so the lookup answers with the old account's uid, as a durable store would.
    const restart = async (k: Uint8Array) => {
      const { api } = await makeApi();
      const auth = tokenAuthenticator(new Map([ADMIN]), { signingKey: k, clock: api.clock });
      auth.setServiceAccountLookup!((ns, name) => (ns === 'default' && name === 'default' ? { uid } : undefined));
      const server = await startHttpServer({ api, port: 0, authenticator: auth });
      try {
        return (await call(server, 'GET', PODS, token)).status;
      } finally {
        await server.close();
      }
    };
    assert.is(await restart(loadOrCreateSigningKey(path)), 200);
    assert.is(await restart(Buffer.alloc(32, 9)), 401);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const s of [table, scenario, tokens]) s.run();
