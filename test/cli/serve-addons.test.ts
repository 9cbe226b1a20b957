// `drydock serve` with its addons, as a process: cluster DNS on --dns-port answering for objects created
// with kubectl, and the event log — `kubectl get events` in time order (newest last), the field selector
// `kubectl describe pod` uses, the --max-events cap and the --event-ttl expiry — plus the one-line refusals
// of bad addon flags (exit 2).
import { spawnSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { parseAllDocuments } from 'yaml';
import * as assert from 'uvu/assert';
import { e2e, parseTable, run, startChild, tempDir, waitFor, type Child, type Scope } from '../apiserver/e2e-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const kubectlFound = (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 }).error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
if (!kubectlFound) console.log('SKIP kubectl parts of the drydock serve addon tests: kubectl not found on PATH (plain fetch is used)');

const LISTENING = /^drydock API server listening on (http:\/\/127\.0\.0\.1:\d+)/m;
const DNS_LINE = /^cluster DNS for (\S+) listening on 127\.0\.0\.1:(\d+) \(udp, tcp\)$/m;

interface Serving {
  readonly child: Child;
  readonly url: string;
  readonly kubeconfig: string;
  readonly dir: string;
  /** Runs kubectl against this server (own kubeconfig and discovery cache, never a proxy). */
  kubectl(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function serve(scope: Scope, args: readonly string[], waitForDns = false): Promise<Serving> {
  const dir = tempDir(scope);
  const kubeconfig = join(dir, 'kubeconfig');
  const child = startChild(scope, process.execPath, [MAIN, 'serve', '--port', '0', '--kubeconfig', kubeconfig, ...args]);
  let exited = false;
  void child.exited.then(() => (exited = true), () => (exited = true));
  await waitFor('the start-up lines', () => exited || (LISTENING.test(child.stdout) && (!waitForDns || DNS_LINE.test(child.stdout))), 5_000);
  const m = LISTENING.exec(child.stdout);
  if (m === null) throw new Error(`drydock serve did not start: stdout ${JSON.stringify(child.stdout)}, stderr ${JSON.stringify(child.stderr)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  delete env['KUBECONFIG'];
  delete env['HTTP_PROXY'];
  delete env['http_proxy'];
  const kubectl = (...a: string[]) => run(scope, 'kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '5s', ...a], { env, timeoutMs: 8_000 });
  return { child, url: m[1]!, kubeconfig, dir, kubectl };
}

interface EventJson {
  metadata: { name: string };
  involvedObject: { kind: string; name: string };
  reason: string;
  lastTimestamp: string;
}

async function events(url: string, query = ''): Promise<EventJson[]> {
  const res = await fetch(`${url}/api/v1/events${query}`, { signal: AbortSignal.timeout(3_000) });
  return ((await res.json()) as { items: EventJson[] }).items;
}

const MANIFESTS = `apiVersion: v1
kind: Node
metadata: {name: node-a}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: w, image: nginx, ports: [{containerPort: 8080}]}]
`;

/** kubectl apply -f (or, without kubectl, POSTs of the same objects). */
async function create(s: Serving, name: string, yaml: string): Promise<void> {
  const file = join(s.dir, name);
  writeFileSync(file, yaml);
  if (kubectlFound) {
    const applied = await s.kubectl('apply', '-f', file);
    assert.is(applied.code, 0, applied.stderr);
    return;
  }
  for (const doc of parseAllDocuments(yaml)) {
    const obj = doc.toJS() as { kind: string; metadata: { name: string } };
    const path = obj.kind === 'Node' ? 'nodes' : `namespaces/default/${obj.kind.toLowerCase()}s`;
    const res = await fetch(`${s.url}/api/v1/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj), signal: AbortSignal.timeout(3_000) });
    assert.is(res.status, 201, `${obj.kind} ${obj.metadata.name}: ${await res.text()}`);
  }
}

const addons = suite('drydock serve: addons');

e2e(
  addons,
  '--dns-port 0 --max-events 8: the DNS port is printed and answers; kubectl get events lists newest last, capped at 8; describe pod shows the pod\'s events',
  async (scope) => {
    const s = await serve(scope, ['--dns-port', '0', '--max-events', '8'], true);
    const dnsLine = DNS_LINE.exec(s.child.stdout)!;
    assert.is(dnsLine[1], 'cluster.local');
    const resolver = new dnsPromises.Resolver({ timeout: 1000, tries: 2 });
    resolver.setServers([`127.0.0.1:${dnsLine[2]}`]);

    // The node first, and its events (the kubelet's Starting and four conditions, the node controller's
    // RegisteredNode) before the pod's, so that which events are the oldest does not depend on timing.
    const [nodeYaml, rest] = [MANIFESTS.split('---\n')[0]!, MANIFESTS.split('---\n').slice(1).join('---\n')];
    await create(s, 'node.yaml', nodeYaml);
    await waitFor('the node events', async () => (await events(s.url)).filter((e) => e.involvedObject.kind === 'Node').length === 6, 8_000);
    await create(s, 'web.yaml', rest);
    // The pod's life: scheduled, image pulled (1 s at the default 100 MiB image and bandwidth), started.
    await waitFor('the Started event', async () => (await events(s.url)).some((e) => e.reason === 'Started' && e.involvedObject.name === 'web'), 8_000);

    // DNS: the Service's cluster IP, and a name that does not exist.
    const svc = (await (await fetch(`${s.url}/api/v1/namespaces/default/services/web`)).json()) as { spec: { clusterIP: string } };
    assert.equal(await resolver.resolve4('web.default.svc.cluster.local'), [svc.spec.clusterIP]);
    assert.equal(await resolver.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    const missing = await resolver.resolve4('nope.default.svc.cluster.local').then(() => 'resolved', (e: NodeJS.ErrnoException) => e.code);
    assert.is(missing, 'ENOTFOUND');

    // 11 events were written (the node's 6; the pod's Scheduled, Pulling, Pulled, Created, Started); the log
    // keeps the newest 8: the pod's 5 and the 3 newest of the node's.
    await waitFor('the cap', async () => (await events(s.url)).length === 8);
    const kept = await events(s.url);
    const times = kept.map((e) => Date.parse(e.lastTimestamp));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), `oldest first: ${kept.map((e) => e.lastTimestamp).join(', ')}`);
    const podReasons = kept.filter((e) => e.involvedObject.name === 'web' && e.involvedObject.kind === 'Pod').map((e) => e.reason);
    assert.equal(podReasons, ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'], 'the newest events are all kept, in the order they happened');
    assert.is(kept.filter((e) => e.involvedObject.kind === 'Node').length, 3, '8 − 5 = 3 node events kept');

    if (!kubectlFound) return;
    // kubectl get events prints the server's order: the same as the API's, newest last.
    const got = await s.kubectl('get', 'events');
    assert.is(got.code, 0, got.stderr);
    const { header, rows } = parseTable(got.stdout);
    assert.equal(header, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.equal(rows.map((r) => `${r['REASON']} ${r['OBJECT']}`), kept.map((e) => `${e.reason} ${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`));
    assert.is(rows[rows.length - 1]!['REASON'], 'Started');

    const selected = await s.kubectl('get', 'events', '--field-selector', 'involvedObject.kind=Pod,involvedObject.name=web');
    assert.equal(parseTable(selected.stdout).rows.map((r) => r['REASON']), ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);

    // describe pod searches events with involvedObject.name/namespace/kind/uid and prints them.
    const described = await s.kubectl('describe', 'pod', 'web');
    assert.is(described.code, 0, described.stderr);
    const section = described.stdout.slice(described.stdout.indexOf('Events:'));
    assert.match(section, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to node-a/);
    assert.match(section, /Normal\s+Started\s+\S+\s+kubelet\s+Started container w/);
  },
  20_000,
);

e2e(addons, '--event-ttl 2s: an event is gone about two seconds after it was written (store lease)', async (scope) => {
  const s = await serve(scope, ['--event-ttl', '2s', '--no-scheduler', '--no-kubelets']);
  const body = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Test', message: 'expires', type: 'Normal' };
  const created = await fetch(`${s.url}/api/v1/namespaces/default/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
  assert.is(created.status, 201);
  const start = Date.now();
  assert.equal((await events(s.url)).map((e) => e.metadata.name), ['web.1']);
  await waitFor('the event to expire', async () => (await events(s.url)).length === 0, 6_000);
  // Lease TTL 2 s + reuse min(floor(0.05 × 2), 60) = 0 s: at least 2 s, give or take a timer tick.
  assert.ok(Date.now() - start >= 1_900, `expired after ${Date.now() - start} ms`);
  if (kubectlFound) {
    const got = await s.kubectl('get', 'events');
    assert.match(got.stderr, 'No resources found in default namespace.');
  }
});

const badFlags: [args: string[], message: RegExp][] = [
  [['--dns-port', '70000'], /^drydock: --dns-port: 70000 is not a port number \(expected 0 to 65535\)$/],
  [['--cluster-domain', 'Cluster_Local'], /^drydock: --cluster-domain: "Cluster_Local" is not a DNS domain/],
  [['--event-ttl', 'soon'], /^drydock: --event-ttl: "soon" is not a duration of at least one second \(expected e\.g\. 1h, 30m, 90s\)$/],
  [['--max-events', '-1'], /^drydock: --max-events: -1 is not a whole number of events/],
];
for (const [args, message] of badFlags) {
  e2e(addons, `drydock serve ${args.join(' ')}: exit 2 with one line`, async (scope) => {
    const r = await run(scope, process.execPath, [MAIN, 'serve', '--port', '0', ...args], { timeoutMs: 5_000 });
    assert.is(r.code, 2, `exit ${String(r.code ?? r.signal)}; stdout ${r.stdout}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, message);
    assert.is(r.stdout, '');
  });
}

addons.run();
