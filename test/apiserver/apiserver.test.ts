// The API server's registry semantics, in process: keys and versions, create/update conflicts, validation,
// admission, lists with selectors and pages, binding, watch, graceful deletion, subresources, patches.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiServer, type ApiWatchEvent } from '../../src/apiserver/apiserver.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';
import { apiError, makeApi, node, pod, T0 } from './fixtures.js';

type Obj = Json & { metadata: Json & { resourceVersion: string; name: string }; spec: Json; status: Json };

const crud = suite('create, get, update');

crud('create fills metadata and stores under /registry/<resource>/<namespace>/<name> at its mod revision', async () => {
  const { api, mvcc } = await makeApi();
  const created = await api.create<Obj>('pods', pod('web'));
  const kv = mvcc.range({ key: '/registry/pods/default/web' }).kvs[0]!;
  assert.is(created.metadata.resourceVersion, String(kv.modRevision), 'resourceVersion is the key\'s mod revision');
  assert.is(created.metadata['namespace'], 'default');
  assert.is(created.metadata['creationTimestamp'], '2026-11-28T00:00:00Z'); // the injected clock, T0
  assert.match(String(created.metadata['uid']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal([created['apiVersion'], created['kind']], ['v1', 'Pod']);
  // The stored value carries no resourceVersion, as kube-apiserver stores it; reads add it.
  assert.is((kv.value as Obj).metadata.resourceVersion, undefined);
  // Defaults from core/v1 defaults.go and admission.
  assert.equal([created.spec['restartPolicy'], created.spec['schedulerName'], created.spec['serviceAccountName'], created.spec['priority']], ['Always', 'default-scheduler', 'default', 0]);
  assert.equal(created.status, { phase: 'Pending', qosClass: 'Burstable' });
  assert.equal(await api.get('pods', 'default', 'web'), created);
});

crud('a second create of the same name is 409 AlreadyExists and writes nothing', async () => {
  const { api, mvcc } = await makeApi();
  await api.create('pods', pod('web'));
  const before = mvcc.revision;
  const err = await apiError(() => api.create('pods', pod('web')));
  assert.equal([err.code, err.reason, err.message], [409, 'AlreadyExists', 'pods "web" already exists']);
  assert.is(mvcc.revision, before);
});

crud('an update with a stale resourceVersion is 409 Conflict with Kubernetes\' message; a fresh one wins', async () => {
  const { api } = await makeApi();
  const v1 = await api.create<Obj>('pods', pod('web', { labels: { a: '1' } }));
  const v2 = await api.update<Obj>('pods', { ...v1, metadata: { ...v1.metadata, labels: { a: '2' } } });
  assert.is(Number(v2.metadata.resourceVersion), Number(v1.metadata.resourceVersion) + 1);
  const err = await apiError(() => api.update('pods', { ...v1, metadata: { ...v1.metadata, labels: { a: '3' } } }));
  assert.equal([err.code, err.reason], [409, 'Conflict']);
  assert.is(err.message, 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again');
});

crud('an update that changes nothing writes nothing and keeps the resourceVersion', async () => {
  const { api, mvcc } = await makeApi();
  const v1 = await api.create<Obj>('pods', pod('web'));
  const rev = mvcc.revision;
  const same = await api.update<Obj>('pods', v1);
  assert.is(same.metadata.resourceVersion, v1.metadata.resourceVersion);
  assert.is(mvcc.revision, rev);
});

crud('a pod\'s spec is immutable except images and added tolerations (ValidatePodUpdate)', async () => {
  const { api } = await makeApi();
  const v1 = await api.create<Obj>('pods', pod('web'));
  const err = await apiError(() => api.update('pods', { ...v1, spec: { ...v1.spec, nodeName: 'n1' } }));
  assert.is(err.code, 422);
  assert.match(err.message, /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  const containers = v1.spec['containers'] as Json[];
  const v2 = await api.update<Obj>('pods', { ...v1, spec: { ...v1.spec, containers: [{ ...containers[0], image: 'nginx:1.28' }] } });
  assert.is((v2.spec['containers'] as Json[])[0]!['image'], 'nginx:1.28');
});

crud('a control-plane node gets the NoSchedule taint unless it lists its own taints (as kubeadm sets it)', async () => {
  const { api } = await makeApi();
  const cp = await api.create<Obj>('nodes', node('cp', { 'node-role.kubernetes.io/control-plane': '' }));
  assert.equal(cp.spec['taints'], [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  const open = await api.create<Obj>('nodes', { ...node('cp2', { 'node-role.kubernetes.io/control-plane': '' }), spec: { taints: [] } });
  assert.equal(open.spec['taints'], [], 'an explicit empty list means "no taints"');
  const worker = await api.create<Obj>('nodes', node('w'));
  assert.is(worker.spec?.['taints'], undefined);
});

crud('generateName gets five characters from Kubernetes\' alphabet', async () => {
  const { api } = await makeApi();
  const p = pod('');
  const created = await api.create<Obj>('pods', { ...p, metadata: { generateName: 'job-' } });
  assert.match(created.metadata.name, /^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

crud('objects in a namespace that does not exist are 404 (NamespaceLifecycle)', async () => {
  const { api } = await makeApi();
  const err = await apiError(() => api.create('pods', pod('web', { namespace: 'nope' })));
  assert.equal([err.code, err.message], [404, 'namespaces "nope" not found']);
});

const validation = suite('validation');

validation('a malformed quantity is 422 with its field path and changes nothing', async () => {
  const { api, mvcc } = await makeApi();
  const before = mvcc.revision;
  const err = await apiError(() => api.create('pods', pod('web', { cpu: 'abc' })));
  assert.equal([err.code, err.reason], [422, 'Invalid']);
  assert.is(err.message, 'Pod "web" is invalid: spec.containers[0].resources.requests.cpu: Invalid value: "abc": must be a quantity');
  assert.equal(err.status.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "abc": must be a quantity', field: 'spec.containers[0].resources.requests.cpu' }]);
  assert.is(mvcc.revision, before);
});

validation('several problems are listed together; names must be RFC 1123 subdomains', async () => {
  const { api } = await makeApi();
  const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Web_1' }, spec: { containers: [{ name: 'c' }], restartPolicy: 'Sometimes' } };
  const err = await apiError(() => api.create('pods', bad));
  const fields = err.status.details?.causes?.map((c) => c.field);
  assert.equal(fields, ['metadata.name', 'spec.containers[0].image', 'spec.restartPolicy']);
  assert.match(err.message, /^Pod "Web_1" is invalid: \[metadata\.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain/);
  assert.match(err.message, /spec\.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"\]$/);
});

validation('requests above limits, tolerations with a value under Exists, and spread without maxSkew are rejected', async () => {
  const { api } = await makeApi();
  const p = pod('web', {
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }],
      tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }],
      topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
    },
  });
  const err = await apiError(() => api.create('pods', p));
  assert.equal(err.status.details?.causes?.map((c) => c.field), ['spec.containers[0].resources.requests', 'spec.tolerations[0].operator', 'spec.topologySpreadConstraints[0].maxSkew']);
  assert.match(err.message, /Invalid value: "2": must be less than or equal to cpu limit of 1/);
});

validation('a Deployment whose selector does not match its template labels is invalid', async () => {
  const { api } = await makeApi();
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: pod('x').spec } },
  };
  const err = await apiError(() => api.create('deployments', d));
  assert.match(err.message, /^Deployment "d" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
});

validation('a field of the wrong JSON type is 400 with the Go decoder\'s words', async () => {
  const { api } = await makeApi();
  const p = pod('web');
  const err = await apiError(() => api.create('pods', { ...p, spec: { ...p.spec, terminationGracePeriodSeconds: 'soon' } }));
  assert.is(err.code, 400);
  assert.match(err.message, /^Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec\.spec\.terminationGracePeriodSeconds of type int64$/);
});

validation('a body of another kind is 400, not stored', async () => {
  const { api } = await makeApi();
  const err = await apiError(() => api.create('pods', node('n1')));
  assert.equal([err.code, err.message], [400, 'the kind in the data ("Node") does not match the expected kind ("Pod")']);
});

validation('strict field validation: an unknown field is 400 naming it; Warn collects it; Ignore prunes it', async () => {
  const { api } = await makeApi();
  const p = pod('web');
  const typo = { ...p, spec: { ...p.spec, containers: [{ ...p.spec.containers[0], imagee: 'x' }] } };
  const err = await apiError(() => api.create('pods', typo, { fieldValidation: 'Strict' }));
  // kube-apiserver's wording (handlers/rest.go transformDecodeError around the strict decoder's error).
  assert.equal([err.code, err.message], [400, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee"']);
  const warnings: string[] = [];
  const created = await api.create<Obj>('pods', typo, { fieldValidation: 'Warn', warnings });
  assert.equal(warnings, ['unknown field "spec.containers[0].imagee"']);
  assert.is((created.spec['containers'] as Json[])[0]!['imagee'], undefined, 'the unknown field is not stored');
});

const admission = suite('admission');

admission('priority comes from the PriorityClass; an unknown class is 403; setting the number yourself is refused', async () => {
  const { api } = await makeApi();
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
  const hi = await api.create<Obj>('pods', pod('a', { spec: { priorityClassName: 'high' } }));
  assert.equal([hi.spec['priority'], hi.spec['preemptionPolicy']], [1000, 'Never']);
  const sys = await api.create<Obj>('pods', pod('b', { spec: { priorityClassName: 'system-node-critical' } }));
  assert.is(sys.spec['priority'], 2000001000);
  const unknown = await apiError(() => api.create('pods', pod('c', { spec: { priorityClassName: 'nope' } })));
  assert.equal([unknown.code, unknown.message], [403, 'pods "c" is forbidden: no PriorityClass with name nope was found']);
  const self = await apiError(() => api.create('pods', pod('d', { spec: { priority: 5 } })));
  assert.is(self.code, 403);
});

admission('a global default class applies to pods that name none; only one may exist', async () => {
  const { api } = await makeApi();
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'base' }, value: 50, globalDefault: true });
  const p = await api.create<Obj>('pods', pod('a'));
  assert.equal([p.spec['priority'], p.spec['priorityClassName']], [50, 'base']);
  const err = await apiError(() => api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'other' }, value: 60, globalDefault: true }));
  assert.is(err.code, 403);
});

admission('admission caches follow every write at once: classes come and go, a global default appears, a namespace ends', async () => {
  const clock = new ManualClock(T0);
  const api = new ApiServer({ store: asyncStore(new MvccStore({ clock })), clock, rng: seededRng(7), namespaceDeletion: 'controller' });
  await api.bootstrap();
  await api.create('pods', pod('first')); // both admission informers are running from here on
  const pc = (name: string, value: number, globalDefault = false) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...(globalDefault ? { globalDefault } : {}) });
  await api.create('priorityclasses', pc('late', 7));
  const a = await api.create<Obj>('pods', pod('a', { spec: { priorityClassName: 'late' } }));
  assert.is(a.spec['priority'], 7, 'a class created after the informer started');
  await api.create('priorityclasses', pc('base', 3, true));
  const b = await api.create<Obj>('pods', pod('b'));
  assert.equal([b.spec['priority'], b.spec['priorityClassName']], [3, 'base'], 'the new global default');
  await api.delete('priorityclasses', undefined, 'late');
  const gone = await apiError(() => api.create('pods', pod('c', { spec: { priorityClassName: 'late' } })));
  assert.equal([gone.code, gone.message], [403, 'pods "c" is forbidden: no PriorityClass with name late was found']);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await api.create('pods', pod('d', { namespace: 'shop' }));
  await api.delete('namespaces', undefined, 'shop'); // Terminating until the namespace controller empties it
  const ending = await apiError(() => api.create('pods', pod('e', { namespace: 'shop' })));
  assert.equal([ending.code, ending.message], [403, 'pods "e" is forbidden: unable to create new content in namespace shop because it is being terminated']);
  const missing = await apiError(() => api.create('pods', pod('f', { namespace: 'nowhere' })));
  assert.is(missing.code, 404, 'a namespace no cache and no storage has');
  api.close();
});

admission('RuntimeClass overhead is added to the pod; the default NoExecute tolerations are 300 s', async () => {
  const { api } = await makeApi();
  await api.create('runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } } });
  const p = await api.create<Obj>('pods', pod('a', { spec: { runtimeClassName: 'kata' } }));
  assert.equal(p.spec['overhead'], { cpu: '250m', memory: '120Mi' });
  assert.equal(p.spec['tolerations'], [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const missing = await apiError(() => api.create('pods', pod('b', { spec: { runtimeClassName: 'gvisor' } })));
  assert.equal([missing.code, missing.message], [403, 'pods "b" is forbidden: pod rejected: RuntimeClass "gvisor" not found']);
});

const lists = suite('list');

lists('label and field selectors, including spec.nodeName= for unscheduled pods', async () => {
  const { api } = await makeApi();
  await api.create('pods', pod('a', { labels: { app: 'web' } }));
  await api.create('pods', pod('b', { labels: { app: 'web' }, nodeName: 'n1' }));
  await api.create('pods', pod('c', { labels: { app: 'db' }, nodeName: 'n1' }));
  const names = async (o: object) => (await api.list<Obj>('pods', o)).items.map((p) => p.metadata.name);
  assert.equal(await names({ labelSelector: 'app=web' }), ['a', 'b']);
  assert.equal(await names({ fieldSelector: 'spec.nodeName=' }), ['a']);
  assert.equal(await names({ fieldSelector: 'spec.nodeName=n1', labelSelector: 'app in (db,cache)' }), ['c']);
  const err = await apiError(() => api.list('pods', { fieldSelector: 'spec.foo=x' }));
  assert.equal([err.code, err.message], [400, 'field label not supported: spec.foo']);
});

lists('limit and continue page through a consistent snapshot; remainingItemCount counts the rest', async () => {
  const { api } = await makeApi();
  for (let i = 0; i < 7; i++) await api.create('pods', pod(`p${i}`));
  const first = await api.list<Obj>('pods', { namespace: 'default', limit: 3 });
  assert.equal(first.items.map((p) => p.metadata.name), ['p0', 'p1', 'p2']);
  assert.is(first.metadata.remainingItemCount, 4); // 7 - 3
  await api.create('pods', pod('p3a')); // written after the first page: not in this list
  const second = await api.list<Obj>('pods', { namespace: 'default', limit: 3, continue: first.metadata.continue! });
  assert.equal(second.items.map((p) => p.metadata.name), ['p3', 'p4', 'p5']);
  assert.is(second.metadata.resourceVersion, first.metadata.resourceVersion, 'every page is read at the first page\'s revision');
  const third = await api.list<Obj>('pods', { namespace: 'default', limit: 3, continue: second.metadata.continue! });
  assert.equal(third.items.map((p) => p.metadata.name), ['p6']);
  assert.is(third.metadata.continue, undefined);
});

lists('pages with a selector skip non-matching keys and still fill up', async () => {
  const { api } = await makeApi();
  for (let i = 0; i < 10; i++) await api.create('pods', pod(`p${i}`, { labels: { even: String(i % 2 === 0) } }));
  const page = await api.list<Obj>('pods', { labelSelector: 'even=true', limit: 3 });
  assert.equal(page.items.map((p) => p.metadata.name), ['p0', 'p2', 'p4']);
  assert.is(page.metadata.remainingItemCount, undefined, 'unknown with a selector');
  const rest = await api.list<Obj>('pods', { labelSelector: 'even=true', limit: 3, continue: page.metadata.continue! });
  assert.equal(rest.items.map((p) => p.metadata.name), ['p6', 'p8']);
});

lists('a list\'s resourceVersion is the store revision it was read at', async () => {
  const { api, mvcc } = await makeApi();
  await api.create('pods', pod('a'));
  await api.create('nodes', node('n1'));
  const list = await api.list('pods');
  assert.is(list.metadata.resourceVersion, String(mvcc.revision), 'the newest revision, although it was a node\'s');
});

const binding = suite('binding');

binding('pods/binding sets spec.nodeName and PodScheduled=True once; a second binding is 409', async () => {
  const { api } = await makeApi();
  await api.create('pods', pod('web'));
  const status = await api.bind('default', 'web', { target: { kind: 'Node', name: 'n1' } });
  assert.equal([status.status, status.code], ['Success', 201]);
  const bound = await api.get<Obj>('pods', 'default', 'web');
  assert.is(bound.spec['nodeName'], 'n1');
  assert.equal(bound.status['conditions'], [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-28T00:00:00Z' }]);
  const err = await apiError(() => api.bind('default', 'web', { target: { name: 'n2' } }));
  assert.equal([err.code, err.message], [409, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"']);
});

const watch = suite('watch');

async function collect(api: Awaited<ReturnType<typeof makeApi>>['api'], opts: object): Promise<{ events: ApiWatchEvent<Obj>[]; ended: () => boolean }> {
  const events: ApiWatchEvent<Obj>[] = [];
  let ended = false;
  await api.watch<Obj>('pods', opts, (e) => events.push(e), () => (ended = true));
  return { events, ended: () => ended };
}

watch('from a resourceVersion: ADDED for creates, MODIFIED for updates, DELETED with the last state', async () => {
  const { api } = await makeApi();
  const list = await api.list('pods');
  const { events } = await collect(api, { resourceVersion: list.metadata.resourceVersion });
  const a = await api.create<Obj>('pods', pod('a'));
  const a2 = await api.update<Obj>('pods', { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
  await api.delete('pods', 'default', 'a');
  assert.equal(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['MODIFIED', 'a'], ['DELETED', 'a']]);
  assert.is(events[1]!.object.metadata.resourceVersion, a2.metadata.resourceVersion);
  // The DELETED object is the last state at the deletion's revision.
  assert.equal(events[2]!.object.metadata['labels'], { x: 'y' });
  assert.is(Number(events[2]!.object.metadata.resourceVersion), Number(a2.metadata.resourceVersion) + 1);
});

watch('without a resourceVersion the current objects come first as ADDED', async () => {
  const { api } = await makeApi();
  await api.create('pods', pod('a'));
  const { events } = await collect(api, {});
  await api.create('pods', pod('b'));
  assert.equal(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['ADDED', 'b']]);
});

watch('a label change moves an object in and out of a selected watch (cacher convertToWatchEvent)', async () => {
  const { api } = await makeApi();
  const a = await api.create<Obj>('pods', pod('a', { labels: { app: 'db' } }));
  const { events } = await collect(api, { resourceVersion: a.metadata.resourceVersion, labelSelector: 'app=web' });
  const a2 = await api.update<Obj>('pods', { ...a, metadata: { ...a.metadata, labels: { app: 'web' } } });
  await api.update<Obj>('pods', { ...a2, metadata: { ...a2.metadata, labels: { app: 'db' } } });
  assert.equal(events.map((e) => [e.type, e.object.metadata['labels']]), [['ADDED', { app: 'web' }], ['DELETED', { app: 'web' }]]);
});

watch('a compacted resourceVersion gives one ERROR event with a 410 Expired Status, then the watch ends', async () => {
  const { api, mvcc } = await makeApi();
  const a = await api.create<Obj>('pods', pod('a'));
  await api.create('pods', pod('b'));
  mvcc.compact(mvcc.revision);
  const { events, ended } = await collect(api, { resourceVersion: String(Number(a.metadata.resourceVersion) - 1) });
  assert.is(events.length, 1);
  assert.is(events[0]!.type, 'ERROR');
  const status = events[0]!.object as unknown as Json;
  assert.equal([status['code'], status['reason']], [410, 'Expired']);
  assert.match(String(status['message']), /^too old resource version: \d+ \(\d+\)$/);
  assert.ok(ended());
});

watch('from just below the compacted revision: a deletion there has lost its previous version, so 410 and a relist, not a silent miss', async () => {
  const { api, mvcc } = await makeApi();
  const a = await api.create<Obj>('pods', pod('a'));
  await api.create('pods', pod('b'));
  await api.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
  const deletedAt = mvcc.revision;
  mvcc.compact(deletedAt);
  // Watching from deletedAt - 1 starts at the compacted revision, which is still watchable.
  const { events, ended } = await collect(api, { resourceVersion: String(deletedAt - 1) });
  assert.equal(events.map((e) => [e.type, (e.object as unknown as Json)['code']]), [['ERROR', 410]]);
  assert.ok(ended());
  // From the compacted revision itself, nothing is missing: no events, the watch stays open.
  const fromHere = await collect(api, { resourceVersion: String(deletedAt) });
  assert.equal([fromHere.events.length, fromHere.ended()], [0, false]);
  assert.ok(Number(a.metadata.resourceVersion) < deletedAt);
});

watch('bookmarks, when allowed, carry only the current resourceVersion', async () => {
  const { api, mvcc } = await makeApi();
  const { events } = await collect(api, { resourceVersion: '1', allowWatchBookmarks: true });
  api.requestBookmarks();
  const last = events[events.length - 1]!;
  assert.is(last.type, 'BOOKMARK');
  assert.equal(last.object as unknown, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(mvcc.revision) } });
});

const deletion = suite('delete');

deletion('an unscheduled pod goes at once; a bound one is marked with deletionTimestamp for its grace period', async () => {
  const { api, clock } = await makeApi();
  await api.create('pods', pod('loose'));
  await api.create('pods', pod('bound', { nodeName: 'n1' }));
  await api.delete('pods', 'default', 'loose');
  await apiError(() => api.get('pods', 'default', 'loose'));
  clock.advance(5000);
  const marked = await api.delete<Obj>('pods', 'default', 'bound');
  // 30 s default grace from T0 + 5 s: 2026-11-28T00:00:35Z.
  assert.equal([marked.metadata['deletionTimestamp'], marked.metadata['deletionGracePeriodSeconds']], ['2026-11-28T00:00:35Z', 30]);
  await api.delete('pods', 'default', 'bound', { gracePeriodSeconds: 0 });
  const gone = await apiError(() => api.get('pods', 'default', 'bound'));
  assert.is(gone.code, 404);
});

deletion('finalizers hold an object until the last one is removed', async () => {
  const { api } = await makeApi();
  const s = await api.create<Obj>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', finalizers: ['example.com/hold'] }, spec: { ports: [{ port: 80 }] } });
  assert.is(s.spec['clusterIP'], '10.96.0.1');
  const marked = await api.delete<Obj>('services', 'default', 'svc');
  assert.ok(marked.metadata['deletionTimestamp'] !== undefined);
  const latest = await api.get<Obj>('services', 'default', 'svc');
  await api.update('services', { ...latest, metadata: { ...latest.metadata, finalizers: [] } });
  assert.is((await apiError(() => api.get('services', 'default', 'svc'))).code, 404);
});

deletion('preconditions on uid and resourceVersion are 409 when they do not hold', async () => {
  const { api } = await makeApi();
  await api.create('pods', pod('a'));
  const err = await apiError(() => api.delete('pods', 'default', 'a', { preconditions: { uid: 'other' } }));
  assert.is(err.code, 409);
  assert.match(err.message, /Precondition failed: UID in precondition: other, UID in object meta: /);
});

const subresources = suite('status subresource and patch');

subresources('the main resource ignores status; /status ignores everything but status', async () => {
  const { api } = await makeApi();
  const v1 = await api.create<Obj>('pods', pod('a'));
  const v2 = await api.update<Obj>('pods', { ...v1, status: { phase: 'Running' } });
  assert.is(v2.status['phase'], 'Pending');
  const v3 = await api.update<Obj>('pods', { ...v1, spec: { ...v1.spec, nodeName: 'sneaky' }, status: { phase: 'Running' } }, { subresource: 'status' });
  assert.equal([v3.status['phase'], v3.spec['nodeName']], ['Running', undefined]);
});

subresources('generation counts spec changes only', async () => {
  const { api } = await makeApi();
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: pod('x').spec } },
  };
  const v1 = await api.create<Obj>('deployments', d);
  assert.is(v1.metadata['generation'], 1);
  const v2 = await api.update<Obj>('deployments', { ...v1, metadata: { ...v1.metadata, labels: { a: 'b' } } });
  assert.is(v2.metadata['generation'], 1, 'a label change is not a spec change');
  const v3 = await api.update<Obj>('deployments', { ...v2, spec: { ...v2.spec, replicas: 3 } });
  assert.is(v3.metadata['generation'], 2);
});

subresources('strategic merge patch changes one container\'s image and keeps the other (merge key: name)', async () => {
  const { api } = await makeApi();
  const p = pod('a');
  await api.create('pods', { ...p, spec: { ...p.spec, containers: [p.spec.containers[0], { name: 'side', image: 'busybox:1.36' }] } });
  const patched = await api.patch<Obj>('pods', 'default', 'a', 'application/strategic-merge-patch+json', { spec: { containers: [{ name: 'side', image: 'busybox:1.37' }] } });
  assert.equal((patched.spec['containers'] as Json[]).map((c) => [c['name'], c['image']]), [['c', 'registry.k8s.io/pause:3.10'], ['side', 'busybox:1.37']]);
  const merged = await api.patch<Obj>('pods', 'default', 'a', 'application/merge-patch+json', { metadata: { labels: { tier: 'x' } } });
  assert.equal(merged.metadata['labels'], { tier: 'x' });
  const stale = await apiError(() => api.patch('pods', 'default', 'a', 'application/merge-patch+json', { metadata: { resourceVersion: '2', labels: { t: 'y' } } }));
  assert.is(stale.code, 409, 'a resourceVersion in the patch is a precondition');
  const apply = await api.patch<Obj>('pods', 'default', 'fresh', 'application/apply-patch+yaml', pod('fresh'));
  assert.is(apply.metadata.name, 'fresh', 'server-side apply creates what does not exist');
});

subresources('creation time comes from the injected clock', async () => {
  const { api, clock } = await makeApi();
  clock.advance(90_000);
  const p = await api.create<Obj>('pods', pod('late'));
  assert.is(Date.parse(String(p.metadata['creationTimestamp'])), T0 + 90_000);
});

for (const s of [crud, validation, admission, lists, binding, watch, deletion, subresources]) s.run();
