// The simulated cloud on a ManualClock and a seeded RNG: provisioning delay, failures (deterministic per
// seed), min/max, zone spreading, spot notice exactly 120 s before termination, zone outages, faults,
// per-second billing with its arithmetic, load balancers and zonal volumes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools, type ResolvedNodePool } from '../../src/cloud/nodepool.js';
import { LoadBalancers, SimCloud, type SimInstance } from '../../src/cloud/simcloud.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';

const T0 = Date.UTC(2026, 10, 28);
const catalog = parseCatalog(
  ['name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour', 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096,'].join('\n'),
  'catalog.csv',
);

function pool(name: string, spec: string, annotations = ''): ResolvedNodePool {
  const text = `apiVersion: drydock.io/v1\nkind: NodePool\nmetadata:\n  name: ${name}\n${annotations ? `  annotations: {${annotations}}\n` : ''}spec:\n  instanceType: m5.large\n${spec}`;
  return parseNodePools(text, 'pools.yaml', catalog).pools[0]!;
}

function cloudWith(pools: ResolvedNodePool[], seed = 1) {
  const clock = new ManualClock(T0);
  const cloud = new SimCloud({ clock, rng: seededRng(seed), pools });
  const log: string[] = [];
  const at = () => `+${(clock.now() - T0) / 1000}s`;
  cloud.subscribe({
    onInstanceRunning: (i) => log.push(`${at()} running ${i.nodeName} ${i.zone}`),
    onInstanceTerminated: (i) => log.push(`${at()} terminated ${i.nodeName} ${i.terminationReason}`),
    onInstanceUnresponsive: (i) => log.push(`${at()} unresponsive ${i.nodeName}`),
    onInterruptionNotice: (i) => log.push(`${at()} notice ${i.nodeName}`),
    onProvisioningFailed: (i) => log.push(`${at()} failed ${i.nodeName} ${i.errorInfo?.errorCode}`),
  });
  return { clock, cloud, log };
}

const states = (xs: readonly SimInstance[]) => xs.map((i) => `${i.nodeName}:${i.state}`);

test('VMs come up after the provisioning delay (default 60 s), spread over the pool zones', () => {
  const { clock, cloud, log } = cloudWith([pool('web', '  zones: [us-east-1a, us-east-1b]\n  minSize: 2\n  maxSize: 5\n')]);
  cloud.start();
  const g = cloud.nodeGroup('web')!;
  assert.equal(states(g.instances()), ['web-0001:provisioning', 'web-0002:provisioning']);
  assert.is(g.targetSize(), 2);
  clock.advance(59_999);
  assert.equal(log, []);
  clock.advance(1);
  assert.equal(log, ['+60s running web-0001 us-east-1a', '+60s running web-0002 us-east-1b']);
  const i = g.instances()[0]!;
  assert.equal([i.id, i.requestedAt, i.runningAt], ['drydock://web/us-east-1a/i-0001', T0, T0 + 60_000]);
  assert.is(cloud.instance(i.id)?.nodeName, 'web-0001');
  assert.is(cloud.nodeGroupForNode(g.templateNode())?.id, 'web');
  assert.equal(g.templateNode().status?.allocatable, { cpu: '1930m', memory: '6627Mi', pods: '110' });
});

test('least-populated zone first, ties by the order of spec.zones', () => {
  const { clock, cloud } = cloudWith([pool('web', '  zones: [us-east-1a, us-east-1b, us-east-1c]\n  minSize: 0\n  maxSize: 10\n')]);
  const g = cloud.nodeGroup('web')!;
  g.increaseSize(5); // a, b, c, a, b
  assert.equal(g.instances().map((i) => i.zone), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1a', 'us-east-1b']);
  clock.advance(60_000);
  g.deleteNodes(['web-0002']); // now a:2 b:1 c:1 → b and c tie, b comes first in spec.zones
  g.increaseSize(1);
  assert.is(g.instances().at(-1)!.zone, 'us-east-1b');
});

test('min and max are enforced with Cluster Autoscaler\'s messages; decreaseTargetSize forgets only VMs not yet running', () => {
  const { clock, cloud } = cloudWith([pool('web', '  minSize: 1\n  maxSize: 3\n')]);
  cloud.start();
  const g = cloud.nodeGroup('web')!;
  assert.throws(() => g.increaseSize(3), /size increase too large - desired:4 max:3/);
  g.increaseSize(2);
  assert.is(g.targetSize(), 3);
  clock.advance(60_000);
  assert.throws(() => g.deleteNodes(['web-0001', 'web-0002', 'web-0003']), /min size reached, nodes will not be deleted/);
  g.deleteNodes(['web-0001', 'web-0002']);
  assert.equal(states(g.instances()), ['web-0003:running']);
  g.increaseSize(1); // web-0004, provisioning
  assert.throws(() => g.decreaseTargetSize(-2), /attempt to delete existing nodes targetSize:2 delta:-2 existingNodes: 1/);
  g.decreaseTargetSize(-1);
  assert.equal(states(g.instances()), ['web-0003:running']);
  assert.is(cloud.instanceByNodeName('web-0004')?.terminationReason, 'decreased');
  assert.throws(() => g.deleteNodes(['nope']), /node "nope" does not belong to node group web/);
});

test('failure rate with a seed: the same VMs fail every run, they stay provisioning with errorInfo', () => {
  const run = (seed: number) => {
    const { clock, cloud, log } = cloudWith([pool('flaky', '  minSize: 0\n  maxSize: 20\n', '"drydock.io/provisioning-failure-rate": "0.3"')], seed);
    cloud.nodeGroup('flaky')!.increaseSize(20);
    clock.advance(60_000);
    return { cloud, failed: log.filter((l) => l.includes(' failed ')).map((l) => l.split(' ')[2]) };
  };
  // Each request draws one number from the seeded stream; it fails when that number is < 0.3.
  const rng = seededRng(42);
  const expected = Array.from({ length: 20 }, (_, i) => (rng.next() < 0.3 ? `flaky-${String(i + 1).padStart(4, '0')}` : undefined)).filter((x) => x !== undefined);
  const a = run(42);
  assert.equal(a.failed, expected);
  assert.equal(run(42).failed, a.failed, 'same seed, same failures');
  assert.ok(expected.length > 0 && expected.length < 20);
  const g = a.cloud.nodeGroup('flaky')!;
  const failed = g.instances().filter((i) => i.errorInfo !== undefined);
  assert.equal(failed.map((i) => i.state), expected.map(() => 'provisioning'));
  assert.equal(failed[0]!.errorInfo, { errorClass: 'OtherErrorClass', errorCode: 'VM_FAILED_TO_START', errorMessage: 'the VM did not come up (simulated provisioning failure)' });
  // They count in the target size until removed, like an ASG's stuck requests; they never bill.
  assert.is(g.targetSize(), 20);
  g.deleteNodes(failed.map((i) => i.nodeName));
  assert.is(g.targetSize(), 20 - expected.length);
  assert.is(a.cloud.costs()[0]!.instancesBilled, 20 - expected.length);
});

test('spot: the notice comes at the drawn Poisson time and the VM ends exactly 120 s later, then is replaced', () => {
  const { clock, cloud, log } = cloudWith([pool('spot', '  spot: true\n  spotPricePerHour: 0.04\n  minSize: 1\n  maxSize: 2\n', '"drydock.io/spot-interruption-rate-per-hour": "1"')], 7);
  cloud.start();
  clock.advance(60_000); // running at T0+60s; the running VM draws its interruption time
  // Exponential with rate 1/h: −ln(1 − u) hours after it started running.
  const u = seededRng(7).next();
  const noticeAfter = Math.round(-Math.log(1 - u) * 3_600_000);
  clock.advance(noticeAfter - 1);
  assert.ok(!log.some((l) => l.includes('notice')));
  clock.advance(1);
  const noticeAt = T0 + 60_000 + noticeAfter;
  assert.is(cloud.instanceByNodeName('spot-0001')?.interruptionNoticeAt, noticeAt);
  assert.is(log.at(-1), `+${(noticeAt - T0) / 1000}s notice spot-0001`);
  clock.advance(119_999);
  assert.is(cloud.instanceByNodeName('spot-0001')?.state, 'running');
  clock.advance(1);
  const vm = cloud.instanceByNodeName('spot-0001')!;
  assert.equal([vm.state, vm.terminatedAt! - vm.interruptionNoticeAt!, vm.terminationReason], ['terminated', 120_000, 'spot-interruption']);
  // The cloud keeps the group at its size: a replacement is provisioning.
  assert.equal(states(cloud.nodeGroup('spot')!.instances()), ['spot-0002:provisioning']);
  assert.is(cloud.nodeGroup('spot')!.pricePerHour(), 0.04);
});

test('zone down: running VMs there stop responding, new VMs avoid it, VMs provisioning there fail; zone up restores', () => {
  const { clock, cloud, log } = cloudWith([pool('web', '  zones: [us-east-1a, us-east-1b]\n  minSize: 2\n  maxSize: 6\n')]);
  cloud.start();
  clock.advance(60_000);
  const g = cloud.nodeGroup('web')!;
  g.increaseSize(2); // web-0003 in a, web-0004 in b, provisioning
  cloud.zoneDown('us-east-1a');
  assert.equal(log.slice(-1), ['+60s unresponsive web-0001']);
  g.increaseSize(1); // a has 2, b has 2, but a is down → b
  assert.is(g.instances().at(-1)!.zone, 'us-east-1b');
  clock.advance(60_000);
  assert.ok(log.includes('+120s failed web-0003 ZONE_UNAVAILABLE'));
  assert.equal(states(g.instances()), ['web-0001:unresponsive', 'web-0002:running', 'web-0003:provisioning', 'web-0004:running', 'web-0005:running']);
  cloud.zoneUp('us-east-1a');
  assert.is(log.at(-1), '+120s running web-0001 us-east-1a');
  assert.is(cloud.instanceByNodeName('web-0001')?.state, 'running');
});

test('stopResponding keeps the VM (and its bill); terminateInstance replaces it', () => {
  const { clock, cloud, log } = cloudWith([pool('web', '  minSize: 1\n  maxSize: 2\n')]);
  cloud.start();
  clock.advance(60_000);
  cloud.stopResponding('web-0001');
  assert.is(cloud.instanceByNodeName('web-0001')?.state, 'unresponsive');
  cloud.resumeResponding('web-0001');
  cloud.stopResponding('web-0001');
  cloud.terminateInstance('web-0001');
  assert.equal(log, ['+60s running web-0001 us-east-1a', '+60s unresponsive web-0001', '+60s running web-0001 us-east-1a', '+60s unresponsive web-0001', '+60s terminated web-0001 instance-failure']);
  assert.equal(states(cloud.nodeGroup('web')!.instances()), ['web-0002:provisioning']);
  assert.throws(() => cloud.stopResponding('web-0001'), /not a VM of this cloud/);
});

test('cost: per-second billing from running to terminated, 60 s minimum, spot pools at their spot price', () => {
  const { clock, cloud } = cloudWith([
    pool('web', '  minSize: 0\n  maxSize: 3\n'),
    pool('spot', '  spot: true\n  spotPricePerHour: 0.04\n  minSize: 0\n  maxSize: 1\n'),
  ]);
  const web = cloud.nodeGroup('web')!;
  web.increaseSize(2);
  cloud.nodeGroup('spot')!.increaseSize(1);
  clock.advance(60_000); // all three run from +60s
  clock.advance(30_000);
  web.deleteNodes(['web-0002']); // ran 30 s → billed the 60 s minimum
  clock.advance(5_370_000); // now +90 min +60 s: web-0001 and spot-0001 ran 5400 s
  web.increaseSize(1); // web-0003 is still provisioning at the end: costs nothing
  const [w, s] = cloud.costs();
  // web: (5400 s + 60 s) / 3600 = 1.5166… h × 0.096 = 0.1456 USD
  assert.is(w!.nodeHours, (5400 + 60) / 3600);
  assert.ok(Math.abs(w!.cost - 0.1456) < 1e-12, String(w!.cost));
  assert.is(w!.instancesBilled, 2);
  // spot: 5400 s = 1.5 h × 0.04 = 0.06 USD
  assert.equal([s!.nodeHours, s!.cost], [1.5, 0.06]);
  assert.ok(Math.abs(cloud.totalCost() - 0.2056) < 1e-12);
});

test('load balancers: lowest free IP of 203.0.113.0/24, ready after 30 s, released IPs are reused, exhaustion is an error', () => {
  const clock = new ManualClock(T0);
  const lbs = new LoadBalancers(clock);
  assert.equal(lbs.ensure('default/a'), { ip: '203.0.113.1', readyAt: T0 + 30_000 });
  clock.advance(5_000);
  assert.equal(lbs.ensure('default/b'), { ip: '203.0.113.2', readyAt: T0 + 35_000 });
  assert.equal(lbs.ensure('default/a'), { ip: '203.0.113.1', readyAt: T0 + 30_000 }, 'idempotent');
  assert.ok(lbs.release('default/a'));
  assert.is((lbs.ensure('default/c') as { ip: string }).ip, '203.0.113.1');
  const tiny = new LoadBalancers(clock, 30_000, '198.51.100.0/30'); // .1 and .2 usable
  tiny.ensure('x');
  tiny.ensure('y');
  assert.equal(tiny.ensure('z'), { error: 'no external IP left in 198.51.100.0/30' });
});

test('zonal volumes: attach only in the volume\'s zone, one node at a time; datasets and detach on termination', () => {
  const { clock, cloud } = cloudWith([pool('web', '  zones: [us-east-1a, us-east-1b]\n  minSize: 2\n  maxSize: 2\n')]);
  cloud.start();
  const changes: string[] = [];
  cloud.volumes.onChange((n) => changes.push(n));
  cloud.volumes.create({ name: 'imagenet-vol', zone: 'us-east-1b', dataset: 'imagenet' });
  assert.throws(() => cloud.volumes.attach('imagenet-vol', 'web-0002'), /not a running VM/);
  clock.advance(60_000);
  assert.throws(() => cloud.volumes.attach('imagenet-vol', 'web-0001'), /is in zone us-east-1b and node "web-0001" in zone us-east-1a/);
  cloud.volumes.attach('imagenet-vol', 'web-0002');
  assert.throws(() => cloud.volumes.attach('imagenet-vol', 'web-0001'), /already attached to node "web-0002"/);
  assert.equal(cloud.volumes.datasetsOn('web-0002'), ['imagenet']);
  assert.equal(cloud.volumes.datasetZones(), [{ name: 'imagenet', zone: 'us-east-1b' }]);
  cloud.terminateInstance('web-0002');
  assert.is(cloud.volumes.get('imagenet-vol')?.attachedTo, undefined);
  assert.equal(changes, ['web-0002', 'web-0002']);
});

test.run();
