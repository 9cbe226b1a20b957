// Node pools: resolution against the catalog, allocatable by the EKS AMI's reservation formula (arithmetic
// shown), labels and taints, the autoscaler settings document, the single-node preset, and errors that name
// file:line and the field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserInputError } from '../../src/cli/errors.js';
import { parseCatalog } from '../../src/cloud/catalog.js';
import {
  DEFAULT_AUTOSCALER_SETTINGS,
  eksReservedCpuMilli,
  eksReservedMemoryMi,
  nodeTemplate,
  parseGoDuration,
  parseNodePools,
  regionOfZone,
  singleNode,
  TAINT_UNINITIALIZED,
} from '../../src/cloud/nodepool.js';
import { makeApi } from '../apiserver/fixtures.js';

// A small catalog with rows copied from datasets/instance-catalog.csv.
const catalog = parseCatalog(
  [
    'name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour',
    'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096,',
    'm5.4xlarge,aws,us-east-1,m5,16,64,0,,amd64,0.768,',
    'g5.xlarge,aws,us-east-1,g5,4,16,1,A10G,amd64,1.006,',
    'p4d.24xlarge,aws,us-east-1,p4d,96,1152,8,A100,amd64,21.957642,',
    'a2-highgpu-1g,gcp,us-central1,a2-highgpu,12,85,1,A100,amd64,3.673385,1.293355',
  ].join('\n'),
  'catalog.csv',
);

const POOLS = `# two pools and the autoscaler's settings
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: general}
spec:
  instanceType: m5.large
  zones: [us-east-1a, us-east-1b]
  minSize: 1
  maxSize: 10
  labels: {team: web}
---
apiVersion: drydock.io/v1
kind: NodePool
metadata:
  name: gpu
  annotations: {drydock.io/spot-interruption-rate-per-hour: "0.5"}
spec:
  instanceType: a2-highgpu-1g
  spot: true
  minSize: 0
  maxSize: 4
  provisioningDelaySeconds: 90
  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]
---
kind: ClusterAutoscalerSettings
scanInterval: 20s
scaleDownUnneededTime: 5m
expander: priority,least-waste
maxNodesTotal: 50
`;

function errorOf(text: string): string {
  try {
    parseNodePools(text, 'pools.yaml', catalog);
  } catch (err) {
    assert.instance(err, UserInputError);
    return (err as Error).message;
  }
  throw new Error('expected a UserInputError');
}

test('EKS reservation arithmetic (amazon-eks-ami bootstrap.sh)', () => {
  // cpu: 6% of the first 1000m + 1% of the next 1000m + 0.5% of the next 2000m + 0.25% of the rest.
  assert.is(eksReservedCpuMilli(1000), 60); //   1000 × 600/10000 = 60
  assert.is(eksReservedCpuMilli(2000), 70); //   60 + 1000 × 100/10000 = 70
  assert.is(eksReservedCpuMilli(4000), 80); //   70 + 2000 × 50/10000 = 80
  assert.is(eksReservedCpuMilli(16000), 110); // 80 + 12000 × 25/10000 = 110
  assert.is(eksReservedCpuMilli(96000), 310); // 80 + 92000 × 25/10000 = 310
  assert.is(eksReservedCpuMilli(500), 30); //    500 × 600/10000 = 30
  // memory: 11 Mi per pod + 255 Mi; with the kubelet's default 110 pods: 1210 + 255 = 1465 Mi.
  assert.is(eksReservedMemoryMi(110), 1465);
  assert.is(eksReservedMemoryMi(29), 574); // m5.large's ENI limit on EKS: 319 + 255
});

test('a catalog pool resolves to capacity, allocatable, labels and price', () => {
  const { pools, autoscaler } = parseNodePools(POOLS, 'pools.yaml', catalog);
  const general = pools[0]!;
  assert.equal(general.capacity, { cpu: '2', memory: '8Gi', pods: '110' });
  // cpu 2000m − 70m = 1930m (Karpenter's generated docs list 1930m for the 2-vCPU a1.large, the same formula);
  // memory 8192Mi − 1465Mi kube-reserved − 100Mi eviction-hard = 6627Mi.
  assert.equal(general.allocatable, { cpu: '1930m', memory: '6627Mi', pods: '110' });
  assert.equal(general.reservation.parts, { 'kubeReserved.cpu': '70m', 'kubeReserved.memory': '1465Mi', 'evictionHard.memory.available': '100Mi' });
  assert.equal(general.labels, {
    'node.kubernetes.io/instance-type': 'm5.large',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'drydock.io/nodepool': 'general',
    'drydock.io/capacity-type': 'on-demand',
    team: 'web',
  });
  assert.equal([general.region, general.zones, general.pricePerHour, general.minSize, general.maxSize, general.initialSize, general.provisioningDelayMs], [
    'us-east-1',
    ['us-east-1a', 'us-east-1b'],
    0.096,
    1,
    10,
    1, // initialSize defaults to minSize
    60_000, // the documented default provisioning delay
  ]);
  const gpu = pools[1]!;
  // Spot pool: billed at the catalog's spot price; default zone us-central1-a (GCP style).
  assert.equal([gpu.spot, gpu.pricePerHour, gpu.zones, gpu.interruptionRatePerHour, gpu.provisioningDelayMs], [true, 1.293355, ['us-central1-a'], 0.5, 90_000]);
  // 12 vCPU: 80 + 8000 × 25/10000 = 100m → 11900m; 85Gi = 87040Mi − 1565Mi = 85475Mi.
  assert.equal(gpu.allocatable, { cpu: '11900m', memory: '85475Mi', pods: '110', 'nvidia.com/gpu': '1' });
  assert.is(gpu.labels['drydock.io/gpu-model'], 'A100');
  assert.is(gpu.labels['drydock.io/capacity-type'], 'spot');
  assert.equal(gpu.taints, [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
  assert.equal(
    [autoscaler.scanInterval, autoscaler.scaleDownUnneededTime, autoscaler.scaleDownDelayAfterAdd, autoscaler.expander, autoscaler.maxNodesTotal, autoscaler.scaleDownUtilizationThreshold],
    [20_000, 300_000, 600_000, ['priority', 'least-waste'], 50, 0.5],
  );
});

test('without a settings document, Cluster Autoscaler defaults apply', () => {
  const { autoscaler } = parseNodePools(POOLS.split('---\nkind: ClusterAutoscalerSettings')[0]!, 'pools.yaml', catalog);
  assert.equal(autoscaler, DEFAULT_AUTOSCALER_SETTINGS);
  assert.equal(
    [autoscaler.scanInterval, autoscaler.scaleDownUnneededTime, autoscaler.scaleDownDelayAfterAdd, autoscaler.maxNodeProvisionTime, autoscaler.expander, autoscaler.balanceSimilarNodeGroups],
    [10_000, 600_000, 600_000, 900_000, ['least-waste'], false],
  );
});

test('a shape pool, systemReserved replacing the default, and a big GPU node', () => {
  const text = `apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: custom}
spec:
  shape: {cpu: "4", memory: 16Gi, pods: 58, ephemeralStorage: 100Gi}
  pricePerHour: 0.2
  zones: [eu-west-1a]
  minSize: 0
  maxSize: 3
---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: reserved}
spec:
  instanceType: m5.4xlarge
  systemReserved: {cpu: 500m, memory: 1Gi}
  minSize: 0
  maxSize: 3
---
apiVersion: drydock.io/v1
kind: NodePool
metadata: {name: p4d}
spec: {instanceType: p4d.24xlarge, minSize: 0, maxSize: 2}
`;
  const [custom, reserved, p4d] = parseNodePools(text, 'pools.yaml', catalog).pools;
  // 4 cores → 80m; 58 pods → 11 × 58 + 255 = 893Mi, + 100Mi → 16384 − 993 = 15391Mi;
  // ephemeral 100Gi − 1Gi kube-reserved − 10% nodefs (10Gi) = 89Gi.
  assert.equal(custom!.allocatable, { cpu: '3920m', memory: '15391Mi', pods: '58', 'ephemeral-storage': '89Gi' });
  assert.equal([custom!.instanceType.name, custom!.region, custom!.pricePerHour], ['custom-4-16384', 'eu-west-1', 0.2]);
  // systemReserved is the whole reservation: 16 − 0.5 cores, 64Gi − 1Gi.
  assert.equal(reserved!.allocatable, { cpu: '15500m', memory: '63Gi', pods: '110' });
  assert.is(reserved!.reservation.source, 'spec.systemReserved');
  // 96 cores → 310m; 1152Gi − 1565Mi = 1179648Mi − 1565Mi = 1178083Mi.
  assert.equal(p4d!.allocatable, { cpu: '95690m', memory: '1178083Mi', pods: '110', 'nvidia.com/gpu': '8' });
});

test('nodeTemplate: per-node labels, the uninitialized taint for external cloud providers; the API server accepts it', async () => {
  const gpu = parseNodePools(POOLS, 'pools.yaml', catalog).pools[1]!;
  const node = nodeTemplate(gpu, { nodeName: 'gpu-0001', zone: 'us-central1-a', uninitialized: true });
  assert.is(node.metadata.labels?.['topology.kubernetes.io/zone'], 'us-central1-a');
  assert.is(node.metadata.labels?.['topology.kubernetes.io/region'], 'us-central1');
  assert.is(node.metadata.labels?.['kubernetes.io/hostname'], 'gpu-0001');
  assert.equal(node.spec?.taints, [
    { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    { key: TAINT_UNINITIALIZED, value: 'true', effect: 'NoSchedule' },
  ]);
  const { api } = await makeApi();
  const created = await api.create<typeof node>('nodes', node);
  assert.equal(created.status?.allocatable, gpu.allocatable);
  // The pool object itself passes the API server's NodePool validation.
  await api.create('nodepools', gpu.object);
});

test('singleNode(): a Docker-Desktop-like control-plane node that runs workloads', async () => {
  const pool = singleNode();
  const node = nodeTemplate(pool, { nodeName: pool.fixedNodeName! });
  assert.is(node.metadata.name, 'docker-desktop');
  assert.is(node.metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
  // kubelet defaults: no kube/system reservation, eviction-hard memory.available 100Mi: 16384Mi − 100Mi.
  assert.equal(pool.allocatable, { cpu: '8', memory: '16284Mi', pods: '110' });
  assert.equal([pool.pricePerHour, pool.zones, pool.minSize, pool.maxSize], [0, [], 1, 1]);
  // The API server would taint a control-plane node that lists no taints; ours lists an empty list and stays untainted.
  const { api } = await makeApi();
  const created = await api.create<typeof node>('nodes', node);
  assert.equal(created.spec?.taints ?? [], []);
});

test('durations and zones', () => {
  assert.equal([parseGoDuration('10s'), parseGoDuration('1m30s'), parseGoDuration('500ms'), parseGoDuration('1h'), parseGoDuration('10'), parseGoDuration('')], [10_000, 90_000, 500, 3_600_000, undefined, undefined]);
  assert.equal([regionOfZone('us-east-1a'), regionOfZone('us-central1-b'), regionOfZone('europe-west4-c'), regionOfZone('zone-1')], ['us-east-1', 'us-central1', 'europe-west4', undefined]);
});

// Each mistake names the file, the line of the field, the pool and the field (line numbers of POOLS:
// 1 comment, 2 apiVersion, … 9 maxSize, 10 labels; the gpu pool's annotations are on line 16, its taints on 23,
// the settings document starts on line 25).
const errors: [string, (t: string) => string, string][] = [
  ['min > max', (t) => t.replace('minSize: 1\n', 'minSize: 12\n'), 'pools.yaml:8: NodePool "general": spec.minSize: Invalid value: 12: must be less than or equal to spec.maxSize (10)'],
  ['negative max', (t) => t.replace('maxSize: 10', 'maxSize: -1'), 'pools.yaml:9: NodePool "general": spec.maxSize: Invalid value: -1: must be greater than or equal to 0'],
  [
    'unknown instance type',
    (t) => t.replace('instanceType: m5.large', 'instanceType: m5.lage'),
    'pools.yaml:6: NodePool "general": spec.instanceType: Invalid value: "m5.lage": not in the instance catalog catalog.csv (did you mean m5.large, m5.4xlarge? or describe the machine with spec.shape)',
  ],
  ['bad taint effect', (t) => t.replace('effect: NoSchedule', 'effect: Nope'), 'pools.yaml:23: NodePool "gpu": spec.taints[0].effect: Unsupported value: "Nope": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
  ['zone outside the price region', (t) => t.replace('us-east-1b', 'eu-west-1b'), 'pools.yaml:7: NodePool "general": spec.zones[1]: Invalid value: "eu-west-1b": not in region us-east-1, where the catalog\'s price for m5.large applies'],
  [
    'label contradicting drydock',
    (t) => t.replace('team: web', 'kubernetes.io/arch: arm64'),
    'pools.yaml:10: NodePool "general": spec.labels.kubernetes.io/arch: Invalid value: "arm64": drydock sets this label to "amd64" for this pool; remove it',
  ],
  ['unknown spec field', (t) => t.replace('minSize: 1\n', 'minSize: 1\n  minSise: 2\n'), 'pools.yaml:9: NodePool "general": spec.minSise: unknown field (a NodePool spec has instanceType, shape, pricePerHour, spotPricePerHour, spot, labels, taints, zones, minSize, maxSize, initialSize, provisioningDelaySeconds, systemReserved)'],
  [
    'spot without a spot price',
    (t) => t.replace('instanceType: m5.large', 'instanceType: m5.large\n  spot: true'),
    'pools.yaml:7: NodePool "general": spec.spotPricePerHour: Required value: spot is true but the catalog has no spot price for "m5.large"; give spec.spotPricePerHour',
  ],
  [
    'interruption rate on an on-demand pool',
    (t) => t.replace('  spot: true\n', ''),
    'pools.yaml:16: NodePool "gpu": metadata.annotations.drydock.io/spot-interruption-rate-per-hour: Forbidden: only spot pools are interrupted; set spec.spot: true or remove the annotation',
  ],
  ['duplicate pool', (t) => t.replace('name: gpu', 'name: general'), 'pools.yaml:15: NodePool "general": metadata.name: Duplicate value: "general" (also at pools.yaml:2)'],
  ['bad duration', (t) => t.replace('scanInterval: 20s', 'scanInterval: 20x'), 'pools.yaml:26: ClusterAutoscalerSettings: scanInterval: "20x" is not a duration (expected e.g. 10s, 10m, 1h30m)'],
  ['bad expander', (t) => t.replace('priority,least-waste', 'cheapest'), 'pools.yaml:28: ClusterAutoscalerSettings: expander: "cheapest" is not an expander (expected one or a comma list of random, most-pods, least-waste, price, priority, grpc, least-nodes)'],
  ['other kinds', (t) => t.replace('kind: ClusterAutoscalerSettings', 'kind: Pod'), 'pools.yaml:25: kind "Pod" is not something a pools file holds (expected NodePool or ClusterAutoscalerSettings)'],
  ['YAML syntax', (t) => t.replace('labels: {team: web}', 'labels: {team: web'), 'pools.yaml:11: Flow map in block collection must be sufficiently indented and end with a }'],
];

for (const [what, edit, message] of errors) {
  test(`error: ${what}`, () => {
    assert.is(errorOf(edit(POOLS)), message);
  });
}

test('error: a shape pool without a price, and systemReserved that leaves nothing', () => {
  assert.is(
    errorOf('apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: s}\nspec:\n  shape: {cpu: "2", memory: 4Gi}\n  minSize: 0\n  maxSize: 1\n'),
    'pools.yaml:5: NodePool "s": spec.pricePerHour: Required value: a pool with an explicit shape needs its price in USD per hour (e.g. 0.096)',
  );
  assert.is(
    errorOf('apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: s}\nspec:\n  instanceType: m5.large\n  systemReserved: {cpu: "2"}\n  minSize: 0\n  maxSize: 1\n'),
    'pools.yaml:6: NodePool "s": spec.systemReserved.cpu: Invalid value: reserving 2 of cpu leaves nothing allocatable on m5.large (capacity 2)',
  );
});

test.run();
