// Cluster Autoscaler's Prometheus metrics (src/controllers/autoscaler/metrics.ts) on a virtual cluster: a
// scale-up for pending pods and the scale-down of the emptied nodes, read back through the text format.
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node } from '../../src/api/index.js';
import { loadCatalog } from '../../src/cloud/catalog.js';
import { parseNodePools } from '../../src/cloud/nodepool.js';
import { VirtualCluster } from '../../src/sim/cluster.js';
import { parseExposition, total, value } from '../addons/prom.js';

const catalog = loadCatalog();

function deployment(name: string, replicas: number, cpu: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu, memory: '256Mi' } } }] } },
    },
  };
}

const t = suite('cluster-autoscaler metrics');

t('a scale-up for 6 pending pods and the scale-down of the emptied nodes, counted', async () => {
  const { pools } = parseNodePools(`apiVersion: drydock.io/v1\nkind: NodePool\nmetadata: {name: small}\nspec: {instanceType: m5.large, zones: [us-east-1a], minSize: 0, maxSize: 5}\n`, 'pools.yaml', catalog);
  const c = await VirtualCluster.create({ pools });
  const registry = new Registry();
  await c.registerMetrics(registry);
  const scrape = async () => parseExposition(await registry.metrics());
  try {
    let m = await scrape();
    // Before anything happens: one autoscaled group, no nodes, nothing scaled.
    assert.is(value(m, 'cluster_autoscaler_node_groups_count', { node_group_type: 'autoscaled' }), 1);
    assert.is(value(m, 'cluster_autoscaler_scaled_up_nodes_total'), 0);
    assert.is(total(m, 'cluster_autoscaler_nodes_count'), 0);
    assert.is(value(m, 'cluster_autoscaler_node_group_max_count', { node_group: 'small' }), 5);

    await c.api.create('deployments', deployment('web', 6, '400m'));
    await c.advance(4 * 60_000, 5000);
    const nodes = (await c.api.list<Node>('nodes')).items;
    const allocatableMilli = Number.parseInt(nodes[0]!.status!.allocatable!['cpu']!, 10);
    // An m5.large has 2 vCPU; after kube-reserved its allocatable cpu holds floor(alloc / 400m) pods:
    const perNode = Math.floor(allocatableMilli / 400);
    const want = Math.ceil(6 / perNode);
    assert.is(nodes.length, want, `${perNode} pods of 400m per node → ceil(6 / ${perNode}) = ${want} nodes`);
    m = await scrape();
    assert.is(value(m, 'cluster_autoscaler_scaled_up_nodes_total'), want);
    assert.is(value(m, 'cluster_autoscaler_nodes_count', { state: 'ready' }), want);
    assert.is(value(m, 'cluster_autoscaler_nodes_count', { state: 'unready' }) + value(m, 'cluster_autoscaler_nodes_count', { state: 'notStarted' }), 0);
    assert.is(value(m, 'cluster_autoscaler_node_group_target_count', { node_group: 'small' }), want);
    assert.is(value(m, 'cluster_autoscaler_unschedulable_pods_count', { type: 'unschedulable' }), 0);
    // m5.large: 2 cores and 8 GiB per node, by capacity.
    assert.is(value(m, 'cluster_autoscaler_cluster_cpu_current_cores'), 2 * want);
    assert.is(total(m, 'cluster_autoscaler_scaled_down_nodes_total'), 0);
    // The scheduler saw the same story: 6 pods bound, each after at least one unschedulable attempt.
    assert.is(value(m, 'scheduler_schedule_attempts_total', { result: 'scheduled' }), 6);
    assert.ok(value(m, 'scheduler_schedule_attempts_total', { result: 'unschedulable' }) >= 6);
    assert.is(value(m, 'cluster_autoscaler_last_activity', { activity: 'main' }) > 0, true);

    // Scale the deployment to 0: the nodes are empty, unneeded for 10 min (after the 10 min delay after
    // the scale-up), then deleted together as empty nodes.
    await c.api.patch('deployments', 'default', 'web', 'application/merge-patch+json', { spec: { replicas: 0 } });
    await c.advance(25 * 60_000, 30_000);
    m = await scrape();
    assert.is(value(m, 'cluster_autoscaler_scaled_down_nodes_total', { reason: 'empty', gpu_resource_name: '', gpu_name: '' }), want);
    assert.is(value(m, 'cluster_autoscaler_scaled_down_nodes_total', { reason: 'underutilized' }), 0);
    assert.is(value(m, 'cluster_autoscaler_node_group_target_count', { node_group: 'small' }), 0);
    assert.is(value(m, 'cluster_autoscaler_scaled_up_nodes_total'), want, 'the counter keeps its total');
    assert.is(total(m, 'cluster_autoscaler_failed_scale_ups_total'), 0);
  } finally {
    c.stop();
  }
});

t.run();
