// `drydock serve --leader-elect`: two real serve processes on one etcd run kube-controller-manager's
// controllers, the scheduler and the kubelets once between them; when the leader is killed, the other takes
// its Leases over and the cluster goes on. Also the flags' one-line refusals, and leader election on the
// embedded store when asked for. The etcd parts are skipped, visibly, without an etcd binary or DRYDOCK_ETCD_ENDPOINTS.
//
// Short timings for the two-process test: LeaseDuration (LD) 3 s, RenewDeadline 2 s, RetryPeriod (RP) 500 ms
// (valid: 2 s < 3 s, and 2 s > 1.2 × 500 ms = 600 ms; and LD > RP + RD, 3 s > 2.5 s, so the old leader has
// always stopped before another takes over).
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2e, run, startServe, waitFor, type Child, type Scope } from '../apiserver/e2e-harness.js';
import { ETCD_SKIP, sharedEtcdEndpoint } from '../store/etcd-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const LD_MS = 3000;
const RP_MS = 500;
const SHORT = ['--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms'];
const LEASES = ['kube-controller-manager', 'kube-scheduler', 'drydock-kubelets'];
const IDENTITY = /^leader election: identity (\S+); /m;

interface Json {
  [k: string]: unknown;
}
type Lease = { metadata: { name: string }; spec?: { holderIdentity?: string; acquireTime?: string; renewTime?: string; leaseTransitions?: number; leaseDurationSeconds?: number } };
type Pod = { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };
type Event = { reason: string; message: string; involvedObject: { kind: string; name: string } };

async function get<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function post(url: string, body: Json): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

const leases = async (url: string) => (await get<{ items: Lease[] }>(`${url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`)).items.filter((l) => LEASES.includes(l.metadata.name));
const pods = async (url: string) => (await get<{ items: Pod[] }>(`${url}/api/v1/namespaces/default/pods`)).items;
const events = async (url: string, ns: string) => (await get<{ items: Event[] }>(`${url}/api/v1/namespaces/${ns}/events`)).items;
const running = (p: Pod) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && p.metadata.deletionTimestamp === undefined;

function deployment(name: string, replicas: number): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] } } },
  };
}

async function serveOn(scope: Scope, endpoint: string, prefix: string, extra: readonly string[] = []): Promise<{ child: Child; url: string; identity: string }> {
  const s = await startServe(scope, MAIN, ['--etcd-endpoints', endpoint, '--etcd-prefix', prefix, ...SHORT, ...extra]);
  const identity = IDENTITY.exec(s.child.stdout)?.[1];
  assert.ok(identity !== undefined, `the identity line in ${JSON.stringify(s.child.stdout)}`);
  return { ...s, identity };
}

const acquiredLines = (c: Child) => c.stdout.split('\n').filter((l) => l.startsWith('successfully acquired lease kube-system/')).sort();
const ALL_ACQUIRED = LEASES.map((l) => `successfully acquired lease kube-system/${l}`).sort();

const etcdEndpoint = await sharedEtcdEndpoint();
if (etcdEndpoint === undefined) console.log(ETCD_SKIP);

const two = suite('drydock serve: two processes on one etcd');

if (etcdEndpoint !== undefined) {
  e2e(two, 'one leader runs the controllers, scheduler and kubelets: a Deployment of 3 gets 3 pods scheduled once; killed, the other takes over', async (scope) => {
    const prefix = `/drydock-le-${process.pid}-${Date.now()}`;
    const a = await serveOn(scope, etcdEndpoint, prefix);
    await waitFor('A to acquire the three leases', () => acquiredLines(a.child).length === 3, 5_000);
    assert.equal(acquiredLines(a.child), ALL_ACQUIRED);
    const b = await serveOn(scope, etcdEndpoint, prefix);
    await waitFor('B to see A holding the three leases', () => LEASES.every((l) => b.child.stdout.includes(`kube-system/${l} is held by ${a.identity}`)), 5_000);
    for (const l of await leases(b.url)) {
      assert.is(l.spec?.holderIdentity, a.identity, `${l.metadata.name} held by A`);
      assert.is(l.spec?.leaseTransitions, 0);
      assert.is(l.spec?.leaseDurationSeconds, 3, 'int(3s / 1s)');
    }

    // Through B (which runs none of the components): a Node and a Deployment of 3.
    await post(`${b.url}/api/v1/nodes`, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '8', memory: '16Gi', pods: '110' } } });
    await post(`${b.url}/apis/apps/v1/namespaces/default/deployments`, deployment('web', 3));
    await waitFor('3 Running, Ready web pods', async () => (await pods(b.url)).filter(running).length === 3, 15_000);
    // Let both processes' informers catch up for a few retry periods: with two controller managers the
    // ReplicaSet would have been filled twice (6 pods), with two schedulers bindings would conflict.
    await new Promise((r) => setTimeout(r, 4 * RP_MS));
    const web = await pods(a.url);
    assert.is(web.length, 3, `exactly 3 pods, not 6: ${web.map((p) => p.metadata.name).join(', ')}`);
    assert.ok(web.every((p) => p.spec.nodeName === 'n1'));
    const rs = await get<{ items: unknown[] }>(`${b.url}/apis/apps/v1/namespaces/default/replicasets`);
    assert.is(rs.items.length, 1, 'one ReplicaSet');
    const ev = await events(b.url, 'default');
    const scheduled = ev.filter((e) => e.reason === 'Scheduled').map((e) => e.involvedObject.name).sort();
    assert.equal(scheduled, web.map((p) => p.metadata.name).sort(), 'one Scheduled event per pod: each scheduled once');
    assert.is(ev.filter((e) => e.reason === 'FailedScheduling').length, 0);
    assert.is(ev.filter((e) => e.reason === 'SuccessfulCreate').length, 3);

    // Kill A. Its last renewals are what B last sees change; B may take over no sooner than LD after that.
    a.child.proc.kill('SIGKILL');
    await a.child.exited;
    const killedAt = Date.now();
    const lastRenew = new Map((await leases(b.url)).map((l) => [l.metadata.name, Date.parse(l.spec!.renewTime!)]));
    // Upper bound: B sees A's last renewal within one jittered retry (≤ 2.2 × RP) and takes over at its first
    // attempt ≥ LD after that (≤ 2.2 × RP later): LD + 4.4 × RP = 3 + 2.2 = 5.2 s, plus 2 s for a busy machine.
    const bound = LD_MS + 4.4 * RP_MS + 2_000;
    const tookOver = new Map<string, number>();
    await waitFor('B to hold the three leases', async () => {
      for (const l of await leases(b.url)) if (l.spec?.holderIdentity === b.identity && !tookOver.has(l.metadata.name)) tookOver.set(l.metadata.name, Date.now() - killedAt);
      return tookOver.size === 3;
    }, bound);
    for (const l of await leases(b.url)) {
      assert.is(l.spec?.leaseTransitions, 1, `${l.metadata.name}: 0 + 1 transition`);
      // acquireTime is B's clock when it took over; renewTime was A's at its last renewal (the same machine's
      // clock): B waited at least the lease duration after the last change it saw.
      const waited = Date.parse(l.spec!.acquireTime!) - lastRenew.get(l.metadata.name)!;
      assert.ok(waited >= LD_MS, `${l.metadata.name}: B took over ${waited} ms after A's last renewal (at least ${LD_MS})`);
    }
    await waitFor('B to log the takeovers', () => acquiredLines(b.child).length === 3, 2_000);
    console.log(`  takeover after SIGKILL of the leader: ${[...tookOver].map(([n, ms]) => `${n} ${ms} ms`).join(', ')} (bound ${bound} ms)`);

    // The cluster goes on in B: a new Deployment gets its pods, the old one keeps its 3.
    await post(`${b.url}/apis/apps/v1/namespaces/default/deployments`, deployment('api', 2));
    await waitFor('2 Running api pods', async () => (await pods(b.url)).filter((p) => p.metadata.labels?.['app'] === 'api' && running(p)).length === 2, 15_000);
    const after = await pods(b.url);
    assert.is(after.filter((p) => p.metadata.labels?.['app'] === 'web').length, 3, 'web still has 3 pods');
    assert.is(after.length, 5);
    const le = (await events(b.url, 'kube-system')).filter((e) => e.reason === 'LeaderElection').map((e) => `${e.involvedObject.name}: ${e.message}`).sort();
    assert.equal(le, [...LEASES.map((l) => `${l}: ${a.identity} became leader`), ...LEASES.map((l) => `${l}: ${b.identity} became leader`)].sort());

    // SIGTERM: B stops its components and releases the leases (holder "", 1 s) before it exits 0.
    b.child.proc.kill('SIGTERM');
    const { code } = await b.child.exited;
    assert.is(code, 0);
    const c = await serveOn(scope, etcdEndpoint, prefix, ['--no-kubelets', '--no-scheduler']);
    const released = await get<Lease>(`${c.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler`);
    // C runs no scheduler, so nobody campaigns for this lease: it is as B left it.
    assert.is(released.spec?.holderIdentity, '');
    assert.is(released.spec?.leaseDurationSeconds, 1);
    assert.is(released.spec?.leaseTransitions, 1);
    // C's controller manager takes a released lease at its first attempt, without waiting LD.
    await waitFor('C to lead the controller manager', () => c.child.stdout.includes('successfully acquired lease kube-system/kube-controller-manager'), 2_000);
    assert.ok(!c.child.stdout.includes('acquire leader lease kube-system/kube-scheduler'), 'no campaign for a component that is off');
  }, 90_000);
} else {
  two(`two serve processes on one etcd: ${ETCD_SKIP}`, () => {});
}

two.run();

const flags = suite('drydock serve --leader-elect flags');

e2e(flags, 'without etcd leader election is off; --leader-elect turns it on for a lone process on the embedded store', async (scope) => {
  const off = await startServe(scope, MAIN, ['--no-kubelets']);
  assert.not.match(off.child.stdout, /leader election/);
  const missing = await fetch(`${off.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler`, { signal: AbortSignal.timeout(3_000) });
  assert.is(missing.status, 404, 'no Lease without leader election');
  const on = await startServe(scope, MAIN, ['--leader-elect', ...SHORT]);
  const identity = IDENTITY.exec(on.child.stdout)?.[1];
  assert.ok(identity !== undefined && /^[^_]+_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(identity), `identity <hostname>_<uuid>: ${identity}`);
  await waitFor('the three leases', () => acquiredLines(on.child).length === 3, 5_000);
  for (const l of await leases(on.url)) assert.is(l.spec?.holderIdentity, identity);
});

const bad: [args: string[], message: string][] = [
  [['--leader-elect-lease-duration', 'soon'], '--leader-elect-lease-duration: "soon" is not a duration (expected e.g. 15s, 1m, 500ms)'],
  [['--leader-elect-retry-period', '0s'], '--leader-elect-retry-period: "0s" must be greater than zero (expected e.g. 2s)'],
  [['--leader-elect-lease-duration', '500ms', '--leader-elect-renew-deadline', '300ms', '--leader-elect-retry-period', '100ms'], '--leader-elect-lease-duration: "500ms" is under one second (a Lease records whole seconds; expected e.g. 15s)'],
  [['--leader-elect-renew-deadline', '15s'], '--leader-elect-renew-deadline: "15s" must be less than --leader-elect-lease-duration "15s" (the leader must give up before others may take over; client-go: leaseDuration must be greater than renewDeadline)'],
  // 1.2 × 2s = 2.4s, and 2s is not greater.
  [['--leader-elect-renew-deadline', '2s'], '--leader-elect-renew-deadline: "2s" must be greater than 1.2 × --leader-elect-retry-period "2s" = 2.4s (client-go\'s JitterFactor: renewDeadline must be greater than retryPeriod*JitterFactor)'],
];
for (const [args, message] of bad) {
  e2e(flags, `drydock serve ${args.join(' ')}: exit 2 with one line`, async (scope) => {
    const r = await run(scope, process.execPath, [MAIN, 'serve', '--port', '0', ...args]);
    assert.is(r.code, 2);
    assert.is(r.stderr, `drydock: ${message}\n`);
    assert.is(r.stdout, '');
  });
}

flags.run();
