// The kubelet end to end on a ManualClock: the real API server, shared informers and the real scheduler.
// Every timestamp below is derived from the configured latencies (containerd: sandbox 500 ms, 100 ms per
// container; pulls at 100 MiB/s), starting at T0 = 2026-11-28T00:00:00Z.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Lease, Node, Pod } from '../../src/api/index.js';
import { Kubelet, goDuration, normalizedImageName, readinessDelayMs, type KubeletOptions } from '../../src/node/index.js';
import { firstCountedProbeMs, probeTiming } from '../../src/node/kubelet.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { T0, makeApi } from '../apiserver/fixtures.js';

const MiB = 1024 * 1024;
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

async function setup(options: Partial<KubeletOptions> = {}, withScheduler = true) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const kubelet = new Kubelet({
    api: ctx.api,
    informers,
    clock: ctx.clock,
    nodeName: 'n1',
    register: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    ...options,
  });
  await kubelet.start();
  const scheduler = withScheduler ? createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(1) }) : undefined;
  await scheduler?.start();
  /** Moves the clock to T0 + seconds and lets every queued write land. */
  const to = async (seconds: number) => {
    ctx.clock.advance(T0 + seconds * 1000 - ctx.clock.now());
    await flush();
    await kubelet.idle();
  };
  const schedule = async () => {
    await scheduler?.runUntilIdle();
    await kubelet.idle();
  };
  const get = (name: string) => ctx.api.get<Pod>('pods', 'default', name).catch(() => undefined);
  const events = async (name: string) =>
    (await ctx.api.list<Json>('events')).items
      .filter((e) => (e['involvedObject'] as Json)['name'] === name)
      .map((e) => `${String(e['reason'])}: ${String(e['message'])}`);
  return { ...ctx, informers, kubelet, scheduler, to, schedule, get, events };
}

function podBody(name: string, o: { image?: string; cpu?: string; annotations?: Record<string, string>; spec?: Json; container?: Json } = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      containers: [{ name: 'c', image: o.image ?? 'registry.example/web:1.0', resources: { requests: { cpu: o.cpu ?? '100m', memory: '64Mi' } }, ...o.container }],
      ...o.spec,
    },
  };
}

function condition(pod: Pod | undefined, type: string) {
  const c = pod?.status?.conditions?.find((x) => x.type === type);
  return c === undefined ? undefined : `${c.status}@${c.lastTransitionTime}`;
}

const node = suite('kubelet: node');

node('registers its Node Ready with nodeInfo, and renews its Lease every 10 s', async () => {
  const { api, to } = await setup();
  const n = await api.get<Node>('nodes', undefined, 'n1');
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal([ready?.status, ready?.reason, ready?.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  assert.equal(
    n.status?.conditions?.filter((c) => c.type !== 'Ready').map((c) => `${c.type}=${c.status} ${c.reason}`),
    ['MemoryPressure=False KubeletHasSufficientMemory', 'DiskPressure=False KubeletHasNoDiskPressure', 'PIDPressure=False KubeletHasSufficientPID'],
  );
  const info = n.status?.nodeInfo;
  assert.equal([info?.kubeletVersion, info?.containerRuntimeVersion, info?.operatingSystem, info?.architecture], ['v1.32.0', 'containerd://2.0.2', 'linux', 'amd64']);
  assert.ok(info?.osImage && info.kernelVersion);
  assert.equal(n.status?.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  assert.is(n.metadata.labels?.['kubernetes.io/hostname'], 'n1');

  let lease = await api.get<Lease>('leases', 'kube-node-lease', 'n1');
  assert.equal([lease.spec?.holderIdentity, lease.spec?.leaseDurationSeconds, lease.spec?.renewTime], ['n1', 40, '2026-11-28T00:00:00.000000Z']);
  assert.is(lease.metadata.ownerReferences?.[0]?.uid, n.metadata.uid);
  await to(9.999);
  assert.is((await api.get<Lease>('leases', 'kube-node-lease', 'n1')).spec?.renewTime, '2026-11-28T00:00:00.000000Z');
  await to(10);
  lease = await api.get<Lease>('leases', 'kube-node-lease', 'n1');
  assert.is(lease.spec?.renewTime, '2026-11-28T00:00:10.000000Z', '0.25 x 40 s = 10 s after the first renewal');
});

node('adopts an existing Node; refuses to start without one when registration is off', async () => {
  const { api, informers, clock } = await makeApiWithInformers();
  await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pre', labels: { zone: 'a' } }, status: { capacity: { cpu: '2', memory: '4Gi', pods: '10' } } });
  const k = new Kubelet({ api, informers, clock, nodeName: 'pre' });
  await k.start();
  const n = await api.get<Node>('nodes', undefined, 'pre');
  assert.is(n.metadata.labels?.['zone'], 'a', 'labels kept');
  assert.is(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const missing = new Kubelet({ api, informers, clock, nodeName: 'ghost' });
  try {
    await missing.start();
    assert.unreachable('should fail');
  } catch (err) {
    assert.match(String(err), /node "ghost" does not exist and registration is off/);
  }
});

node('node events: Starting, then one event per condition when it is new or changes status (setters.go), named <node>.<hex ns>', async () => {
  const { api, kubelet, to, events } = await setup({}, false);
  // Registration: Starting, then the four conditions the new Node has, in setter order.
  const registered = [
    'Starting: Starting kubelet.',
    'NodeHasSufficientMemory: Node n1 status is now: NodeHasSufficientMemory',
    'NodeHasNoDiskPressure: Node n1 status is now: NodeHasNoDiskPressure',
    'NodeHasSufficientPID: Node n1 status is now: NodeHasSufficientPID',
    'NodeReady: Node n1 status is now: NodeReady',
  ];
  assert.equal(await events('n1'), registered);
  const list = (await api.list<Json>('events')).items;
  const starting = list.find((e) => e['reason'] === 'Starting')!;
  // A Node is cluster-scoped: its events go to "default"; the kubelet's nodeRef has uid = the node name.
  assert.equal([(starting['metadata'] as Json)['namespace'], starting['involvedObject'], starting['source']], ['default', { kind: 'Node', name: 'n1', uid: 'n1' }, { component: 'kubelet', host: 'n1' }]);
  // client-go names events "<name>.<UnixNano in hex>": T0 = 1795824000000 ms = 1795824000000000000 ns = 0x18ec0c69cf1f0000.
  assert.is((starting['metadata'] as Json)['name'], 'n1.18ec0c69cf1f0000');
  // The next event in the same millisecond takes the next nanosecond.
  assert.is((list.find((e) => e['reason'] === 'NodeHasSufficientMemory')!['metadata'] as Json)['name'], 'n1.18ec0c69cf1f0001');
  // Status posts that change nothing record nothing (10 s heartbeats through 60 s).
  await to(60);
  assert.equal(await events('n1'), registered);
  // The node controller marked the node Unknown while the kubelet was away; back, the kubelet posts
  // False/True again and each change is an event.
  kubelet.stop();
  const n = await api.get<Node>('nodes', undefined, 'n1');
  await api.update('nodes', { ...n, status: { ...n.status, conditions: n.status!.conditions!.map((c) => ({ ...c, status: 'Unknown' })) } }, { subresource: 'status' });
  await kubelet.start();
  await to(61);
  assert.equal((await events('n1')).slice(registered.length), registered);
});

async function makeApiWithInformers() {
  const ctx = await makeApi();
  return { ...ctx, informers: new SharedInformerFactory(ctx.api) };
}

const pods = suite('kubelet: pod lifecycle');

pods('Pending -> pull -> Running -> Ready after the probe -> Succeeded, with timestamps from the latencies', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create(
    'pods',
    podBody('web', {
      annotations: { 'drydock.io/image-size': '140Mi', 'drydock.io/duration-seconds': '60' },
      spec: { restartPolicy: 'Never' },
      container: { readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5, periodSeconds: 10 } },
    }),
  );
  await schedule(); // bound at T0, admitted at T0
  // t = 0      admitted: Pending, startTime T0
  // t = 0.5    sandbox up (500 ms); pull 140 MiB / 100 MiB/s = 1.4 s
  // t = 1.9    image pulled; container created and started (100 ms)
  // t = 2.0    Running, container started, not ready
  // readiness: probes at 0, 10, 20 s after start; results before initialDelay 5 s are ignored, so the
  //            first that counts is at ceil(5/10) x 10 = 10 s, and successThreshold 1 makes it Ready:
  // t = 12     Ready (2 + 10)   [not 2 + 5 + 10 x 1 = 17: the probe does not restart its period at initialDelay]
  // t = 62     the container exits 0 after its 60 s (2 + 60): Succeeded
  let p = await get('web');
  assert.equal([p?.spec.nodeName, p?.status?.phase, p?.status?.startTime, p?.status?.hostIP], ['n1', 'Pending', at(0), p?.status?.hostIP]);
  assert.equal(p?.status?.containerStatuses?.[0]?.['state'], { waiting: { reason: 'ContainerCreating' } });
  assert.is(condition(p, 'Initialized'), `True@${at(0)}`);
  assert.is(condition(p, 'Ready'), `False@${at(0)}`);
  assert.is(condition(p, 'PodScheduled'), `True@${at(0)}`, 'the scheduler\'s condition is kept');

  await to(1.999);
  assert.is((await get('web'))?.status?.phase, 'Pending');
  await to(2);
  p = await get('web');
  const cs = p?.status?.containerStatuses?.[0] as Json;
  assert.equal([p?.status?.phase, cs['ready'], cs['started'], cs['restartCount'], cs['state']], ['Running', false, true, 0, { running: { startedAt: at(2) } }]);
  assert.match(String(p?.status?.podIP), /^10\.244\.\d+\.2$/, 'the first pod address of the node\'s /24');
  assert.is(condition(p, 'Ready'), `False@${at(0)}`);

  await to(11.999);
  assert.is(condition(await get('web'), 'Ready'), `False@${at(0)}`);
  await to(12);
  p = await get('web');
  assert.equal([condition(p, 'ContainersReady'), condition(p, 'Ready')], [`True@${at(12)}`, `True@${at(12)}`]);
  assert.is((p?.status?.containerStatuses?.[0] as Json)['ready'], true);

  await to(61.999);
  assert.is((await get('web'))?.status?.phase, 'Running');
  await to(62);
  p = await get('web');
  assert.is(p?.status?.phase, 'Succeeded');
  const terminated = { ...(((p?.status?.containerStatuses?.[0] as Json)['state'] as Json)['terminated'] as Json) };
  assert.match(String(terminated['containerID']), /^containerd:\/\/[0-9a-f]{64}$/);
  delete terminated['containerID'];
  assert.equal(terminated, { exitCode: 0, reason: 'Completed', startedAt: at(2), finishedAt: at(62) });
  assert.equal([condition(p, 'Ready'), p?.status?.conditions?.find((c) => c.type === 'Ready')?.reason], [`False@${at(62)}`, 'PodCompleted']);

  // (events are listed by their generated names; compare them sorted)
  assert.equal((await events('web')).filter((e) => !e.startsWith('Scheduled')).sort(), [
    'Pulling: Pulling image "registry.example/web:1.0"',
    'Pulled: Successfully pulled image "registry.example/web:1.0" in 1.4s (1.4s including waiting). Image size: 146800640 bytes.',
    'Created: Created container: c',
    'Started: Started container c',
  ].sort());
});

pods('drydock.io/fail makes the pod Failed with exit code 1 (restartPolicy Never)', async () => {
  const { api, to, schedule, get } = await setup();
  await api.create('pods', podBody('bad', { annotations: { 'drydock.io/image-size': '0', 'drydock.io/duration-seconds': '5', 'drydock.io/fail': 'true' }, spec: { restartPolicy: 'Never' } }));
  await schedule();
  // running at 0.5 + 0 + 0.1 = 0.6 s; exits at 5.6 s
  await to(5.6);
  const p = await get('bad');
  assert.is(p?.status?.phase, 'Failed');
  assert.equal(((p?.status?.containerStatuses?.[0]?.['state'] as Json)['terminated'] as Json)['exitCode'], 1);
});

pods('admission: a pod bound past allocatable is rejected like the kubelet does (OutOfcpu, OutOfpods)', async () => {
  const { api, to, get, events } = await setup({ register: { capacity: { cpu: '4', memory: '8Gi', pods: '3' } } }, false);
  await api.create('pods', podBody('a', { cpu: '3' }));
  await api.bind('default', 'a', { target: { name: 'n1' } });
  await api.create('pods', podBody('b', { cpu: '2' }));
  await api.bind('default', 'b', { target: { name: 'n1' } });
  await to(0);
  const b = await get('b');
  // allocatable 4000m, used 3000m by a, b asks 2000m > 4000 - 3000.
  assert.equal([b?.status?.phase, b?.status?.reason, b?.status?.message], [
    'Failed',
    'OutOfcpu',
    "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000",
  ]);
  assert.equal(await events('b'), ["OutOfcpu: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000"]);
  assert.is((await get('a'))?.status?.phase, 'Pending', 'a was admitted');
  // pods: 3 allowed; a and c admitted (b was rejected and does not count), d is the third... e the fourth.
  for (const name of ['c', 'd', 'e']) {
    await api.create('pods', podBody(name, { cpu: '10m' }));
    await api.bind('default', name, { target: { name: 'n1' } });
  }
  await to(0);
  assert.equal([(await get('c'))?.status?.phase, (await get('d'))?.status?.phase], ['Pending', 'Pending']);
  const e = await get('e');
  assert.equal([e?.status?.reason, e?.status?.message], ['OutOfpods', "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3"]);
});

pods('the image cache makes the second pod start faster, and node.status.images lists the image', async () => {
  const { api, to, schedule, get, events, kubelet } = await setup();
  const annotations = { 'drydock.io/image-size': '140Mi' };
  await api.create('pods', podBody('first', { annotations }));
  await schedule();
  await to(2);
  // first: 0.5 sandbox + 1.4 pull + 0.1 start = 2.0 s
  assert.equal((await get('first'))?.status?.containerStatuses?.[0]?.['state'], { running: { startedAt: at(2) } });
  const n = await api.get<Node>('nodes', undefined, 'n1');
  assert.equal(n.status?.images, [{ names: ['registry.example/web:1.0'], sizeBytes: 140 * MiB }]);
  assert.equal(kubelet.imageNames, ['registry.example/web:1.0']);

  await to(10);
  await api.create('pods', podBody('second', { annotations }));
  await schedule();
  await to(10.599);
  assert.is((await get('second'))?.status?.phase, 'Pending');
  await to(10.6);
  // second: 0.5 sandbox + 0 pull (cached) + 0.1 start = 0.6 s after 10 s, 1.4 s sooner than the first.
  assert.is((await get('second'))?.status?.phase, 'Running');
  assert.ok((await events('second')).includes('Pulled: Container image "registry.example/web:1.0" already present on machine'));
});

pods('pulls are serialized per node: a second image waits for the first pull', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create('pods', podBody('one', { image: 'a:1', annotations: { 'drydock.io/image-size': '200Mi' } }));
  await api.create('pods', podBody('two', { image: 'b:1', annotations: { 'drydock.io/image-size': '100Mi' } }));
  await schedule();
  // one: sandbox until 0.5, pull 2 s until 2.5, running at 2.6. two: sandbox until 0.5, its pull waits for
  // one's (serializeImagePulls) from 2.5, takes 1 s until 3.5, running at 3.6.
  await to(3.599);
  assert.equal([(await get('one'))?.status?.phase, (await get('two'))?.status?.phase], ['Running', 'Pending']);
  await to(3.6);
  assert.is((await get('two'))?.status?.phase, 'Running');
  assert.ok((await events('two')).includes('Pulled: Successfully pulled image "b:1" in 1s (3s including waiting). Image size: 104857600 bytes.'));
});

pods('restartPolicy Always restarts the container with CrashLoopBackOff: 0, 10 s, 20 s, 40 s', async () => {
  const { api, to, schedule, get } = await setup();
  await api.create('pods', podBody('crash', { annotations: { 'drydock.io/image-size': '0', 'drydock.io/duration-seconds': '10', 'drydock.io/fail': 'true' } }));
  await schedule();
  const cs = async () => (await get('crash'))?.status?.containerStatuses?.[0] as Json;
  const state = async () => {
    const c = await cs();
    return [c['restartCount'], Object.keys(c['state'] as Json)[0]];
  };
  // run 1: running at 0.6 (0.5 sandbox + 0 pull + 0.1 start), exits at 10.6; no backoff entry yet: restarts at once
  // run 2: running at 10.7 (restartCount 1), exits at 20.7; backoff 10 s: restart at 30.7
  // run 3: running at 30.8 (restartCount 2), exits at 40.8; backoff doubled to 20 s: restart at 60.8
  // run 4: running at 60.9 (restartCount 3), exits at 70.9; 40 s: restart at 110.9, running at 111.0
  await to(10.6);
  assert.equal(await state(), [0, 'terminated']);
  await to(10.7);
  assert.equal(await state(), [1, 'running']);
  await to(20.7);
  const waiting = await cs();
  assert.equal(waiting['state'], { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=c pod=crash_default(${(await get('crash'))?.metadata.uid})` } });
  assert.equal(((waiting['lastState'] as Json)['terminated'] as Json)['exitCode'], 1);
  assert.is((await get('crash'))?.status?.phase, 'Running', 'a crash-looping pod stays Running');
  await to(30.799);
  assert.equal(await state(), [1, 'waiting']);
  await to(30.8);
  assert.equal(await state(), [2, 'running']);
  await to(60.899);
  assert.equal(await state(), [2, 'waiting']);
  await to(60.9);
  assert.equal(await state(), [3, 'running']);
  await to(110.999);
  assert.equal(await state(), [3, 'waiting']);
  await to(111);
  assert.equal(await state(), [4, 'running']);
});

pods('graceful deletion: stopped after the grace period (or sooner if the container exits), then deleted', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create('pods', podBody('slow', { annotations: { 'drydock.io/image-size': '0' } }));
  await api.create('pods', podBody('quick', { annotations: { 'drydock.io/image-size': '0', 'drydock.io/stop-seconds': '3' } }));
  await schedule();
  await to(5);
  await api.delete('pods', 'default', 'slow'); // terminationGracePeriodSeconds 30 (default)
  await api.delete('pods', 'default', 'quick');
  await to(5);
  const slow = await get('slow');
  assert.equal([slow?.metadata.deletionTimestamp, slow?.metadata.deletionGracePeriodSeconds], [at(35), 30]);
  assert.ok((await events('slow')).includes('Killing: Stopping container c'));
  // quick: exits 3 s after SIGTERM: min(30, 3) = 3 -> gone at 8 s
  await to(7.999);
  assert.ok(await get('quick'));
  await to(8);
  assert.is(await get('quick'), undefined);
  // slow: ignores SIGTERM, killed when the 30 s grace runs out: 5 + 30 = 35 s
  await to(34.999);
  assert.equal((await get('slow'))?.status?.phase, 'Running');
  await to(35);
  assert.is(await get('slow'), undefined);
});

pods('a RuntimeClass for rkt fails the pod with a clear reason; kata pays its overhead and slower start', async () => {
  const { api, to, schedule, get } = await setup();
  await api.create('runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'rkt' }, handler: 'rkt' });
  await api.create('runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m', memory: '160Mi' } } });
  await to(0);
  await api.create('pods', podBody('old', { spec: { runtimeClassName: 'rkt' } }));
  await api.create('pods', podBody('vm', { annotations: { 'drydock.io/image-size': '0' }, spec: { runtimeClassName: 'kata' } }));
  await schedule();
  const old = await get('old');
  assert.equal([old?.status?.phase, old?.status?.reason], ['Failed', 'FailedCreatePodSandBox']);
  assert.match(String(old?.status?.message), /rkt is a historical runtime/);
  const vm = await get('vm');
  assert.equal(vm?.spec.overhead, { cpu: '250m', memory: '160Mi' });
  // kata: 1.5 s sandbox (VM boot) + 0 pull + 0.15 s container = 1.65 s
  await to(1.649);
  assert.is((await get('vm'))?.status?.phase, 'Pending');
  await to(1.65);
  assert.is((await get('vm'))?.status?.phase, 'Running');
});

const probes = suite('kubelet: liveness and startup probes');

/** metav1.Time is written in whole seconds (RFC 3339): a condition or state time of 52.6 s reads 52 s. */
const stamp = (seconds: number) => at(Math.floor(seconds));
const status0 = (p: Pod | undefined) => p?.status?.containerStatuses?.[0] as Json;
const stateOf = (p: Pod | undefined) => {
  const c = status0(p);
  return [c['restartCount'], Object.keys(c['state'] as Json)[0]];
};
const count = (list: string[], prefix: string) => list.filter((e) => e.startsWith(prefix)).length;

probes('liveness failing 30 s after start (period 10, failureThreshold 3): killed, restarted, then CrashLoopBackOff', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create(
    'pods',
    podBody('sick', {
      annotations: { 'drydock.io/image-size': '0', 'drydock.io/liveness-fail-after-seconds': '30', 'drydock.io/stop-seconds': '2' },
      container: { livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 } },
    }),
  );
  await schedule();
  // run 1: running at 0.6 (0.5 sandbox + 0 pull + 0.1 start), Ready at once (no readiness probe).
  //   liveness ticks every 10 s from the start: 0.6, 10.6, 20.6 pass (0, 10, 20 s < 30 s);
  //   30.6 fails (30 s >= 30 s) -> resultRun 1; 40.6 -> 2; 50.6 -> 3 = failureThreshold: Killing at 50.6
  //   = 0.6 + ceil(30 / 10) x 10 + (3 - 1) x 10.
  //   SIGTERM at 50.6; the container exits (0) after stop-seconds 2 < grace 30: down at 52.6.
  //   No backoff entry yet: restarted at once, running at 52.7 (0.1 start), restartCount 1.
  // run 2: fails at 52.7 + 30 = 82.7, 92.7, 102.7 -> killed at 102.7, exits at 104.7; backoff 10 s:
  //   CrashLoopBackOff until 114.7, running at 114.8, restartCount 2.
  await to(50.599);
  let p = await get('sick');
  assert.equal(stateOf(p), [0, 'running']);
  assert.is(count(await events('sick'), 'Unhealthy'), 2, 'failures at 30.6 and 40.6');
  assert.is(count(await events('sick'), 'Killing'), 0);
  await to(50.6);
  const evs = await events('sick');
  assert.is(count(evs, 'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500'), 3);
  assert.ok(evs.includes('Killing: Container c failed liveness probe, will be restarted'));
  assert.is(condition(await get('sick'), 'Ready'), `True@${stamp(0.6)}`, 'still running (and ready) during the grace period');

  await to(52.599);
  assert.equal(stateOf(await get('sick')), [0, 'running']);
  await to(52.6);
  p = await get('sick');
  assert.equal(stateOf(p), [0, 'terminated']);
  assert.equal((((status0(p)['state'] as Json)['terminated'] as Json)['exitCode']), 0);
  assert.equal([condition(p, 'Ready'), condition(p, 'ContainersReady')], [`False@${stamp(52.6)}`, `False@${stamp(52.6)}`], 'Ready drops while the container is down');
  await to(52.7);
  p = await get('sick');
  assert.equal(stateOf(p), [1, 'running']);
  assert.is(condition(p, 'Ready'), `True@${stamp(52.7)}`);
  assert.is(p?.status?.phase, 'Running');

  await to(102.599);
  assert.equal(stateOf(await get('sick')), [1, 'running']);
  await to(102.6);
  assert.is(count(await events('sick'), 'Killing'), 1, 'run 2 is probed from its own start: 102.7, not 102.6');
  await to(102.7);
  assert.is(count(await events('sick'), 'Killing'), 2);
  await to(104.7);
  p = await get('sick');
  assert.equal(stateOf(p), [1, 'waiting']);
  assert.is(((status0(p)['state'] as Json)['waiting'] as Json)['reason'], 'CrashLoopBackOff');
  assert.is(condition(p, 'Ready'), `False@${stamp(104.7)}`);
  await to(114.799);
  assert.equal(stateOf(await get('sick')), [1, 'waiting']);
  await to(114.8);
  assert.equal(stateOf(await get('sick')), [2, 'running']);
});

probes('restartPolicy Never: a liveness kill fails the pod (SIGKILL after the probe\'s own grace period, exit 137)', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create(
    'pods',
    podBody('once', {
      annotations: { 'drydock.io/image-size': '0', 'drydock.io/liveness-fail-after-seconds': '30' },
      spec: { restartPolicy: 'Never' },
      container: { livenessProbe: { tcpSocket: { port: 5432 }, initialDelaySeconds: 35, periodSeconds: 10, failureThreshold: 3, terminationGracePeriodSeconds: 10 } },
    }),
  );
  await schedule();
  // running at 0.6; ticks before initialDelay 35 s are ignored: the first counted is at ceil(35 / 10) x 10
  // = 40 s (already failing, 40 >= 30): failures at 40.6, 50.6, 60.6 -> Killing at 60.6.
  // No stop-seconds: the container ignores SIGTERM and is SIGKILLed after the probe's grace, 10 s (over the
  // pod's 30): exit 137 at 70.6, and the pod is Failed.
  await to(60.6);
  const evs = await events('once');
  assert.is(count(evs, 'Unhealthy'), 3);
  assert.match(evs.find((e) => e.startsWith('Unhealthy')) ?? '', /^Unhealthy: Liveness probe failed: dial tcp 10\.244\.\d+\.2:5432: connect: connection refused$/);
  assert.ok(evs.includes('Killing: Container c failed liveness probe'), 'no ", will be restarted" with restartPolicy Never');
  await to(70.599);
  assert.is((await get('once'))?.status?.phase, 'Running');
  await to(70.6);
  const p = await get('once');
  assert.is(p?.status?.phase, 'Failed');
  const terminated = (status0(p)['state'] as Json)['terminated'] as Json;
  assert.equal([terminated['exitCode'], terminated['reason'], terminated['finishedAt'], status0(p)['restartCount']], [137, 'Error', stamp(70.6), 0]);
  await to(200);
  assert.is(count(await events('once'), 'Unhealthy'), 3, 'no probing after the kill');
});

probes('without drydock.io/liveness-fail-after-seconds the liveness probe always passes', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create('pods', podBody('fine', { annotations: { 'drydock.io/image-size': '0' }, container: { livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 1 } } }));
  await schedule();
  await to(3600);
  const p = await get('fine');
  assert.equal([stateOf(p), condition(p, 'Ready'), p?.status?.phase], [[0, 'running'], `True@${stamp(0.6)}`, 'Running']);
  const evs = await events('fine');
  assert.equal([count(evs, 'Unhealthy'), count(evs, 'Killing')], [0, 0]);
});

probes('a startup probe holds back readiness and liveness until it succeeds', async () => {
  const { api, to, schedule, get, events } = await setup();
  await api.create(
    'pods',
    podBody('slow-start', {
      annotations: { 'drydock.io/image-size': '0', 'drydock.io/liveness-fail-after-seconds': '0', 'drydock.io/stop-seconds': '0' },
      container: {
        startupProbe: { httpGet: { path: '/started', port: 80 }, initialDelaySeconds: 15, periodSeconds: 10 },
        readinessProbe: { httpGet: { path: '/ready', port: 80 }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 10, failureThreshold: 1 },
      },
    }),
  );
  await schedule();
  // running at 0.6, started: false. startup: first counted tick ceil(15 / 10) x 10 = 20 s -> started at 20.6.
  // readiness ticks every 5 s; the one at 20 s is the same instant as the startup success and does not count
  //   yet, so Ready at 25 s -> 25.6.
  // liveness (failing from 0 s) likewise skips 0, 10 and 20 s: its first counted tick is 30 s, and
  //   failureThreshold 1 kills at 30.6 (not at 0.6, as it would without the startup probe).
  await to(20.599);
  let p = await get('slow-start');
  assert.equal([status0(p)['started'], status0(p)['ready'], condition(p, 'Ready')], [false, false, `False@${at(0)}`]);
  await to(20.6);
  p = await get('slow-start');
  assert.equal([status0(p)['started'], status0(p)['ready']], [true, false]);
  await to(25.599);
  assert.is(condition(await get('slow-start'), 'Ready'), `False@${at(0)}`);
  await to(25.6);
  assert.is(condition(await get('slow-start'), 'Ready'), `True@${stamp(25.6)}`);
  await to(30.599);
  assert.is(count(await events('slow-start'), 'Unhealthy'), 0);
  await to(30.6);
  p = await get('slow-start');
  assert.ok((await events('slow-start')).includes('Killing: Container c failed liveness probe, will be restarted'));
  // stop-seconds 0: exits at once; restarted at 30.7 with restartCount 1 and started false again.
  assert.equal([stateOf(p), condition(p, 'Ready')], [[0, 'terminated'], `False@${stamp(30.6)}`]);
  await to(30.7);
  p = await get('slow-start');
  assert.equal([stateOf(p), status0(p)['started']], [[1, 'running'], false]);
});

const helpers = suite('kubelet: helpers');

helpers('readiness delay, Go durations, image names', () => {
  assert.is(readinessDelayMs(undefined), undefined);
  assert.is(readinessDelayMs({}), 0); // probed at start
  assert.is(readinessDelayMs({ initialDelaySeconds: 5, periodSeconds: 10 }), 10_000); // ceil(5/10) x 10
  assert.is(readinessDelayMs({ initialDelaySeconds: 20, periodSeconds: 10, successThreshold: 3 }), 40_000); // 20 + 2 x 10
  const t = (probe: Json) => probeTiming(probe)!;
  assert.equal(t({}), { initialDelaySeconds: 0, periodMs: 10_000, successThreshold: 1, failureThreshold: 3, terminationGracePeriodSeconds: undefined });
  assert.is(firstCountedProbeMs(t({ initialDelaySeconds: 35 })), 40_000); // ceil(35/10) x 10
  assert.is(firstCountedProbeMs(t({ initialDelaySeconds: 30 })), 30_000); // floor(30 s) >= 30: counts
  assert.is(firstCountedProbeMs(t({ periodSeconds: 5 }), 20_000), 25_000); // strictly after the startup success at 20 s
  assert.is(firstCountedProbeMs(t({ initialDelaySeconds: 40 }), 20_000), 40_000); // the initial delay is the later bound
  assert.equal([goDuration(0), goDuration(500), goDuration(1400), goDuration(60_000), goDuration(125_500), goDuration(3_600_000)], ['0s', '500ms', '1.4s', '1m0s', '2m5.5s', '1h0m0s']);
  assert.equal([normalizedImageName('nginx'), normalizedImageName('nginx:1.25'), normalizedImageName('localhost:5000/app'), normalizedImageName('a@sha256:00')], ['nginx:latest', 'nginx:1.25', 'localhost:5000/app:latest', 'a@sha256:00']);
});

node.run();
pods.run();
probes.run();
helpers.run();
