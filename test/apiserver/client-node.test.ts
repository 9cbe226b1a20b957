// End to end with @kubernetes/client-node 1.4 (the official JavaScript client) against the API server over
// HTTP on 127.0.0.1: typed CoreV1Api calls, errors as ApiException, Watch, informers, merge patches,
// KubernetesObjectApi (which resolves resources through discovery) and paged lists.
// Client behaviour: shared/reference/etcd-and-apiserver.md §5 (1.4.0 verified there).
import * as k8s from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readTokenFile, tokenAuthenticator } from '../../src/apiserver/auth.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { e2e, startServer, tempDir, waitFor, within, type E2eServer, type Scope } from './e2e-harness.js';
import { pod } from './fixtures.js';

type Obj = Json & { metadata: Json & { name: string; resourceVersion: string; labels?: Record<string, string> } };

/** A KubeConfig for the plain-http server; client-node 1.1.2+ refuses http unless skipTLSVerify is set (§5.2). */
function kubeConfig(server: E2eServer, token?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'drydock', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'u', ...(token !== undefined ? { token } : {}) }],
    contexts: [{ name: 'c', cluster: 'drydock', user: 'u', namespace: 'default' }],
    currentContext: 'c',
  });
  return kc;
}

async function client(scope: Scope) {
  const server = await startServer(scope);
  const kc = kubeConfig(server);
  return { server, api: server.api, kc, core: kc.makeApiClient(k8s.CoreV1Api) };
}

/** Awaits a client call that must be rejected, and returns its ApiException. */
async function apiException(what: string, p: Promise<unknown>): Promise<k8s.ApiException<unknown>> {
  try {
    await within(3000, what, p);
  } catch (err) {
    if (err instanceof k8s.ApiException) return err;
    throw err;
  }
  throw new Error(`${what}: expected an ApiException, got success`);
}

/** ApiException.body is the response text in 1.4 (ResponseContext.getBodyAsAny); parsed here to the Status. */
function statusBody(e: k8s.ApiException<unknown>): { reason?: string; code?: number; message?: string } {
  const body = e.body;
  return typeof body === 'string' ? (JSON.parse(body) as object) : (body as object);
}

const cn = suite('@kubernetes/client-node 1.4 end to end');

e2e(cn, 'CoreV1Api: createNamespacedPod, listNamespacedPod, readNamespacedPod', async (scope) => {
  const { api, core } = await client(scope);
  const created = await within(3000, 'createNamespacedPod', core.createNamespacedPod({ namespace: 'default', body: pod('web', { labels: { app: 'web' } }) as k8s.V1Pod }));
  assert.is(created.metadata?.name, 'web');
  assert.is(created.metadata?.namespace, 'default');
  assert.ok(created.metadata?.uid !== undefined && created.metadata.resourceVersion !== undefined);
  // The typed client deserialises into its models: Date timestamps, defaults from the server.
  assert.ok(created.metadata?.creationTimestamp instanceof Date);
  assert.is(created.spec?.restartPolicy, 'Always');
  assert.is(created.status?.phase, 'Pending');
  const stored = await api.get<Obj>('pods', 'default', 'web');
  assert.is(created.metadata?.resourceVersion, stored.metadata.resourceVersion);

  await api.create('pods', pod('other'));
  const list = await within(3000, 'listNamespacedPod', core.listNamespacedPod({ namespace: 'default' }));
  assert.equal(list.items.map((p) => p.metadata?.name), ['other', 'web']); // key order: /registry/pods/default/<name>
  assert.ok(Number(list.metadata?.resourceVersion) >= Number(stored.metadata.resourceVersion));
  const selected = await within(3000, 'listNamespacedPod with a labelSelector', core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' }));
  assert.equal(selected.items.map((p) => p.metadata?.name), ['web']);

  const read = await within(3000, 'readNamespacedPod', core.readNamespacedPod({ namespace: 'default', name: 'web' }));
  assert.is(read.metadata?.uid, created.metadata?.uid);
  assert.equal(read.spec?.containers.map((c) => [c.name, c.image]), [['c', 'registry.k8s.io/pause:3.10']]);
  assert.equal(read.spec?.containers[0]?.resources?.requests, { cpu: '100m', memory: '64Mi' });
});

e2e(cn, 'errors: a duplicate create is ApiException 409 AlreadyExists; a missing pod is 404 NotFound', async (scope) => {
  const { core } = await client(scope);
  await within(3000, 'first create', core.createNamespacedPod({ namespace: 'default', body: pod('web') as k8s.V1Pod }));
  const dup = await apiException('duplicate create', core.createNamespacedPod({ namespace: 'default', body: pod('web') as k8s.V1Pod }));
  assert.is(dup.code, 409);
  assert.equal([statusBody(dup).reason, statusBody(dup).message], ['AlreadyExists', 'pods "web" already exists']);
  const missing = await apiException('read of a missing pod', core.readNamespacedPod({ namespace: 'default', name: 'nope' }));
  assert.is(missing.code, 404);
  assert.equal([statusBody(missing).reason, statusBody(missing).message], ['NotFound', 'pods "nope" not found']);
});

e2e(cn, 'Watch from a list\'s resourceVersion: ADDED, MODIFIED, DELETED in order; abort ends it with AbortError', async (scope) => {
  const { api, kc, core } = await client(scope);
  await api.create('pods', pod('before')); // older than the list: must not be replayed
  const list = await within(3000, 'list', core.listNamespacedPod({ namespace: 'default' }));
  const events: string[] = [];
  const versions: string[] = [];
  let ended: unknown = 'not yet';
  const controller = await within(
    3000,
    'watch (resolves when the response headers arrive)',
    new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: list.metadata!.resourceVersion! },
      (type, obj: k8s.V1Pod) => {
        events.push(`${type} ${obj.metadata?.name}`);
        versions.push(obj.metadata?.resourceVersion ?? '');
      },
      (err) => (ended = err),
    ),
  );
  scope.defer(() => controller.abort());
  const created = await api.create<Obj>('pods', pod('w'));
  const patched = await api.patch<Obj>('pods', 'default', 'w', 'application/merge-patch+json', { metadata: { labels: { tier: 'gold' } } });
  await api.delete('pods', 'default', 'w'); // unbound: no grace period, deleted at once
  await waitFor(`three events (got ${JSON.stringify(events)})`, () => events.length >= 3);
  assert.equal(events, ['ADDED w', 'MODIFIED w', 'DELETED w']);
  // Each event carries the object at its own revision; a DELETED event the revision of the delete.
  assert.equal(versions.slice(0, 2), [created.metadata.resourceVersion, patched.metadata.resourceVersion]);
  assert.ok(Number(versions[2]) > Number(patched.metadata.resourceVersion), `DELETED at a newer revision: ${versions[2]}`);
  assert.is(ended, 'not yet', 'the watch is still open');

  controller.abort();
  await waitFor('done() after abort', () => ended !== 'not yet');
  assert.ok(ended instanceof Error, `done got ${String(ended)}`);
  assert.is((ended as Error).name, 'AbortError');
});

e2e(cn, 'makeInformer lists, then sees add, update and delete', async (scope) => {
  const { api, kc, core } = await client(scope);
  await api.create('pods', pod('a'));
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
  const seen: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (p: k8s.V1Pod) => seen.push(`add ${p.metadata?.name}`));
  informer.on('update', (p: k8s.V1Pod) => seen.push(`update ${p.metadata?.name} tier=${p.metadata?.labels?.['tier']}`));
  informer.on('delete', (p: k8s.V1Pod) => seen.push(`delete ${p.metadata?.name}`));
  informer.on('error', (err: unknown) => errors.push(err));
  scope.defer(() => informer.stop());
  await within(3000, 'informer.start', informer.start());
  assert.equal(seen, ['add a'], 'the initial list');

  await api.create('pods', pod('b'));
  await waitFor(`add b (seen ${JSON.stringify(seen)})`, () => seen.length >= 2);
  await api.patch('pods', 'default', 'b', 'application/merge-patch+json', { metadata: { labels: { tier: 'gold' } } });
  await waitFor(`update b (seen ${JSON.stringify(seen)})`, () => seen.length >= 3);
  await api.delete('pods', 'default', 'b');
  await waitFor(`delete b (seen ${JSON.stringify(seen)})`, () => seen.length >= 4);
  assert.equal(seen, ['add a', 'add b', 'update b tier=gold', 'delete b']);
  assert.equal(informer.list('default').map((p) => p.metadata?.name), ['a']);
  assert.equal(errors, [], 'no error callbacks while running');
});

e2e(cn, 'patchNamespacedPod with PatchStrategy.MergePatch changes one label and keeps the others', async (scope) => {
  const { api, core } = await client(scope);
  await api.create('pods', pod('web', { labels: { app: 'web', tier: 'bronze' } }));
  const patched = await within(
    3000,
    'patchNamespacedPod',
    core.patchNamespacedPod(
      { namespace: 'default', name: 'web', body: { metadata: { labels: { tier: 'gold' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ),
  );
  assert.equal(patched.metadata?.labels, { app: 'web', tier: 'gold' });
  assert.equal((await api.get<Obj>('pods', 'default', 'web')).metadata.labels, { app: 'web', tier: 'gold' });
  // RFC 7386: null removes a key.
  await within(
    3000,
    'patch with null',
    core.patchNamespacedPod({ namespace: 'default', name: 'web', body: { metadata: { labels: { tier: null } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)),
  );
  assert.equal((await api.get<Obj>('pods', 'default', 'web')).metadata.labels, { app: 'web' });
});

e2e(cn, 'KubernetesObjectApi creates and reads an apps/v1 Deployment (resource found through /apis/apps/v1)', async (scope) => {
  const { api, kc } = await client(scope);
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  };
  const created: k8s.KubernetesObject = await within(3000, 'KubernetesObjectApi.create', objects.create<k8s.KubernetesObject>(deployment));
  assert.equal([created.apiVersion, created.kind, created.metadata?.name], ['apps/v1', 'Deployment', 'web']);
  const stored = await api.get<Obj & { spec: { replicas: number } }>('deployments', 'default', 'web');
  assert.is(stored.spec.replicas, 3);
  assert.is(created.metadata?.resourceVersion, stored.metadata.resourceVersion);
  const read = await within(3000, 'KubernetesObjectApi.read', objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } }));
  assert.is(read.metadata?.uid, stored.metadata['uid']);
});

e2e(cn, 'list with limit 2 and _continue pages through 5 pods as one consistent snapshot', async (scope) => {
  const { api, core } = await client(scope);
  for (let i = 0; i < 5; i++) await api.create('pods', pod(`p${i}`));
  const pages: string[][] = [];
  const remaining: (number | undefined)[] = [];
  let token: string | undefined;
  do {
    const page: k8s.V1PodList = await within(3000, 'list page', core.listNamespacedPod({ namespace: 'default', limit: 2, ...(token !== undefined ? { _continue: token } : {}) }));
    pages.push(page.items.map((p) => p.metadata?.name ?? '?'));
    remaining.push(page.metadata?.remainingItemCount);
    token = page.metadata?._continue || undefined;
    // Written after the first page: a continued list reads at the first page's revision, so p9 is not seen.
    if (pages.length === 1) await api.create('pods', pod('p9'));
  } while (token !== undefined && pages.length < 10);
  assert.equal(pages, [['p0', 'p1'], ['p2', 'p3'], ['p4']]); // ceil(5 / 2) = 3 pages
  assert.equal(remaining, [3, 1, undefined]); // 5 - 2 = 3, 5 - 4 = 1, none after the last page
});

e2e(cn, 'bearer tokens: client-node sends them over http; read-only may list, not delete (403)', async (scope) => {
  const dir = tempDir(scope);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'admin-token-123,admin,1\nviewer-token-456,viewer,2,"drydock:read-only"\n');
  const server = await startServer(scope, { authenticator: tokenAuthenticator(readTokenFile(tokens)) });
  await server.api.create('pods', pod('web'));
  const anonymous = kubeConfig(server).makeApiClient(k8s.CoreV1Api);
  assert.is((await apiException('anonymous list', anonymous.listNamespacedPod({ namespace: 'default' }))).code, 401);
  const viewer = kubeConfig(server, 'viewer-token-456').makeApiClient(k8s.CoreV1Api);
  const list = await within(3000, 'read-only list', viewer.listNamespacedPod({ namespace: 'default' }));
  assert.equal(list.items.map((p) => p.metadata?.name), ['web']);
  const denied = await apiException('read-only delete', viewer.deleteNamespacedPod({ namespace: 'default', name: 'web' }));
  assert.is(denied.code, 403);
  assert.is(statusBody(denied).reason, 'Forbidden');
  await server.api.get('pods', 'default', 'web');
});

cn.run();
