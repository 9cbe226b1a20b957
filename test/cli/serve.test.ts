// `drydock serve` as a process: the kubeconfig it writes, clean shutdown on SIGTERM/SIGINT, durability of
// --data-dir across a clean stop and a SIGKILL, and the one-line refusals with exit code 2 for unsafe or
// bad input (src/cli/errors.ts: 0 success, 1 runtime failure, 2 bad usage or bad input).
import { spawnSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { e2e, parseTable, run, startChild, startServe, tempDir, waitFor, type Child, type Scope } from '../apiserver/e2e-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const kubectlFound = (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 }).error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
if (!kubectlFound) console.log('SKIP kubectl parts of the drydock serve tests: kubectl not found on PATH (plain fetch is used)');

const LISTENING = /^drydock API server listening on (https?:\/\/127\.0\.0\.1:(\d+))(?: \(kubeconfig: (.*)\))?$/m;

interface Serving {
  readonly child: Child;
  readonly url: string;
}

/** Starts `drydock serve --port 0 ...args` and waits for the line that names its URL. */
function serve(scope: Scope, args: readonly string[]): Promise<Serving> {
  return startServe(scope, MAIN, args);
}

/** Sends `signal` and waits (bounded) for the exit. */
async function stop(s: Serving, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  s.child.proc.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      s.child.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`drydock serve did not exit within 3 s of ${signal}; stdout ${JSON.stringify(s.child.stdout)}`)), 3_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `drydock serve ...args` expecting it to refuse before listening. Should it print the
 * "listening" line instead, it is killed at once (never left serving beyond loopback) and the test fails.
 */
async function refused(scope: Scope, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startChild(scope, process.execPath, [MAIN, 'serve', ...args]);
  let exited = false;
  void child.exited.then(() => (exited = true), () => (exited = true));
  await waitFor('drydock serve to exit', () => exited || child.stdout.includes('listening'), 5_000);
  if (!exited) {
    child.proc.kill('SIGKILL');
    throw new Error(`drydock serve ${args.join(' ')} started listening instead of refusing: ${child.stdout.trim()}`);
  }
  const { code } = await child.exited;
  // 'exit' can come before the pipes are drained; 'close' comes after.
  if (child.proc.stdout!.readable || child.proc.stderr!.readable) await new Promise((r) => child.proc.once('close', r));
  return { code, stdout: child.stdout, stderr: child.stderr };
}

/** One line on stderr, "drydock: ...", and no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, `exactly one line on stderr, got ${JSON.stringify(stderr)}`);
  assert.not.match(stderr, /^\s+at /m, 'no stack trace');
  assert.match(lines[0]!, /^drydock: /);
  return lines[0]!;
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; body: { metadata?: { name?: string; resourceVersion?: string; uid?: string }; items?: { metadata: { name: string; resourceVersion: string } }[] } }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: (await res.json()) as never };
}

function podBody(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } });
}

async function createPod(url: string, name: string, headers: Record<string, string> = {}) {
  return request(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: podBody(name) });
}

const serveSuite = suite('drydock serve');

e2e(serveSuite, '--kubeconfig FILE: written 0600 with the printed URL; kubectl (or fetch) works with it', async (scope) => {
  const dir = tempDir(scope);
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const s = await serve(scope, ['--kubeconfig', kubeconfig]);
  assert.is(LISTENING.exec(s.child.stdout)?.[3], kubeconfig, 'the line names the kubeconfig');
  assert.is(statSync(kubeconfig).mode & 0o777, 0o600, 'credentials file: owner only');
  const config = parseYaml(readFileSync(kubeconfig, 'utf8')) as { 'current-context': string; clusters: { cluster: { server: string } }[]; contexts: { context: { namespace: string } }[] };
  assert.is(config.clusters[0]?.cluster.server, s.url);
  assert.is(config.contexts[0]?.context.namespace, 'default');

  const namespaces = await request(`${config.clusters[0]!.cluster.server}/api/v1/namespaces`);
  assert.is(namespaces.status, 200);
  // bootstrap() creates the four namespaces every cluster has.
  assert.equal(namespaces.body.items?.map((n) => n.metadata.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  if (kubectlFound) {
    const got = await run(scope, 'kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '5s', 'get', 'namespaces']);
    assert.is(got.code, 0, got.stderr);
    assert.equal(parseTable(got.stdout).rows.map((r) => [r['NAME'], r['STATUS']]), [
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
    ]);
  }
});

/** POSTs a pod over https, trusting only `ca` (the certificate the kubeconfig names). */
function httpsCreatePod(url: string, ca: string, name: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${url}/api/v1/namespaces/default/pods`,
      { method: 'POST', ca, headers: { 'Content-Type': 'application/json', ...headers }, timeout: 3_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(podBody(name));
  });
}

e2e(serveSuite, '--token-file: HTTPS with a generated certificate the written kubeconfig trusts; its token authenticates (https and kubectl)', async (scope) => {
  const dir = tempDir(scope);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'viewer-token,viewer,2,"drydock:read-only"\nadmin-token,admin,1\n');
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const s = await serve(scope, ['--token-file', tokens, '--kubeconfig', kubeconfig]);
  // kubectl sends a kubeconfig's token only to an https server (client-go clientcmd, kubernetes/kubectl#744),
  // so a token file makes serve listen with TLS.
  assert.match(s.url, /^https:\/\//);
  const config = parseYaml(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token?: string } }[] };
  const cluster = config.clusters[0]!.cluster;
  assert.is(cluster.server, s.url);
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
  // The first token of a user outside drydock:read-only (auth.ts tokenAuthenticator adminToken).
  assert.is(config.users[0]?.user.token, 'admin-token');
  assert.is(await httpsCreatePod(s.url, ca, 'anon'), 401);
  assert.is(await httpsCreatePod(s.url, ca, 'web', { Authorization: 'Bearer viewer-token' }), 403);
  assert.is(await httpsCreatePod(s.url, ca, 'web', { Authorization: 'Bearer admin-token' }), 201);
  if (kubectlFound) {
    const got = await run(scope, 'kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '5s', 'get', 'pods']);
    assert.is(got.code, 0, `kubectl with the kubeconfig drydock serve wrote: ${got.stderr.split('\n').filter((l) => l !== '').at(-1) ?? ''}`);
    assert.equal(parseTable(got.stdout).rows.map((r) => r['NAME']), ['web']);
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  e2e(serveSuite, `${signal}: exit code 0 and "drydock API server stopped", even with a watch open`, async (scope) => {
    const s = await serve(scope, []);
    // An open watch must not keep the server alive (close() ends watches before server.close()).
    const watch = await fetch(`${s.url}/api/v1/namespaces/default/pods?watch=true`, { signal: AbortSignal.timeout(5_000) });
    assert.is(watch.status, 200);
    const reading = watch.body!.getReader();
    scope.defer(() => reading.cancel().catch(() => undefined));
    const { code, signal: killedBy } = await stop(s, signal);
    assert.equal([code, killedBy], [0, null]);
    assert.equal(s.child.stdout.split('\n').filter((l) => l !== '').slice(1), ['drydock API server stopped']);
    assert.is(s.child.stderr, '');
  });
}

e2e(serveSuite, 'the scheduler runs live: a pod created over HTTP is bound to the node that fits, with a Scheduled event', async (scope) => {
  const s = await serve(scope, []);
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } };
  const made = await request(`${s.url}/api/v1/nodes`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(node) });
  assert.is(made.status, 201);
  assert.is((await createPod(s.url, 'web')).status, 201);
  let nodeName: string | undefined;
  await waitFor('the pod to be bound', async () => {
    const res = await fetch(`${s.url}/api/v1/namespaces/default/pods/web`, { signal: AbortSignal.timeout(2_000) });
    nodeName = ((await res.json()) as { spec?: { nodeName?: string } }).spec?.nodeName;
    return nodeName !== undefined;
  }, 5_000);
  assert.is(nodeName, 'n1');
  const events = (await (await fetch(`${s.url}/api/v1/namespaces/default/events`, { signal: AbortSignal.timeout(2_000) })).json()) as { items: { reason: string; message: string }[] };
  assert.ok(events.items.some((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned default/web to n1'));
});

e2e(serveSuite, 'a whole cluster: a Deployment becomes Running, Ready pods behind its Service; a deleted pod is replaced', async (scope) => {
  const s = await serve(scope, []);
  const post = (path: string, body: object) => request(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.is((await post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } })).status, 201);
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } }, ports: [{ containerPort: 80 }] }] } };
  assert.is((await post('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } })).status, 201);
  assert.is((await post('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } })).status, 201);
  type PodList = { items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] } }[] };
  const pods = async () => ((await (await fetch(`${s.url}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`, { signal: AbortSignal.timeout(2_000) })).json()) as PodList).items;
  const ready = (p: PodList['items'][number]) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && p.metadata.deletionTimestamp === undefined;
  await waitFor('3 Running, Ready pods', async () => (await pods()).filter(ready).length === 3, 8_000);
  const addresses = async () => {
    const ep = (await (await fetch(`${s.url}/api/v1/namespaces/default/endpoints/web`, { signal: AbortSignal.timeout(2_000) })).json()) as { subsets?: { addresses?: { ip: string }[] }[] };
    return (ep.subsets ?? []).flatMap((x) => x.addresses ?? []).map((a) => a.ip).sort();
  };
  await waitFor('the Service\'s endpoints to list the 3 pods', async () => (await addresses()).length === 3, 5_000);
  assert.equal(await addresses(), (await pods()).map((p) => p.status!.podIP!).sort());
  // Delete one pod (at once, as its kubelet would finish): the ReplicaSet makes a new one, which becomes Ready.
  const victim = (await pods())[0]!.metadata.name;
  const del = await fetch(`${s.url}/api/v1/namespaces/default/pods/${victim}?gracePeriodSeconds=0`, { method: 'DELETE', signal: AbortSignal.timeout(2_000) });
  assert.is(del.status, 200);
  await waitFor('a replacement pod', async () => {
    const now = (await pods()).filter(ready);
    return now.length === 3 && now.every((p) => p.metadata.name !== victim);
  }, 8_000);
});

// The durability tests run the API server alone (--no-scheduler): with the scheduler, pods gain a
// PodScheduled condition after their create, which moves their resourceVersion.
e2e(serveSuite, '--data-dir: an object survives SIGTERM and restart with the same uid and resourceVersion', async (scope) => {
  const data = join(tempDir(scope), 'data'); // does not exist yet: serve creates it
  const first = await serve(scope, ['--data-dir', data, '--no-scheduler']);
  const created = await createPod(first.url, 'web');
  assert.is(created.status, 201);
  assert.equal((await stop(first, 'SIGTERM')).code, 0);

  const second = await serve(scope, ['--data-dir', data, '--no-scheduler']);
  const got = await request(`${second.url}/api/v1/namespaces/default/pods/web`);
  assert.is(got.status, 200);
  assert.equal([got.body.metadata?.uid, got.body.metadata?.resourceVersion], [created.body.metadata?.uid, created.body.metadata?.resourceVersion]);
  // The next write continues the revision sequence rather than reusing a revision.
  const next = await createPod(second.url, 'web2');
  assert.ok(Number(next.body.metadata?.resourceVersion) > Number(created.body.metadata?.resourceVersion));
});

e2e(serveSuite, '--data-dir: every create answered 201 survives SIGKILL (20 pods)', async (scope) => {
  const data = join(tempDir(scope), 'data');
  const first = await serve(scope, ['--data-dir', data, '--no-scheduler']);
  const versions = new Map<string, string>();
  for (let i = 0; i < 20; i++) {
    const name = `p${String(i).padStart(2, '0')}`;
    const r = await createPod(first.url, name);
    assert.is(r.status, 201, `create ${name}`);
    versions.set(name, r.body.metadata!.resourceVersion!);
  }
  const killed = await stop(first, 'SIGKILL');
  assert.is(killed.signal, 'SIGKILL');

  // The dead process left its LOCK behind; the next server takes it over (wal.ts lockDir).
  const second = await serve(scope, ['--data-dir', data, '--no-scheduler']);
  const list = await request(`${second.url}/api/v1/namespaces/default/pods`);
  assert.is(list.status, 200);
  assert.equal(new Map(list.body.items!.map((p) => [p.metadata.name, p.metadata.resourceVersion])), versions);
});

e2e(serveSuite, '--data-dir in use by a running server: the second one exits 1 naming the holder', async (scope) => {
  const data = join(tempDir(scope), 'data');
  const first = await serve(scope, ['--data-dir', data, '--no-scheduler']);
  const second = await refused(scope, ['--port', '0', '--data-dir', data]);
  assert.is(second.code, 1);
  assert.match(oneLine(second.stderr), `is in use by process ${first.child.proc.pid!}`);
  assert.is((await request(`${first.url}/api/v1/namespaces`)).status, 200, 'the first server is unharmed');
});

for (const host of ['0.0.0.0', '::']) {
  e2e(serveSuite, `--host ${host} without --token-file: exit 2, one line "refusing", never listens`, async (scope) => {
    const r = await refused(scope, ['--host', host, '--port', '0']);
    assert.is(r.code, 2);
    assert.match(oneLine(r.stderr), 'refusing');
    assert.is(r.stdout, '');
  });
}

// Each token file's bad line is reported as FILE:LINE: (STYLE.md 14), counting comment and blank lines.
const badTokenFiles: [what: string, text: string, line: number][] = [
  ['a line without uid, after a comment and a blank line', '# tokens\n\nadmin-token,admin,1\nbroken-token,bob\n', 4],
  ['an empty token', 'admin-token,admin,1\n,bob,2\n', 2],
  ['a duplicate token', 'admin-token,admin,1\nother,carol,3\nadmin-token,bob,2\n', 3],
  ['an unclosed quote', 'admin-token,admin,1\nbob-token,bob,2,"drydock:read-only\n', 2],
  ['a quote in the middle of a field', 'admin-token,admin,1\nbob-token,bob,2,"a"b"\n', 2],
];
for (const [what, text, line] of badTokenFiles) {
  e2e(serveSuite, `a token file with ${what}: exit 2 and FILE:${line}:`, async (scope) => {
    const file = join(tempDir(scope), 'tokens.csv');
    writeFileSync(file, text);
    const r = await refused(scope, ['--port', '0', '--token-file', file]);
    assert.is(r.code, 2);
    assert.ok(oneLine(r.stderr).startsWith(`drydock: ${file}:${line}: `), `expected "${file}:${line}: " in ${JSON.stringify(r.stderr)}`);
  });
}

const badFlags: [args: string[], message: RegExp][] = [
  [['--bogus'], /Unknown argument: bogus/],
  [['--port', '70000'], /--port: 70000 is not a port number/],
  // Paths that cannot serve: found before anything listens, with no temporary file left behind.
  [['--kubeconfig', tmpdir()], /^drydock: --kubeconfig \S+: is a folder \(expected a file path\)$/],
  [['--kubeconfig', '/proc/drydock-kubeconfig.yaml'], /^drydock: --kubeconfig \/proc\/drydock-kubeconfig\.yaml: cannot write it: ENOENT/],
  [['--data-dir', fileURLToPath(import.meta.url)], /^drydock: --data-dir \S+: is a file \(expected a folder for the server's state\)$/],
  [['--tls-cert-file', fileURLToPath(import.meta.url), '--tls-private-key-file', fileURLToPath(import.meta.url)], /^drydock: --tls-cert-file \S+: not a PEM certificate: .*\(expected -----BEGIN CERTIFICATE-----\)$/],
];
for (const [args, message] of badFlags) {
  e2e(serveSuite, `drydock serve ${args.join(' ')}: exit 2 with one line`, async (scope) => {
    const r = await refused(scope, [...args, ...(args.includes('--port') ? [] : ['--port', '0'])]);
    assert.is(r.code, 2);
    assert.match(oneLine(r.stderr), message);
    assert.is(r.stdout, '');
  });
}

serveSuite.run();
