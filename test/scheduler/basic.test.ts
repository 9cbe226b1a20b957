// NodeUnschedulable, NodeName and NodePorts, table-driven after the upstream plugin tests
// (node_unschedulable_test.go, node_name_test.go, node_ports_test.go).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { Code, ConfigError, CycleState, codeNames, reasonOf, type FilterPlugin, type PluginHandle } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import type { Snapshot } from '../../src/scheduler/snapshot.js';
import {
  ERR_REASON_NODE_NAME,
  ERR_REASON_NODE_PORTS,
  ERR_REASON_UNSCHEDULABLE,
  NODE_NAME,
  NODE_PORTS,
  NODE_UNSCHEDULABLE,
  NodeName,
  NodePorts,
  NodeUnschedulable,
  hostPortsConflict,
  newNodeName,
  newNodePorts,
  newNodeUnschedulable,
} from '../../src/scheduler/plugins/basic.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const handle = (args?: Json): PluginHandle => ({ args, profileName: 'default-scheduler' });

/** The filter's answer on one node as [code name, reason text]; ['Success', ''] when it fits. */
function filterOn(plugin: FilterPlugin, pod: PodInfo, snapshot: Snapshot, node: string, state = new CycleState()): [string, string] {
  const [row] = rows(snapshot, node);
  const r = reasonOf(plugin.filter(state, pod, row!, snapshot));
  return [codeNames[r.code], r.text];
}

const json = (obj: unknown): Json => obj as Json;

// ---- NodeUnschedulable ----------------------------------------------------------------------------------

const unschedulable = suite('NodeUnschedulable');

unschedulable('name and factory', () => {
  const p = newNodeUnschedulable(handle());
  assert.ok(p instanceof NodeUnschedulable);
  assert.is(p.name, NODE_UNSCHEDULABLE);
  assert.is(NODE_UNSCHEDULABLE, 'NodeUnschedulable');
});

unschedulable('Filter: upstream TestNodeUnschedulable cases and toleration variants', () => {
  const { snapshot } = clusterOf([makeNode('cordoned').unschedulable().obj(), makeNode('normal').obj()]);
  const plugin = new NodeUnschedulable();
  const unresolvable: [string, string] = ['UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE];
  const ok: [string, string] = ['Success', ''];
  const table: [string, PodInfo, string, [string, string]][] = [
    ['Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)', makePod('p').info(), 'cordoned', unresolvable],
    ['Schedule pod to normal node', makePod('p').info(), 'normal', ok],
    [
      'Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)',
      makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }).info(),
      'cordoned',
      ok,
    ],
    // An empty key with Exists tolerates every taint, so also the unschedulable one (toleration.go ToleratesTaint).
    ['an Exists toleration with an empty key tolerates it', makePod('p').toleration({ operator: 'Exists' }).info(), 'cordoned', ok],
    // The implied taint has effect NoSchedule; a NoExecute toleration does not match it.
    [
      'a NoExecute toleration of the same key does not',
      makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }).info(),
      'cordoned',
      unresolvable,
    ],
  ];
  for (const [name, pod, node, want] of table) assert.equal(filterOn(plugin, pod, snapshot, node), want, name);
});

unschedulable('queueing hints: upstream TestIsSchedulableAfterNodeChange / PodTolerationChange', () => {
  const plugin = new NodeUnschedulable();
  const events = plugin.eventsToRegister();
  assert.equal(events.map((e) => e.event), [
    { resource: 'Node', actions: 1 | 16 }, // Add | UpdateNodeTaint
    { resource: 'Pod', actions: 256 }, // UpdatePodToleration
  ]);
  const nodeHint = events[0]!.hint!;
  const pod = makePod('p').info();
  const cordoned = json(makeNode('n').unschedulable().obj());
  const open = json(makeNode('n').obj());
  assert.is(nodeHint(pod, undefined, open), 'Queue', 'a schedulable node was added');
  assert.is(nodeHint(pod, undefined, cordoned), 'QueueSkip', 'an unschedulable node was added');
  assert.is(nodeHint(pod, cordoned, open), 'Queue', 'the node was uncordoned');
  assert.is(nodeHint(pod, open, open), 'QueueSkip', 'the node stayed schedulable');
  assert.is(nodeHint(pod, open, cordoned), 'QueueSkip', 'the node was cordoned');

  const podHint = events[1]!.hint!;
  const tolerating = json(makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }).obj());
  const unrelated = json(makePod('p').toleration({ key: 'other', operator: 'Exists' }).obj());
  const otherPod = json(makePod('q').toleration({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }).obj());
  assert.is(podHint(pod, json(makePod('p').obj()), tolerating), 'Queue', 'the pod now tolerates the taint');
  assert.is(podHint(pod, json(makePod('p').obj()), unrelated), 'QueueSkip', 'an unrelated toleration was added');
  assert.is(podHint(pod, undefined, otherPod), 'QueueSkip', 'another pod was updated (uid-q != uid-p)');
});

// ---- NodeName -------------------------------------------------------------------------------------------

const nodeName = suite('NodeName');

nodeName('Filter: upstream TestNodeName', () => {
  const { snapshot } = clusterOf([makeNode('foo').obj(), makeNode('bar').obj()]);
  const plugin = newNodeName(handle()) as NodeName;
  assert.is(plugin.name, NODE_NAME);
  const table: [string, PodInfo, string, [string, string]][] = [
    ['no host specified', makePod('p').info(), 'foo', ['Success', '']],
    ['host matches', makePod('p').node('foo').info(), 'foo', ['Success', '']],
    ['host doesn\'t match', makePod('p').node('bar').info(), 'foo', ['UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME]],
  ];
  for (const [name, pod, node, want] of table) assert.equal(filterOn(plugin, pod, snapshot, node), want, name);
  assert.equal(plugin.eventsToRegister(), [{ event: { resource: 'Node', actions: 1 } }], 'Node Add, no hint');
});

// ---- NodePorts ------------------------------------------------------------------------------------------

const nodePorts = suite('NodePorts');

/** Like upstream's newPod(host, "protocol/hostIP/port" ...): one container with these host ports. */
function withPorts(name: string, ...ports: string[]) {
  const list = ports.map((p) => {
    const [protocol, hostIP, port] = p.split('/') as [string, string, string];
    return { containerPort: Number(port), hostPort: Number(port), protocol, hostIP };
  });
  return makePod(name).spec({ containers: [{ name: 'c0', image: 'registry.k8s.io/pause:3.10', ports: list }] });
}

nodePorts('PreFilter: a pod without host ports is skipped (upstream "skip filter")', () => {
  const { snapshot } = clusterOf([makeNode('n1').obj()]);
  const plugin = new NodePorts();
  assert.is(plugin.name, NODE_PORTS);
  assert.is(plugin.preFilter(new CycleState(), makePod('p').info(), snapshot).status.code, Code.Skip);
  // A containerPort without hostPort is not a host port either (GetHostPorts: HostPort > 0).
  const noHost = makePod('p').spec({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] }).info();
  assert.is(plugin.preFilter(new CycleState(), noHost, snapshot).status.code, Code.Skip);
  assert.is(plugin.preFilter(new CycleState(), withPorts('p', 'TCP/127.0.0.1/8080').info(), snapshot).status.code, Code.Success);
});

nodePorts('Filter: upstream TestNodePorts conflicts (same protocol and port; IPs equal or either 0.0.0.0)', () => {
  const conflict: [string, string] = ['Unschedulable', ERR_REASON_NODE_PORTS];
  const fits: [string, string] = ['Success', ''];
  // [upstream case name, incoming pod's ports, ports of the pod already on the node, want]
  const table: [string, string[], string[], [string, string]][] = [
    ['other port', ['UDP/127.0.0.1/8080'], ['UDP/127.0.0.1/9090'], fits],
    ['same udp port', ['UDP/127.0.0.1/8080'], ['UDP/127.0.0.1/8080'], conflict],
    ['same tcp port', ['TCP/127.0.0.1/8080'], ['TCP/127.0.0.1/8080'], conflict],
    ['different host ip', ['TCP/127.0.0.1/8080'], ['TCP/127.0.0.2/8080'], fits],
    ['different protocol', ['UDP/127.0.0.1/8080'], ['TCP/127.0.0.1/8080'], fits],
    ['second udp port conflict', ['UDP/127.0.0.1/8000', 'UDP/127.0.0.1/8080'], ['UDP/127.0.0.1/8080'], conflict],
    ['first tcp port conflict', ['TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8080'], ['TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8081'], conflict],
    // 0.0.0.0 on the incoming side collides with any IP on the node ...
    ['first tcp port conflict due to 0.0.0.0 hostIP', ['TCP/0.0.0.0/8001'], ['TCP/127.0.0.1/8001'], conflict],
    ['TCP hostPort conflict due to 0.0.0.0 hostIP', ['TCP/10.0.10.10/8001', 'TCP/0.0.0.0/8001'], ['TCP/127.0.0.1/8001'], conflict],
    // ... and 0.0.0.0 on the node collides with any incoming IP, but only for the same protocol.
    ['second tcp port conflict to 0.0.0.0 hostIP', ['TCP/127.0.0.1/8001'], ['TCP/0.0.0.0/8001'], conflict],
    ['second different protocol', ['UDP/127.0.0.1/8001'], ['TCP/0.0.0.0/8001'], fits],
    ['UDP hostPort conflict due to 0.0.0.0 hostIP', ['UDP/127.0.0.1/8001'], ['TCP/0.0.0.0/8001', 'UDP/0.0.0.0/8001'], conflict],
    // HostPortInfo.sanitize: an empty hostIP is 0.0.0.0 and an empty protocol is TCP.
    ['empty hostIP means 0.0.0.0 (drydock: sanitize)', ['TCP//9000'], ['TCP/10.1.1.1/9000'], conflict],
    ['empty protocol means TCP (drydock: sanitize)', ['/127.0.0.1/9000'], ['TCP/127.0.0.1/9000'], conflict],
  ];
  for (const [name, want, used, expected] of table) {
    const existing = withPorts('existing', ...used).node('n1').obj();
    const { snapshot } = clusterOf([makeNode('n1').obj()], [existing]);
    const plugin = newNodePorts(handle()) as NodePorts;
    const pod = withPorts('incoming', ...want).info();
    assert.is(plugin.preFilter(new CycleState(), pod, snapshot).status.code, Code.Success, name);
    assert.equal(filterOn(plugin, pod, snapshot, 'n1'), expected, name);
  }
});

nodePorts('Filter: only the pods of that node count', () => {
  const used = withPorts('existing', 'TCP/0.0.0.0/80').node('n1').obj();
  const { snapshot } = clusterOf([makeNode('n1').obj(), makeNode('n2').obj()], [used]);
  const plugin = new NodePorts();
  const pod = withPorts('web', 'TCP/0.0.0.0/80').info();
  assert.equal(filterOn(plugin, pod, snapshot, 'n1'), ['Unschedulable', ERR_REASON_NODE_PORTS]);
  assert.equal(filterOn(plugin, pod, snapshot, 'n2'), ['Success', '']);
});

nodePorts('hostPortsConflict is symmetric in the 0.0.0.0 rule', () => {
  const p = (protocol: string, hostIP: string, port: number) => ({ protocol, hostIP, port });
  assert.ok(hostPortsConflict(p('TCP', '0.0.0.0', 1), p('TCP', '10.0.0.1', 1)));
  assert.ok(hostPortsConflict(p('TCP', '10.0.0.1', 1), p('TCP', '0.0.0.0', 1)));
  assert.not.ok(hostPortsConflict(p('TCP', '10.0.0.1', 1), p('TCP', '10.0.0.2', 1)));
  assert.not.ok(hostPortsConflict(p('TCP', '0.0.0.0', 1), p('SCTP', '0.0.0.0', 1)));
  assert.not.ok(hostPortsConflict(p('TCP', '0.0.0.0', 1), p('TCP', '0.0.0.0', 2)));
});

nodePorts('queueing hints: upstream Test_isSchedulableAfterPodDeleted', () => {
  const plugin = new NodePorts();
  const events = plugin.eventsToRegister();
  assert.equal(events.map((e) => e.event), [{ resource: 'Pod', actions: 2 }, { resource: 'Node', actions: 1 }]);
  const hint = events[0]!.hint!;
  const pod = withPorts('p', 'TCP/0.0.0.0/8080').info();
  const placed = (p: Pod) => json(p);
  assert.is(hint(pod, placed(withPorts('d', 'TCP/0.0.0.0/8080').obj()), undefined), 'QueueSkip', 'skip-queue-on-unscheduled');
  assert.is(hint(pod, placed(makePod('d').node('fake-node').obj()), undefined), 'QueueSkip', 'skip-queue-on-non-hostport');
  assert.is(hint(pod, placed(withPorts('d', 'TCP/0.0.0.0/8081').node('fake-node').obj()), undefined), 'QueueSkip', 'skip-queue-on-unrelated-hostport');
  assert.is(hint(pod, placed(withPorts('d', 'TCP/0.0.0.0/8080').node('fake-node').obj()), undefined), 'Queue', 'queue-on-released-hostport');
});

nodePorts('factories reject args for plugins that take none', () => {
  for (const factory of [newNodePorts, newNodeName, newNodeUnschedulable]) {
    assert.not.throws(() => factory(handle({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'X' })));
    try {
      factory(handle({ hostPorts: true }));
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, /^hostPorts: unknown field/);
    }
  }
});

for (const s of [unschedulable, nodeName, nodePorts]) s.run();
