// `kubectl top nodes` and `kubectl top pods -A` (the real kubectl v1.32) against `drydock serve`, and its
// GET /metrics parsed with an npm Prometheus text parser. kubectl's columns are checked against the
// metrics.k8s.io objects it read, with kubectl's own arithmetic (kubectl pkg/metricsutil/metrics_printer.go):
// CPU(cores) = usage.MilliValue() (rounded up), MEMORY(bytes) = usage.Value() / 2^20 (rounded down), and the
// percentages int64(usage / allocatable · 100) (truncated) against the Node's status.allocatable.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuMilli, memoryBytes, parseQuantity } from '../../src/api/index.js';
import type { NodeMetrics, PodMetrics } from '../../src/addons/metrics/index.js';
import { e2e, kubectlEnv, parseTable, run, startServe, tempDir, waitFor, type Scope } from '../apiserver/e2e-harness.js';
import { parseExposition, value } from '../addons/prom.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const kubectlFound = (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 }).error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
if (!kubectlFound) console.log('SKIP kubectl top tests: kubectl not found on PATH (the metrics.k8s.io and /metrics checks still run)');

const MANIFESTS = `apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {kubernetes.io/hostname: n1}
status:
  capacity: {cpu: "4", memory: 16Gi, pods: "110"}
  allocatable: {cpu: 3800m, memory: 15Gi, pods: "110"}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  containers:
  - {name: app, image: nginx, resources: {requests: {cpu: 500m, memory: 256Mi}}}
  - {name: side, image: busybox, resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default}
spec:
  containers:
  - {name: db, image: postgres, resources: {requests: {cpu: "1", memory: 2Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: kube-system}
spec:
  containers:
  - {name: agent, image: fluent-bit}
---
apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: default}
spec:
  containers:
  - {name: c, image: nginx, resources: {requests: {cpu: "30"}}}
`;

const nano = (q: string) => parseQuantity(q).nano;
/** Quantity.MilliValue(): ceil(nano / 1e6). */
const milli = (n: bigint) => Number((n + 999_999n) / 1_000_000n);
const bytes = (q: string) => Number(parseQuantity(q).nano / 1_000_000_000n);

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return (await res.json()) as T;
}

/**
 * Runs `kubectl top ...` until the metrics it read can be pinned down: the metrics.k8s.io list fetched just
 * before and just after it carry the same scrape timestamp, so kubectl saw exactly those numbers.
 */
async function topWithSnapshot<T extends { timestamp: string }>(scope: Scope, kubectl: readonly string[], args: readonly string[], listUrl: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await getJson<{ items: T[] }>(listUrl);
    const out = await run(scope, 'kubectl', [...kubectl, 'top', ...args], { env: kubectlEnv(), timeoutMs: 8_000 });
    const after = await getJson<{ items: T[] }>(listUrl);
    assert.is(out.code, 0, out.stderr);
    if (JSON.stringify(before) === JSON.stringify(after)) return { out, items: after.items };
  }
  throw new Error(`the scrape window moved under every one of 5 kubectl top runs (${listUrl})`);
}

const top = suite('kubectl top against drydock serve');

e2e(
  top,
  'kubectl top nodes / top pods -A: the columns follow from NodeMetrics, PodMetrics and allocatable; /metrics counts the same cluster',
  async (scope) => {
    const dir = tempDir(scope);
    const kubeconfig = join(dir, 'kubeconfig');
    // A 1 s metric resolution, so pods have metrics one to two seconds after they start.
    const s = await startServe(scope, MAIN, ['--kubeconfig', kubeconfig, '--seed', '5', '--metric-resolution', '1s']);
    const kubectl = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '5s'];
    const manifests = join(dir, 'cluster.yaml');
    writeFileSync(manifests, MANIFESTS);
    if (kubectlFound) {
      const applied = await run(scope, 'kubectl', [...kubectl, 'apply', '-f', manifests], { env: kubectlEnv() });
      assert.is(applied.code, 0, applied.stderr);
    } else {
      for (const doc of MANIFESTS.split('---\n')) {
        const { parse } = await import('yaml');
        const obj = parse(doc) as { kind: string; metadata: { namespace?: string } };
        const path = obj.kind === 'Node' ? '/api/v1/nodes' : `/api/v1/namespaces/${obj.metadata.namespace}/pods`;
        await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: doc });
      }
    }
    const podsUrl = `${s.url}/apis/metrics.k8s.io/v1beta1/pods`;
    const nodesUrl = `${s.url}/apis/metrics.k8s.io/v1beta1/nodes`;
    // web, db and agent run on n1 and get metrics once they have run a whole window; huge fits nowhere.
    await waitFor('metrics for the three running pods', async () => (await getJson<{ items: unknown[] }>(podsUrl)).items.length === 3, 8_000);

    const node = await getJson<{ status: { allocatable: { cpu: string; memory: string } } }>(`${s.url}/api/v1/nodes/n1`);
    const allocMilli = cpuMilli(node.status.allocatable.cpu); // 3800
    const allocBytes = memoryBytes(node.status.allocatable.memory); // 15Gi

    if (kubectlFound) {
      const nodesTop = await topWithSnapshot<NodeMetrics>(scope, kubectl, ['nodes'], nodesUrl);
      const table = parseTable(nodesTop.out.stdout);
      assert.equal(table.header, ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
      const n1 = nodesTop.items[0]!;
      const cpu = milli(nano(n1.usage.cpu));
      const mem = bytes(n1.usage.memory);
      assert.equal(table.rows, [
        {
          NAME: 'n1',
          'CPU(cores)': `${cpu}m`,
          'CPU(%)': `${Math.trunc((cpu / allocMilli) * 100)}%`,
          'MEMORY(bytes)': `${Math.floor(mem / 2 ** 20)}Mi`,
          'MEMORY(%)': `${Math.trunc(((mem * 1000) / (allocBytes * 1000)) * 100)}%`,
        },
      ]);
      // And the node is the sum of its parts: system share (4000m − 3800m) / 2 = 100m and (16Gi − 15Gi) / 2
      // = 512Mi, plus every container of web, db and agent in the same window.
      let same: { node: NodeMetrics; pods: PodMetrics[] } | undefined;
      for (let i = 0; i < 5 && same === undefined; i++) {
        const [ns, ps] = await Promise.all([getJson<{ items: NodeMetrics[] }>(nodesUrl), getJson<{ items: PodMetrics[] }>(podsUrl)]);
        if (ps.items.every((p) => p.timestamp === ns.items[0]!.timestamp)) same = { node: ns.items[0]!, pods: ps.items };
      }
      assert.ok(same !== undefined, 'node and pod metrics from one scrape window');
      const all = same.pods.flatMap((p) => p.containers);
      assert.is(nano(same.node.usage.cpu), 100_000_000n + all.reduce((sum, c) => sum + nano(c.usage.cpu), 0n));
      assert.is(bytes(same.node.usage.memory), 512 * 2 ** 20 + all.reduce((sum, c) => sum + bytes(c.usage.memory), 0));

      const podsTop = await topWithSnapshot<PodMetrics>(scope, kubectl, ['pods', '-A'], podsUrl);
      const rows = parseTable(podsTop.out.stdout);
      assert.equal(rows.header, ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
      // kubectl adds the containers' quantities, then prints MilliValue and Value / 2^20.
      assert.equal(
        rows.rows,
        podsTop.items.map((p) => ({
          NAMESPACE: p.metadata.namespace,
          NAME: p.metadata.name,
          'CPU(cores)': `${milli(p.containers.reduce((sum, c) => sum + nano(c.usage.cpu), 0n))}m`,
          'MEMORY(bytes)': `${Math.floor(p.containers.reduce((sum, c) => sum + bytes(c.usage.memory), 0) / 2 ** 20)}Mi`,
        })),
      );
      assert.equal(rows.rows.map((r) => `${r['NAMESPACE']}/${r['NAME']}`), ['default/db', 'default/web', 'kube-system/agent']);
      // Usage is within the model's bounds: web asks for 600m, so it uses 20–80 % of it: 120m to 480m.
      const web = Number.parseInt(rows.rows.find((r) => r['NAME'] === 'web')!['CPU(cores)']!, 10);
      assert.ok(web >= 120 && web <= 480, `web uses ${web}m`);

      const containers = await run(scope, 'kubectl', [...kubectl, 'top', 'pod', 'web', '--containers'], { env: kubectlEnv() });
      assert.is(containers.code, 0, containers.stderr);
      assert.equal(parseTable(containers.stdout).rows.map((r) => r['NAME']), ['app', 'side']);
      const huge = await run(scope, 'kubectl', [...kubectl, 'top', 'pod', 'huge'], { env: kubectlEnv() });
      assert.is(huge.code, 1);
      assert.match(huge.stderr, 'Error from server (NotFound): podmetrics.metrics.k8s.io "default/huge" not found');
    }

    // /metrics: 3 pods fit and 1 cannot.
    const m = await parseExposition(await (await fetch(`${s.url}/metrics`)).text());
    assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'default-scheduler' }), 3);
    assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable', profile: 'default-scheduler' }), 1);
    assert.is(value(m, 'scheduler_pending_pods', { queue: 'unschedulable' }), 1);
    assert.is(value(m, 'kube_node_status_allocatable', { node: 'n1', resource: 'cpu', unit: 'core' }), 3.8);
    // What n1's pods request: web 0.6 + db 1 cores (agent requests nothing) = 1.6 cores.
    const requested = (m['kube_pod_resource_request']!.data as { labels: Record<string, string>; value: number }[])
      .filter((d) => d.labels['node'] === 'n1' && d.labels['resource'] === 'cpu')
      .reduce((sum, d) => sum + d.value, 0);
    assert.ok(Math.abs(requested - 1.6) < 1e-9, `requested ${requested}`);
    if (kubectlFound) {
      // kubectl apply: one POST per object (5), each after a GET that found nothing (404).
      assert.is(value(m, 'apiserver_request_total', { verb: 'POST', resource: 'pods', code: '201' }), 4);
      assert.is(value(m, 'apiserver_request_total', { verb: 'POST', resource: 'nodes', code: '201' }), 1);
      // kubectl top nodes ran at least once, listing NodeMetrics through the aggregated group.
      assert.ok(value(m, 'apiserver_request_total', { verb: 'LIST', group: 'metrics.k8s.io', resource: 'nodes', code: '200' }) >= 1);
    }
  },
  30_000,
);

e2e(top, '--metric-resolution that is not a positive duration: one line naming the flag, exit 2', async (scope) => {
  for (const bad of ['15', '0s', 'soon']) {
    const r = await run(scope, process.execPath, [MAIN, 'serve', '--port', '0', '--metric-resolution', bad]);
    assert.is(r.code, 2, `${bad}: ${r.stdout}`);
    assert.is(r.stderr, `drydock: --metric-resolution: ${JSON.stringify(bad)} is not a positive duration (expected e.g. 15s, 1m, 500ms)\n`);
  }
});

top.run();
