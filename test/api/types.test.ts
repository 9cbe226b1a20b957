import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kinds, lookupKind, type Kind, type KubeObject, type ObjectOfKind } from '../../src/api/index.js';

test('kinds: resource names, groups and short names as kubectl api-resources lists them', () => {
  const table: [Kind, string, string, string, boolean, string[]][] = [
    // [kind, apiVersion, group, resource, namespaced, shortNames]
    ['Namespace', 'v1', '', 'namespaces', false, ['ns']],
    ['Node', 'v1', '', 'nodes', false, ['no']],
    ['Pod', 'v1', '', 'pods', true, ['po']],
    ['ReplicaSet', 'apps/v1', 'apps', 'replicasets', true, ['rs']],
    ['Deployment', 'apps/v1', 'apps', 'deployments', true, ['deploy']],
    ['Job', 'batch/v1', 'batch', 'jobs', true, []],
    ['Service', 'v1', '', 'services', true, ['svc']],
    ['Endpoints', 'v1', '', 'endpoints', true, ['ep']],
    ['ServiceAccount', 'v1', '', 'serviceaccounts', true, ['sa']],
    ['Secret', 'v1', '', 'secrets', true, []],
    ['ConfigMap', 'v1', '', 'configmaps', true, ['cm']],
    ['Lease', 'coordination.k8s.io/v1', 'coordination.k8s.io', 'leases', true, []],
    ['Event', 'v1', '', 'events', true, ['ev']],
    ['PriorityClass', 'scheduling.k8s.io/v1', 'scheduling.k8s.io', 'priorityclasses', false, ['pc']],
    ['RuntimeClass', 'node.k8s.io/v1', 'node.k8s.io', 'runtimeclasses', false, []],
    ['PodDisruptionBudget', 'policy/v1', 'policy', 'poddisruptionbudgets', true, ['pdb']],
    ['NodePool', 'drydock.io/v1', 'drydock.io', 'nodepools', false, ['np']],
  ];
  assert.equal(Object.keys(kinds).sort(), table.map((r) => r[0]).sort(), 'every kind is in the table, and only those');
  for (const [kind, apiVersion, group, resource, namespaced, shortNames] of table) {
    const info = kinds[kind];
    assert.is(info.apiVersion, apiVersion, kind);
    assert.is(info.group, group, kind);
    assert.is(info.version, 'v1', kind);
    assert.is(info.resource, resource, kind);
    assert.is(info.namespaced, namespaced, kind);
    assert.equal([...info.shortNames], shortNames, kind);
  }
  assert.ok(Object.isFrozen(kinds) && Object.isFrozen(kinds.Pod) && Object.isFrozen(kinds.Pod.shortNames));
});

test('lookupKind: kind, plural, singular or short name, in any case', () => {
  const table: [string, Kind | undefined][] = [
    ['Pod', 'Pod'],
    ['pods', 'Pod'],
    ['pod', 'Pod'],
    ['po', 'Pod'],
    ['DEPLOY', 'Deployment'],
    ['np', 'NodePool'],
    ['nodepools', 'NodePool'],
    ['endpoints', 'Endpoints'],
    ['pdb', 'PodDisruptionBudget'],
    ['widgets', undefined],
  ];
  for (const [name, want] of table) assert.is(lookupKind(name), want, name);
});

test('KubeObject narrows on kind (compile-time check, exercised at run time)', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }] } },
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
    { apiVersion: 'drydock.io/v1', kind: 'NodePool', metadata: { name: 'gpu' }, spec: { minSize: 0, maxSize: 4, shape: { cpu: '8', memory: '32Gi', gpu: 1 } } },
  ];
  const summary = objects.map((o) => {
    switch (o.kind) {
      case 'Pod':
        return o.spec.containers[0]?.resources?.requests?.cpu;
      case 'PriorityClass':
        return String(o.value);
      case 'NodePool':
        return o.spec.shape?.memory;
      default:
        return undefined;
    }
  });
  assert.equal(summary, ['500m', '1000', '32Gi']);
  const pool: ObjectOfKind<'NodePool'> = objects[2] as ObjectOfKind<'NodePool'>;
  assert.is(kinds[pool.kind].resource, 'nodepools');
});

test.run();
