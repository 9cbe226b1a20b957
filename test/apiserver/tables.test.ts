import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kinds } from '../../src/api/index.js';
import type { Kind, Node, Pod } from '../../src/api/index.js';
import { humanDuration, tableColumns, toTable } from '../../src/apiserver/tables.js';
import type { Table, TableCell } from '../../src/apiserver/tables.js';

// The injected "now" and helpers to write times relative to it.
const NOW = Date.parse('2024-05-01T12:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const cellsOf = (t: Table, row = 0): readonly TableCell[] => t.rows[row]!.cells;
const cell = (t: Table, column: string, row = 0): TableCell => {
  const i = t.columnDefinitions.findIndex((c) => c.name === column);
  assert.ok(i >= 0, `no column ${column}`);
  return t.rows[row]!.cells[i]!;
};

// ---------------------------------------------------------------------------------------------------------
// humanDuration: every case of k8s.io/apimachinery pkg/util/duration/duration_test.go (TestHumanDuration and
// TestHumanDurationBoundaries), in milliseconds. Go's "-2s + 1ns" becomes -1999ms: both truncate to -1s.

const humanDurationCases: [number, string][] = [
  // TestHumanDuration
  [SEC, '1s'],
  [70 * SEC, '70s'], // under 2 minutes: seconds
  [190 * SEC, '3m10s'], // under 10 minutes: minutes and seconds
  [70 * MIN, '70m'], // under 3 hours: minutes
  [47 * HOUR, '47h'], // 8h..48h: hours
  [49 * HOUR, '2d1h'], // under 8 days: days and hours
  [(8 * 24 + 2) * HOUR, '8d'],
  [367 * 24 * HOUR, '367d'], // under 2 years: days
  [(365 * 2 * 24 + 25) * HOUR, '2y1d'], // under 8 years: years and days
  [(365 * 8 * 24 + 2) * HOUR, '8y'],
  // TestHumanDurationBoundaries
  [-2 * SEC, '<invalid>'],
  [-2 * SEC + 1, '0s'],
  [0, '0s'],
  [SEC - 1, '0s'],
  [2 * MIN - 1, '119s'],
  [2 * MIN, '2m'],
  [2 * MIN + SEC, '2m1s'],
  [10 * MIN - 1, '9m59s'],
  [10 * MIN, '10m'],
  [10 * MIN + SEC, '10m'],
  [3 * HOUR - 1, '179m'],
  [3 * HOUR, '3h'],
  [3 * HOUR + MIN, '3h1m'],
  [8 * HOUR - 1, '7h59m'],
  [8 * HOUR, '8h'],
  [8 * HOUR + 59 * MIN, '8h'],
  [2 * DAY - 1, '47h'],
  [2 * DAY, '2d'],
  [2 * DAY + HOUR, '2d1h'],
  [8 * DAY - 1, '7d23h'],
  [8 * DAY, '8d'],
  [8 * DAY + 23 * HOUR, '8d'],
  [2 * 365 * DAY - 1, '729d'],
  [2 * 365 * DAY, '2y'],
  [2 * 365 * DAY + 23 * HOUR, '2y'],
  [2 * 365 * DAY + 23 * HOUR + 59 * MIN, '2y'],
  [2 * 365 * DAY + DAY - 1, '2y'],
  [2 * 365 * DAY + DAY, '2y1d'],
  [3 * 365 * DAY, '3y'],
  [4 * 365 * DAY, '4y'],
  [5 * 365 * DAY, '5y'],
  [6 * 365 * DAY, '6y'],
  [7 * 365 * DAY, '7y'],
  [8 * 365 * DAY - 1, '7y364d'],
  [8 * 365 * DAY, '8y'],
  [8 * 365 * DAY + 364 * DAY, '8y'],
  [9 * 365 * DAY, '9y'],
];

test('humanDuration reproduces upstream duration_test.go', () => {
  for (const [ms, want] of humanDurationCases) assert.is(humanDuration(ms), want, `humanDuration(${ms})`);
  // Other sub-minute / sub-10-minute forms: 59s stays seconds, 5m30s keeps its seconds, exact minutes drop them.
  assert.is(humanDuration(59 * SEC), '59s');
  assert.is(humanDuration(5 * MIN + 30 * SEC), '5m30s');
  assert.is(humanDuration(5 * MIN), '5m');
  assert.is(humanDuration(-1999), '0s'); // Go "-2s + 1ns": int(-1.999s) = -1 → within the tolerated skew
});

// ---------------------------------------------------------------------------------------------------------
// Pods

interface ContainerStatusFixture {
  name: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  state: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}

function running(name: string, ready: boolean, restartCount = 0, lastFinishedAgo?: number): ContainerStatusFixture {
  return {
    name,
    ready,
    restartCount,
    state: { running: { startedAt: ago(MIN) } },
    ...(lastFinishedAgo === undefined ? {} : { lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(lastFinishedAgo) } } }),
  };
}

function pod(fields: {
  name?: string;
  containers?: number;
  initContainers?: { name: string; restartPolicy?: 'Always' }[];
  status?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}): Pod {
  const containers = Array.from({ length: fields.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: `img${i}` }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: fields.name ?? 'web', namespace: 'default', creationTimestamp: ago(10 * MIN), ...fields.metadata },
    spec: { containers, ...(fields.initContainers ? { initContainers: fields.initContainers } : {}), ...fields.spec },
    ...(fields.status ? { status: fields.status } : {}),
  } as Pod;
}

const podTable = (p: Pod): Table => toTable('Pod', [p], { now: NOW });

test('pod columns: upstream names, types and priorities, wide ones included', () => {
  const cols = tableColumns('Pod');
  assert.equal(
    cols.map((c) => [c.name, c.type, c.priority, c.format]),
    [
      ['Name', 'string', 0, 'name'],
      ['Ready', 'string', 0, ''],
      ['Status', 'string', 0, ''],
      ['Restarts', 'string', 0, ''],
      ['Age', 'string', 0, ''],
      ['IP', 'string', 1, ''],
      ['Node', 'string', 1, ''],
      ['Nominated Node', 'string', 1, ''],
      ['Readiness Gates', 'string', 1, ''],
    ],
  );
  assert.ok(cols.every((c) => c.description.length > 0));
});

test('pod: 1 of 2 containers ready, 3 restarts, the last 5 minutes ago', () => {
  const t = podTable(
    pod({
      containers: 2,
      spec: { nodeName: 'node-1' },
      status: {
        phase: 'Running',
        podIP: '10.1.0.5',
        containerStatuses: [
          running('c0', true, 3, 5 * MIN), // ready and running: counts; 3 restarts, last one finished 5m ago
          running('c1', false), // running but not ready: does not count
        ],
      },
    }),
  );
  assert.equal(cellsOf(t), [
    'web',
    '1/2', // ready / spec.containers
    'Running', // phase; no container is waiting or terminated
    '3 (5m ago)', // sum of restartCount, and humanDuration(now - latest lastState.terminated.finishedAt)
    '10m', // creationTimestamp 10 minutes ago
    '10.1.0.5',
    'node-1',
    '<none>', // no nominatedNodeName
    '<none>', // no readiness gates
  ]);
});

test('pod: restarts without a termination time show the count only; the latest finishedAt wins', () => {
  const noTime = podTable(pod({ status: { phase: 'Running', containerStatuses: [{ ...running('c0', true), restartCount: 2 }] } }));
  assert.is(cell(noTime, 'Restarts'), '2'); // restarts != 0 but lastRestartDate is zero
  const two = podTable(
    pod({ containers: 2, status: { phase: 'Running', containerStatuses: [running('c0', true, 1, 2 * HOUR), running('c1', true, 4, 90 * SEC)] } }),
  );
  assert.is(cell(two, 'Restarts'), '5 (90s ago)'); // 1 + 4 = 5; 90s ago is later than 2h ago
  assert.is(cell(two, 'Ready'), '2/2');
});

test('pod without status prints as a new pod: Pending, nothing assigned', () => {
  const t = podTable(pod({}));
  // The pod strategy sets phase Pending on create; no statuses → 0 ready of 1, 0 restarts.
  assert.equal(cellsOf(t), ['web', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
});

test('pod status: container reasons, the first container wins, Completed with a running sibling', () => {
  const crash = podTable(
    pod({
      containers: 2,
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'c0', ready: false, restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          { name: 'c1', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
      },
    }),
  );
  // Statuses are read last to first, so c0's waiting reason overwrites c1's terminated reason.
  assert.is(cell(crash, 'Status'), 'CrashLoopBackOff');
  assert.is(cell(crash, 'Restarts'), '7');

  const exitCode = podTable(
    pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'c0', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] } }),
  );
  assert.is(cell(exitCode, 'Status'), 'ExitCode:2'); // terminated without a reason
  assert.equal(exitCode.rows[0]!.conditions, [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);

  const signal = podTable(
    pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'c0', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] } }),
  );
  assert.is(cell(signal, 'Status'), 'Signal:9');

  const completedWithRunning = (ready: boolean): TableCell =>
    cell(
      podTable(
        pod({
          containers: 2,
          status: {
            phase: 'Running',
            conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
            containerStatuses: [
              { name: 'c0', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
              running('c1', true),
            ],
          },
        }),
      ),
      'Status',
    );
  // reason "Completed" but c1 still runs: "Running" if the pod is Ready, else "NotReady".
  assert.is(completedWithRunning(true), 'Running');
  assert.is(completedWithRunning(false), 'NotReady');
});

test('pod status: Succeeded pods are Completed and carry the Completed row condition', () => {
  const t = podTable(
    pod({ status: { phase: 'Succeeded', containerStatuses: [{ name: 'c0', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } }),
  );
  assert.is(cell(t, 'Status'), 'Completed');
  assert.is(cell(t, 'Ready'), '0/1');
  assert.equal(t.rows[0]!.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
});

test('pod status: Terminating while being deleted, unless terminal; Unknown for NodeLost', () => {
  const deleting = { deletionTimestamp: ago(5 * SEC) };
  // Running + deletionTimestamp → "Terminating", whatever the containers say.
  assert.is(cell(podTable(pod({ metadata: deleting, status: { phase: 'Running', containerStatuses: [running('c0', true)] } })), 'Status'), 'Terminating');
  // Pending (never scheduled) + deletionTimestamp → still "Terminating".
  assert.is(cell(podTable(pod({ metadata: deleting })), 'Status'), 'Terminating');
  // Succeeded is terminal: the phase-derived reason stays.
  assert.is(cell(podTable(pod({ metadata: deleting, status: { phase: 'Succeeded' } })), 'Status'), 'Succeeded');
  // The node controller's NodeLost reason + deletion → "Unknown".
  assert.is(cell(podTable(pod({ metadata: deleting, status: { phase: 'Running', reason: 'NodeLost' } })), 'Status'), 'Unknown');
  // status.reason alone (e.g. Evicted) replaces the phase.
  assert.is(cell(podTable(pod({ status: { phase: 'Failed', reason: 'Evicted' } })), 'Status'), 'Evicted');
});

test('pod status: SchedulingGated from the PodScheduled condition', () => {
  const t = podTable(
    pod({
      spec: { schedulingGates: [{ name: 'example.com/gate' }] },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
    }),
  );
  assert.is(cell(t, 'Status'), 'SchedulingGated');
  // An ordinary unschedulable pod keeps its phase.
  const unschedulable = podTable(pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } }));
  assert.is(cell(unschedulable, 'Status'), 'Pending');
});

test('pod status: init containers and sidecars', () => {
  const inits = [{ name: 'i0' }, { name: 'i1' }];
  // i0 done (exit 0), i1 running: "Init:1/2" (index of the first unfinished init container / count).
  const progressing = podTable(
    pod({
      initContainers: inits,
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i0', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i1', ready: false, restartCount: 0, state: { running: {} } },
        ],
        containerStatuses: [{ name: 'c0', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    }),
  );
  assert.is(cell(progressing, 'Status'), 'Init:1/2'); // containers are not looked at while initializing
  const failing = podTable(
    pod({
      initContainers: inits,
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i0', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    }),
  );
  assert.is(cell(failing, 'Status'), 'Init:CrashLoopBackOff');
  assert.is(cell(failing, 'Restarts'), '4'); // init restarts count while initializing
  const exited = podTable(
    pod({ initContainers: inits, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i0', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] } }),
  );
  assert.is(cell(exited, 'Status'), 'Init:ExitCode:3');

  // A sidecar (init container with restartPolicy Always) counts as a container: 1 sidecar + 1 container = 2.
  const sidecar = podTable(
    pod({
      initContainers: [{ name: 'proxy', restartPolicy: 'Always' }],
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} } }],
        containerStatuses: [running('c0', true, 2)],
      },
    }),
  );
  assert.is(cell(sidecar, 'Ready'), '2/2'); // started+ready sidecar (1) + ready running container (1)
  assert.is(cell(sidecar, 'Restarts'), '3'); // sidecar restarts (1) + container restarts (2)
  assert.is(cell(sidecar, 'Status'), 'Running');
});

test('pod wide cells: podIPs, nominated node, readiness gates', () => {
  const t = podTable(
    pod({
      spec: { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      status: {
        phase: 'Pending',
        podIPs: [{ ip: 'fd00::5' }],
        nominatedNodeName: 'node-2',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
      },
    }),
  );
  assert.is(cell(t, 'IP'), 'fd00::5'); // no podIP: podIPs[0]
  assert.is(cell(t, 'Nominated Node'), 'node-2');
  assert.is(cell(t, 'Readiness Gates'), '1/2'); // one of two gate conditions is True
});

// ---------------------------------------------------------------------------------------------------------
// Nodes

function node(fields: { name?: string; labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; full?: boolean }): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: fields.name ?? 'node-1', creationTimestamp: ago(3 * DAY + 4 * HOUR), ...(fields.labels ? { labels: fields.labels } : {}) },
    spec: fields.unschedulable ? { unschedulable: true } : {},
    status: {
      ...(fields.ready ? { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: fields.ready }] } : {}),
      ...(fields.full
        ? {
            addresses: [
              { type: 'Hostname', address: 'node-1' },
              { type: 'InternalIP', address: '10.0.0.7' },
            ],
            nodeInfo: {
              kubeletVersion: 'v1.32.0-drydock',
              osImage: 'Ubuntu 22.04.4 LTS',
              kernelVersion: '6.5.0-1020-gcp',
              containerRuntimeVersion: 'containerd://1.7.12',
              operatingSystem: 'linux',
              architecture: 'amd64',
            },
          }
        : {}),
    },
  };
}

const nodeTable = (n: Node): Table => toTable('Node', [n], { now: NOW });

test('node columns: upstream names and priorities', () => {
  assert.equal(
    tableColumns('Node').map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1'],
  );
});

test('node: a ready worker with full node info', () => {
  const t = nodeTable(node({ ready: 'True', labels: { 'node-role.kubernetes.io/worker': '' }, full: true }));
  assert.equal(cellsOf(t), [
    'node-1',
    'Ready', // only the Ready condition counts; MemoryPressure is ignored
    'worker',
    '3d4h', // 76h: under 8 days → days and hours
    'v1.32.0-drydock',
    '10.0.0.7', // first InternalIP address
    '<none>', // no ExternalIP address
    'Ubuntu 22.04.4 LTS',
    '6.5.0-1020-gcp',
    'containerd://1.7.12',
  ]);
});

test('node status: NotReady for False and Unknown, Unknown without a Ready condition, SchedulingDisabled appended', () => {
  assert.is(cell(nodeTable(node({ ready: 'False' })), 'Status'), 'NotReady');
  assert.is(cell(nodeTable(node({ ready: 'Unknown' })), 'Status'), 'NotReady'); // anything but True is "Not" + type
  assert.is(cell(nodeTable(node({})), 'Status'), 'Unknown'); // no Ready condition at all
  assert.is(cell(nodeTable(node({ ready: 'True', unschedulable: true })), 'Status'), 'Ready,SchedulingDisabled');
  assert.is(cell(nodeTable(node({ unschedulable: true })), 'Status'), 'Unknown,SchedulingDisabled');
});

test('node roles: both label styles, deduplicated, sorted, "<none>" without any', () => {
  const roles = (labels: Record<string, string>): TableCell => cell(nodeTable(node({ labels })), 'Roles');
  assert.is(
    roles({
      'node-role.kubernetes.io/worker': '',
      'node-role.kubernetes.io/control-plane': '',
      'kubernetes.io/role': 'master',
      'topology.kubernetes.io/zone': 'a',
    }),
    'control-plane,master,worker', // sorted: c < m < w
  );
  assert.is(roles({ 'node-role.kubernetes.io/gpu': 'x', 'kubernetes.io/role': 'gpu' }), 'gpu'); // one role, two labels
  assert.is(roles({ 'node-role.kubernetes.io/': '', 'kubernetes.io/role': '' }), '<none>'); // empty role names are skipped
  assert.is(roles({}), '<none>');
});

test('node without node info: empty version, "<unknown>" wide cells, "<none>" addresses', () => {
  const t = nodeTable(node({ ready: 'True' }));
  assert.equal(cellsOf(t).slice(4), ['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
});

// ---------------------------------------------------------------------------------------------------------
// Table envelope: row objects, metadata, headers

test('row.object is PartialObjectMetadata by default (kubectl -A reads the namespace from it)', () => {
  const p = pod({ metadata: { labels: { app: 'web' } } });
  const t = toTable('Pod', [p], { now: NOW, resourceVersion: '105', continue: 'abc', remainingItemCount: 7 });
  assert.is(t.kind, 'Table');
  assert.is(t.apiVersion, 'meta.k8s.io/v1');
  assert.equal(t.metadata, { resourceVersion: '105', continue: 'abc', remainingItemCount: 7 });
  assert.equal(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  assert.is(toTable('Pod', [p], { now: NOW, includeObject: 'Object' }).rows[0]!.object, p);
  assert.ok(!('object' in toTable('Pod', [p], { now: NOW, includeObject: 'None' }).rows[0]!));
  assert.equal(toTable('Pod', [p], { now: NOW }).metadata, {});
});

test('noHeaders drops the column definitions but keeps every cell (watch events after the first)', () => {
  const t = toTable('Pod', [pod({})], { now: NOW, noHeaders: true });
  assert.equal(t.columnDefinitions, []);
  assert.is(cellsOf(t).length, 9);
});

test('every kind in the kinds table prints a full row, even from a bare object', () => {
  for (const k of Object.keys(kinds) as Kind[]) {
    const t = toTable(k, [{ apiVersion: kinds[k].apiVersion, kind: k, metadata: { name: 'x' } }], { now: NOW });
    assert.ok(t.columnDefinitions.length >= 2, k);
    assert.is(cellsOf(t).length, t.columnDefinitions.length, `${k}: one cell per column`);
    assert.ok(cellsOf(t).every((c) => ['string', 'number', 'boolean'].includes(typeof c)), k);
    assert.is(t.columnDefinitions.filter((c) => c.format === 'name').length, 1, `${k}: one name column`);
    assert.equal(JSON.parse(JSON.stringify(t)), t, `${k}: JSON round trip`);
  }
});

test('kinds without a printer get the default convertor: Name and Created At (RFC 3339, whole seconds)', () => {
  // A kind drydock has no printer for (a CustomResource's, say).
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'cfg', creationTimestamp: '2024-05-01T11:59:30.250Z' } };
  const t = toTable('Widget', [widget, { metadata: { name: 'old' } }], { now: NOW });
  assert.equal(
    t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ],
  );
  assert.equal(cellsOf(t, 0), ['cfg', '2024-05-01T11:59:30Z']); // Go time.RFC3339 drops the fraction
  assert.equal(cellsOf(t, 1), ['old', '0001-01-01T00:00:00Z']); // absent: Go's zero time
});

// ---------------------------------------------------------------------------------------------------------
// The other printers, one representative row each

test('deployment, replicaset, job', () => {
  const template = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'fluent' }] } };
  const d = toTable(
    'Deployment',
    [
      {
        metadata: { name: 'web', creationTimestamp: ago(2 * HOUR) },
        spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      },
    ],
    { now: NOW },
  );
  assert.equal(cellsOf(d), ['web', '2/3', 3, 2, '120m', 'web,log', 'nginx:1.27,fluent', 'app=web,tier=fe']); // 2h < 3h → minutes

  const rs = toTable(
    'ReplicaSet',
    [
      {
        metadata: { name: 'web-5d4', creationTimestamp: ago(30 * SEC) },
        spec: { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }, { key: 'app', operator: 'Exists' }] }, template },
        status: { replicas: 1 },
      },
    ],
    { now: NOW },
  );
  // No spec.replicas → the default 1; selector requirements sorted by key, In values sorted.
  assert.equal(cellsOf(rs), ['web-5d4', 1, 1, 0, '30s', 'web,log', 'nginx:1.27,fluent', 'app,tier in (be,fe)']);

  const job = (spec: object, status: object, metadata: object = {}): readonly TableCell[] =>
    cellsOf(toTable('Job', [{ metadata: { name: 'pi', creationTimestamp: ago(5 * MIN), ...metadata }, spec: { template, ...spec }, status }], { now: NOW }));
  assert.equal(job({}, { succeeded: 1, startTime: ago(4 * MIN), completionTime: ago(MIN), conditions: [{ type: 'Complete', status: 'True' }] }).slice(0, 5), [
    'pi',
    'Complete',
    '1/1', // neither completions nor parallelism: both default to 1
    '3m', // completionTime - startTime
    '5m',
  ]);
  assert.equal(job({ parallelism: 4 }, { startTime: ago(90 * SEC) }).slice(1, 4), ['Running', '0/1 of 4', '90s']); // work queue: no completions
  assert.equal(job({ completions: 5 }, { succeeded: 2 }, { deletionTimestamp: ago(SEC) }).slice(1, 4), ['Terminating', '2/5', '']); // no startTime → ""
  assert.equal(job({ suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] })[1], 'Suspended');
  assert.equal(job({}, {})[7], '<none>'); // no selector
});

test('service, endpoints', () => {
  const svc = (spec: object, status: object = {}): readonly TableCell[] =>
    cellsOf(toTable('Service', [{ metadata: { name: 'web', creationTimestamp: ago(MIN) }, spec, status }], { now: NOW }));
  assert.equal(svc({ clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }], selector: { k8s: 'dns' } }), [
    'web',
    'ClusterIP', // defaulted type
    '10.96.0.10',
    '<none>',
    '53/UDP,53/TCP', // protocol defaults to TCP
    '60s',
    'k8s=dns',
  ]);
  assert.equal(svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080 }] }).slice(1, 5), ['LoadBalancer', '10.96.0.11', '<pending>', '80:30080/TCP']);
  assert.equal(svc({ type: 'LoadBalancer', externalIPs: ['1.2.3.4'] }, { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example' }] } })[3], '5.6.7.8,lb.example,1.2.3.4');
  assert.equal(svc({ type: 'ExternalName', externalName: 'db.example' }).slice(2, 5), ['<none>', 'db.example', '<none>']);

  const ep = (subsets: object[]): TableCell =>
    cellsOf(toTable('Endpoints', [{ metadata: { name: 'web' }, subsets }], { now: NOW }))[1]!;
  assert.is(ep([]), '<none>');
  assert.is(ep([{ addresses: [{ ip: '10.1.0.5' }, { ip: 'fd00::1' }], ports: [{ port: 80 }] }]), '10.1.0.5:80,[fd00::1]:80');
  // 2 addresses × 2 ports = 4 endpoints, 3 shown, "+ 1 more...".
  assert.is(ep([{ addresses: [{ ip: '10.1.0.5' }, { ip: '10.1.0.6' }], ports: [{ port: 80 }, { port: 443 }] }]), '10.1.0.5:80,10.1.0.6:80,10.1.0.5:443 + 1 more...');
  assert.is(ep([{ addresses: [{ ip: '10.1.0.5' }] }]), '10.1.0.5'); // headless, no ports
});

test('event: Last Seen falls back to First Seen, count defaults to 1, object is kind/name', () => {
  const t = toTable(
    'Event',
    [
      {
        metadata: { name: 'web.17c', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{c0}' },
        reason: 'Scheduled',
        message: ' Successfully assigned default/web to node-1\n',
        type: 'Normal',
        source: { component: 'default-scheduler' },
        firstTimestamp: ago(2 * MIN),
      },
    ],
    { now: NOW },
  );
  assert.equal(cellsOf(t), ['2m', 'Normal', 'Scheduled', 'pod/web', 'spec.containers{c0}', 'default-scheduler', 'Successfully assigned default/web to node-1', '2m', 1, 'web.17c']);
  assert.equal(
    tableColumns('Event').map((c) => `${c.name}:${c.priority}`),
    ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1'],
  );
});

test('namespace, lease, priorityclass, runtimeclass, pdb, serviceaccount, secret, configmap', () => {
  const row = (kind: string, o: object): readonly TableCell[] => cellsOf(toTable(kind, [{ metadata: { name: 'x', creationTimestamp: ago(DAY) }, ...o }], { now: NOW }));
  assert.equal(row('Namespace', {}), ['x', 'Active', '24h']);
  assert.equal(row('Namespace', { status: { phase: 'Terminating' } })[1], 'Terminating');
  assert.equal(row('Lease', { spec: { holderIdentity: 'node-1' } }), ['x', 'node-1', '24h']);
  assert.equal(row('PriorityClass', { value: 1000, globalDefault: true }), ['x', 1000, true, '24h', 'PreemptLowerPriority']);
  assert.equal(row('RuntimeClass', { handler: 'runc' }), ['x', 'runc', '24h']);
  assert.equal(row('PodDisruptionBudget', { spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 2 } }), ['x', '50%', 'N/A', 2, '24h']);
  assert.equal(row('PodDisruptionBudget', { spec: { maxUnavailable: 1 } }).slice(1, 4), ['N/A', '1', 0]);
  assert.equal(row('ServiceAccount', { secrets: [{ name: 's' }] }), ['x', 1, '24h']);
  assert.equal(row('Secret', { data: { a: 'YQ==', b: 'Yg==' }, stringData: { b: 'b', c: 'c' } }), ['x', 'Opaque', 3, '24h']); // keys a, b, c
  // ConfigMap: DATA = len(data) + len(binaryData) = 2 + 1 (printers.go printConfigMap).
  assert.equal(row('ConfigMap', { data: { a: '1', b: '2' }, binaryData: { c: 'Yw==' } }), ['x', 3, '24h']);
});

test('nodepool (drydock design): instance type or shape, bounds, size, ready, age; zones and spot wide', () => {
  assert.equal(
    tableColumns('NodePool').map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Instance-Type:0', 'Min:0', 'Max:0', 'Size:0', 'Ready:0', 'Age:0', 'Zones:1', 'Spot:1'],
  );
  const row = (spec: object, status?: object): readonly TableCell[] =>
    cellsOf(toTable('NodePool', [{ metadata: { name: 'gpu', creationTimestamp: ago(HOUR) }, spec, ...(status ? { status } : {}) }], { now: NOW }));
  assert.equal(row({ instanceType: 'n2-standard-8', minSize: 1, maxSize: 10, zones: ['a', 'b'], spot: true }, { size: 3, readyNodes: 2 }), [
    'gpu',
    'n2-standard-8',
    1,
    10,
    3,
    2,
    '60m',
    'a,b',
    true,
  ]);
  assert.equal(row({ shape: { cpu: '8', memory: '64Gi', gpu: 2 }, minSize: 0, maxSize: 4 }), ['gpu', '8cpu/64Gi/2gpu', 0, 4, 0, 0, '60m', '<none>', false]);
});

test.run();
