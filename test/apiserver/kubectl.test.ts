// End to end with the real kubectl (v1.32 on the machine image, behind the Google Cloud SDK dispatcher,
// which first GETs /version): get nodes, apply, get pods -A -o wide, get --watch, delete, and bearer-token
// authentication. The API server runs in this process; kubectl talks to it over HTTP on 127.0.0.1.
// Expected outputs come from shared/reference/etcd-and-apiserver.md §4 (observed kubectl v1.32.5 traffic)
// and kubernetes pkg/printers/internalversion/printers.go (the columns).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readTokenFile, tokenAuthenticator } from '../../src/apiserver/auth.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { kubeconfigYaml } from '../../src/cli/commands/serve.js';
import { e2e, kubectlEnv, listenTls, parseTable, run, startChild, startServer, tempDir, waitFor, type E2eServer, type Finished, type Scope } from './e2e-harness.js';
import { apiError, pod } from './fixtures.js';

type Obj = Json & { metadata: Json & { name: string; uid: string; resourceVersion: string; labels?: Record<string, string> }; spec: Json & { containers: (Json & { name: string; image?: string })[] } };

const probe = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
const kubectlFound = (probe.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';

interface Kubectl {
  /** Runs kubectl with this test's kubeconfig and a fresh discovery cache dir (kubectl caches discovery for 6 h). */
  (...args: string[]): Promise<Finished>;
  readonly dir: string;
  readonly baseArgs: readonly string[];
}

function kubectlFor(scope: Scope, server: E2eServer, token?: string): Kubectl {
  const dir = tempDir(scope, 'drydock-kubectl-');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(server.url, token), { mode: 0o600 });
  const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '5s'];
  const fn = (...args: string[]) => run(scope, 'kubectl', [...baseArgs, ...args], { env: kubectlEnv(), timeoutMs: 8_000 });
  return Object.assign(fn, { dir, baseArgs });
}

function ok(r: Finished, what: string): void {
  assert.is(r.code, 0, `${what} exited with ${String(r.code ?? r.signal)}; stderr: ${r.stderr}`);
}

function readyNode(name: string, options: { labels?: Record<string, string>; unschedulable?: boolean } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: options.unschedulable === true ? { unschedulable: true } : {},
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: { kubeletVersion: 'v1.32.0-drydock', containerRuntimeVersion: 'containerd://1.7.0', osImage: 'Drydock', kernelVersion: '6.1.0', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

/** A two-container pod manifest; `image` is the first container's image (or `imagee`, a typo, when asked). */
function podYaml(name: string, image: string, options: { typo?: boolean } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    '    app: web',
    'spec:',
    '  containers:',
    '  - name: app',
    `    ${options.typo === true ? 'imagee' : 'image'}: ${image}`,
    '    ports:',
    '    - containerPort: 80',
    '  - name: sidecar',
    '    image: busybox:1.36',
    '    command: ["sleep", "3600"]',
    '',
  ].join('\n');
}

const kubectl = suite('kubectl v1.32 end to end');

e2e(kubectl, 'get nodes: STATUS with SchedulingDisabled, ROLES from node-role labels, VERSION from nodeInfo', async (scope) => {
  const server = await startServer(scope);
  await server.api.create('nodes', readyNode('node-a', { labels: { 'node-role.kubernetes.io/worker': '' } }));
  await server.api.create('nodes', readyNode('node-b', { unschedulable: true }));
  const k = kubectlFor(scope, server);

  const r = await k('get', 'nodes');
  ok(r, 'kubectl get nodes');
  const { header, rows } = parseTable(r.stdout);
  assert.equal(header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  assert.equal(
    rows.map((row) => [row['NAME'], row['STATUS'], row['ROLES'], row['VERSION']]),
    [
      // Roles: the <role> of node-role.kubernetes.io/<role> labels, else <none> (printers.go findNodeRoles).
      ['node-a', 'Ready', 'worker', 'v1.32.0-drydock'],
      // Unschedulable appends ",SchedulingDisabled" to the Ready condition's status (printers.go printNode).
      ['node-b', 'Ready,SchedulingDisabled', '<none>', 'v1.32.0-drydock'],
    ],
  );
  // Created a moment ago: HumanDuration gives seconds ("0s", "1s").
  for (const row of rows) assert.match(row['AGE'] ?? '', /^\d+s$/);
});

e2e(kubectl, 'apply (default validation): created, configured with a merged change, and a typo field is rejected', async (scope) => {
  const server = await startServer(scope);
  const k = kubectlFor(scope, server);
  const file = join(k.dir, 'pod.yaml');

  writeFileSync(file, podYaml('web', 'nginx:1.27'));
  const created = await k('apply', '-f', file);
  ok(created, 'first kubectl apply');
  assert.is(created.stdout.trim(), 'pod/web created');
  const v1 = await server.api.get<Obj>('pods', 'default', 'web');
  assert.equal(
    v1.spec.containers.map((c) => [c.name, c.image]),
    [
      ['app', 'nginx:1.27'],
      ['sidecar', 'busybox:1.36'],
    ],
  );
  assert.equal(v1.spec.containers[1]!['command'], ['sleep', '3600']);
  assert.equal(v1.metadata.labels, { app: 'web' });
  // Client-side apply records what it applied (kubectl apply.go, annotation last-applied-configuration).
  const annotations = v1.metadata['annotations'] as Record<string, string>;
  assert.is(JSON.parse(annotations['kubectl.kubernetes.io/last-applied-configuration']!).spec.containers[0].image, 'nginx:1.27');

  // Second apply: a strategic merge patch that changes one container's image; the list merges by name.
  writeFileSync(file, podYaml('web', 'nginx:1.28'));
  const configured = await k('apply', '-f', file);
  ok(configured, 'second kubectl apply');
  assert.is(configured.stdout.trim(), 'pod/web configured');
  const v2 = await server.api.get<Obj>('pods', 'default', 'web');
  assert.equal(
    v2.spec.containers.map((c) => [c.name, c.image]),
    [
      ['app', 'nginx:1.28'],
      ['sidecar', 'busybox:1.36'],
    ],
  );
  assert.equal(v2.spec.containers[0]!['ports'], [{ containerPort: 80, protocol: 'TCP' }]); // protocol defaulted at create
  assert.equal(v2.spec.containers[1]!['command'], ['sleep', '3600']);
  assert.is(v2.metadata.uid, v1.metadata.uid, 'patched in place, not re-created');
  assert.ok(Number(v2.metadata.resourceVersion) > Number(v1.metadata.resourceVersion));

  // A typo on create: kubectl sends fieldValidation=Strict (the server's OpenAPI v3 says it supports it) and
  // the server answers 400 `strict decoding error: unknown field "spec.containers[0].imagee"`.
  writeFileSync(file, podYaml('typo', 'nginx:1.28', { typo: true }));
  const rejected = await k('apply', '-f', file);
  assert.ok(rejected.code !== 0 && rejected.code !== null, `apply with a typo must fail, exit ${String(rejected.code ?? rejected.signal)}`);
  assert.match(rejected.stderr, 'unknown field "spec.containers[0].imagee"');
  assert.is((await apiError(() => server.api.get('pods', 'default', 'typo'))).code, 404);

  // The same typo on the existing pod (PATCH path): rejected too, and the pod keeps its image.
  writeFileSync(file, podYaml('web', 'nginx:1.29', { typo: true }));
  const rejectedPatch = await k('apply', '-f', file);
  assert.ok(rejectedPatch.code !== 0 && rejectedPatch.code !== null, 'apply of a typo over an existing pod must fail');
  assert.match(rejectedPatch.stderr, 'unknown field "spec.containers[0].imagee"');
  const v3 = await server.api.get<Obj>('pods', 'default', 'web');
  assert.is(v3.metadata.resourceVersion, v2.metadata.resourceVersion, 'a rejected patch writes nothing');
});

e2e(kubectl, 'get pods -A -o wide: wide columns, the bound node, <none> fillers, namespaces from row objects', async (scope) => {
  const server = await startServer(scope);
  const { api } = server;
  await api.create('nodes', readyNode('node-a'));
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  await api.create('pods', pod('bound'));
  await api.bind('default', 'bound', { target: { kind: 'Node', name: 'node-a' } });
  await api.create('pods', pod('pending'));
  await api.create('pods', pod('other', { namespace: 'team-a' }));
  const k = kubectlFor(scope, server);

  const r = await k('get', 'pods', '-A', '-o', 'wide');
  ok(r, 'kubectl get pods -A -o wide');
  const { header, rows } = parseTable(r.stdout);
  assert.is(header.join(' '), 'NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES');
  const view = rows.map((row) => [row['NAMESPACE'], row['NAME'], row['READY'], row['STATUS'], row['RESTARTS'], row['IP'], row['NODE'], row['NOMINATED NODE'], row['READINESS GATES']]);
  assert.equal(view, [
    // kubectl keeps the server's order: the store's key order /registry/pods/<namespace>/<name>.
    ['default', 'bound', '0/1', 'Pending', '0', '<none>', 'node-a', '<none>', '<none>'],
    ['default', 'pending', '0/1', 'Pending', '0', '<none>', '<none>', '<none>', '<none>'],
    ['team-a', 'other', '0/1', 'Pending', '0', '<none>', '<none>', '<none>', '<none>'],
  ]);
});

e2e(kubectl, 'get pods --watch prints a row when a pod is created, again when it changes, and when it goes', async (scope) => {
  const server = await startServer(scope);
  const { api } = server;
  await api.create('pods', pod('first'));
  const k = kubectlFor(scope, server);
  const watch = startChild(scope, 'kubectl', [...k.baseArgs, 'get', 'pods', '--watch'], { env: kubectlEnv() });
  // Only rows naming `w` count: the first list shows `first`.
  const rowsFor = (name: string) => watch.stdout.split('\n').filter((l) => l.split(/\s+/)[0] === name);
  const seen = (what: string, n: number) => waitFor(`${what} (watch stdout so far: ${JSON.stringify(watch.stdout)}, stderr: ${JSON.stringify(watch.stderr)})`, () => rowsFor('w').length >= n);

  await waitFor('the first list', () => rowsFor('first').length === 1);
  assert.is(parseTable(watch.stdout).header.join(' '), 'NAME READY STATUS RESTARTS AGE');
  await api.create('pods', pod('w'));
  await seen('the ADDED row', 1);
  await api.patch('pods', 'default', 'w', 'application/merge-patch+json', { metadata: { labels: { tier: 'gold' } } });
  await seen('the MODIFIED row', 2);
  await api.delete('pods', 'default', 'w'); // unbound: no grace period, gone at once
  await seen('the DELETED row', 3);
  assert.equal(
    rowsFor('w').map((l) => l.split(/\s{2,}/).slice(0, 3)),
    [
      ['w', '0/1', 'Pending'],
      ['w', '0/1', 'Pending'],
      ['w', '0/1', 'Pending'],
    ],
  );
  assert.is(rowsFor('first').length, 1, 'no event for an untouched pod');
  assert.is(watch.proc.exitCode, null, `the watch still runs (stderr: ${watch.stderr})`);
});

e2e(kubectl, 'delete pod: prints pod "web" deleted and the pod is gone (404)', async (scope) => {
  const server = await startServer(scope);
  await server.api.create('pods', pod('web'));
  const k = kubectlFor(scope, server);
  const r = await k('delete', 'pod', 'web');
  ok(r, 'kubectl delete pod web');
  assert.is(r.stdout.trim(), 'pod "web" deleted');
  assert.is((await apiError(() => server.api.get('pods', 'default', 'web'))).code, 404);
  const http = await fetch(`${server.url}/api/v1/namespaces/default/pods/web`, { signal: AbortSignal.timeout(3000) });
  assert.is(http.status, 404);
  const missing = await k('delete', 'pod', 'web');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'Error from server (NotFound): pods "web" not found');
});

e2e(kubectl, 'configmaps: apply, get (NAME DATA AGE), describe, immutable update refused, server-side validation, delete', async (scope) => {
  const server = await startServer(scope);
  const k = kubectlFor(scope, server);
  const file = join(k.dir, 'cm.yaml');
  const manifest = (level: string, extra = '') =>
    ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: app-config', 'data:', `  LOG_LEVEL: ${level}`, '  app.properties: |', '    color=blue', 'binaryData:', '  logo.bin: AAEC/w==', extra, ''].join('\n');

  writeFileSync(file, manifest('debug'));
  const created = await k('apply', '-f', file);
  ok(created, 'kubectl apply configmap');
  assert.is(created.stdout.trim(), 'configmap/app-config created');

  // The short name from discovery; DATA = 2 data keys + 1 binaryData key (printers.go printConfigMap).
  const got = await k('get', 'cm');
  ok(got, 'kubectl get cm');
  const table = parseTable(got.stdout);
  assert.equal(table.header, ['NAME', 'DATA', 'AGE']);
  assert.equal(table.rows.map((r) => [r['NAME'], r['DATA']]), [['app-config', '3']]);

  // kubectl's own describer (describe.go describeConfigMap): each data key, then binaryData sizes in bytes.
  const described = await k('describe', 'configmap', 'app-config');
  ok(described, 'kubectl describe configmap');
  assert.match(described.stdout, /^Name:\s+app-config$/m);
  assert.match(described.stdout, /^Namespace:\s+default$/m);
  assert.match(described.stdout, 'LOG_LEVEL:\n----\ndebug\n');
  assert.match(described.stdout, 'app.properties:\n----\ncolor=blue\n');
  // "AAEC/w==" is 4 bytes.
  assert.match(described.stdout, 'BinaryData\n====\nlogo.bin: 4 bytes');
  assert.match(described.stdout, /^Events:\s+<none>$/m);

  writeFileSync(file, manifest('info', 'immutable: true'));
  const configured = await k('apply', '-f', file);
  ok(configured, 'second apply');
  assert.is(configured.stdout.trim(), 'configmap/app-config configured');
  const v2 = await server.api.get<Json & { data: Record<string, string>; immutable: boolean }>('configmaps', 'default', 'app-config');
  assert.equal([v2.data['LOG_LEVEL'], v2.immutable], ['info', true]);

  // Now immutable: a change to data is refused with ValidateConfigMapUpdate's words, and nothing is written.
  writeFileSync(file, manifest('warn', 'immutable: true'));
  const refused = await k('apply', '-f', file);
  assert.is(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, 'The ConfigMap "app-config" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  assert.is((await server.api.get<typeof v2>('configmaps', 'default', 'app-config')).data['LOG_LEVEL'], 'info');

  // `kubectl create configmap` checks keys itself; a manifest reaches the server, which answers 422.
  const bad = join(k.dir, 'bad.yaml');
  writeFileSync(bad, ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bad', 'data:', '  "a b": x', '  both: text', 'binaryData:', '  both: eQ==', ''].join('\n'));
  const invalid = await k('apply', '-f', bad);
  assert.is(invalid.code, 1);
  assert.match(invalid.stderr, 'The ConfigMap "bad" is invalid');
  assert.match(invalid.stderr, `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
  assert.match(invalid.stderr, 'data[both]: Invalid value: "both": duplicate of key present in binaryData');

  const deleted = await k('delete', 'configmap', 'app-config');
  ok(deleted, 'kubectl delete configmap');
  assert.is(deleted.stdout.trim(), 'configmap "app-config" deleted');
  assert.is((await apiError(() => server.api.get('configmaps', 'default', 'app-config'))).code, 404);
});

e2e(kubectl, 'token file: no token is Unauthorized; a read-only token may get but not delete (Forbidden)', async (scope) => {
  const dir = tempDir(scope);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'admin-token-123,admin,1\nviewer-token-456,viewer,2,"drydock:read-only,team"\n');
  // client-go only puts a kubeconfig's credentials on requests to an https server (clientcmd adds the user's
  // identification only when the transport is TLS; kubernetes/kubectl#744): tokens are tested over https.
  const authenticator = tokenAuthenticator(readTokenFile(tokens));
  const plain = await startServer(scope, { authenticator });
  const server = await listenTls(scope, plain, { authenticator });
  await server.api.create('pods', pod('web'));

  // No token, on the plain http URL `drydock serve` prints. (Over https kubectl would prompt for a
  // user name instead: clientcmd's basic-auth prompt for a user with no credentials.)
  const anonymous = await kubectlFor(scope, plain)('get', 'pods');
  assert.ok(anonymous.code !== 0 && anonymous.code !== null, `kubectl without a token must fail, exit ${String(anonymous.code ?? anonymous.signal)}`);
  // kubectl v1.32 ends with "error: You must be logged in to the server (...)" after 401s on discovery.
  assert.match(anonymous.stderr, /Unauthorized|You must be logged in/, anonymous.stderr);

  const wrong = await kubectlFor(scope, server, 'not-a-token')('get', 'pods');
  assert.ok(wrong.code !== 0 && wrong.code !== null, 'an unknown token must fail');
  assert.match(wrong.stderr, /Unauthorized|You must be logged in/);

  const viewer = kubectlFor(scope, server, 'viewer-token-456');
  const got = await viewer('get', 'pods');
  ok(got, 'read-only kubectl get pods');
  assert.equal(parseTable(got.stdout).rows.map((row) => row['NAME']), ['web']);
  const denied = await viewer('delete', 'pod', 'web');
  assert.ok(denied.code !== 0 && denied.code !== null, 'a read-only delete must fail');
  // Kubernetes' RBAC wording (apiserver authorization/forbidden.go): User "x" cannot delete resource "pods" ...
  assert.match(denied.stderr, 'Error from server (Forbidden)');
  assert.match(denied.stderr, 'User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"');
  await server.api.get('pods', 'default', 'web'); // still there

  const admin = await kubectlFor(scope, server, 'admin-token-123')('delete', 'pod', 'web');
  ok(admin, 'admin kubectl delete');
  assert.is(admin.stdout.trim(), 'pod "web" deleted');
});

e2e(kubectl, 'kubectl create token: a service account token (TokenRequest) that then authenticates as the account', async (scope) => {
  const dir = tempDir(scope);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'admin-token-123,admin,1\n');
  const authenticator = tokenAuthenticator(readTokenFile(tokens));
  const server = await listenTls(scope, await startServer(scope, { authenticator }), { authenticator });
  // kubectl sends this TokenRequest as protobuf; the server answers it without decoding the body.
  const created = await kubectlFor(scope, server, 'admin-token-123')('create', 'token', 'default');
  ok(created, 'kubectl create token default');
  const token = created.stdout.trim();
  assert.ok(token.length >= 20, 'a token was printed');
  const asAccount = await kubectlFor(scope, server, token)('get', 'serviceaccounts');
  ok(asAccount, 'kubectl get serviceaccounts with the account token');
  assert.equal(parseTable(asAccount.stdout).rows.map((row) => row['NAME']), ['default']);
  const ghost = await kubectlFor(scope, server, 'admin-token-123')('create', 'token', 'ghost');
  assert.match(ghost.stderr, 'serviceaccounts "ghost" not found');
});

if (kubectlFound) {
  kubectl.run();
} else {
  // No test is registered at all, so a missing kubectl neither passes nor fails anything.
  console.log('SKIP kubectl tests: kubectl not found on PATH');
}
