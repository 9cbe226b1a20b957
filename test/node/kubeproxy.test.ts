// kube-proxy's iptables rules as data: chain names against known upstream hashes, rule counts with their
// arithmetic, the 1/n, 1/(n−1), …, 1 probability chain and what it picks, Local traffic policy per node,
// and how long a change takes to reach every node under min-sync-period.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Service } from '../../src/api/index.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { ObjectCache } from '../../src/controllers/endpoints.js';
import { computeProxyRules, iptablesSave, lookupRules, portProtoHash, ProxyFleet, type KubeProxyConfig } from '../../src/node/kubeproxy.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';

function cacheOf<T extends { metadata: { namespace?: string; name?: string } }>(objs: readonly T[]): ObjectCache<T> {
  return {
    get: (ns, name) => objs.find((o) => (o.metadata.namespace ?? '') === (ns ?? '') && o.metadata.name === name),
    byIndex: (_i, value) => objs.filter((o) => o.metadata.namespace === value),
    list: () => [...objs],
  };
}

function service(name: string, clusterIP: string, spec: Partial<NonNullable<Service['spec']>> = {}, lbIP?: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } as NonNullable<Service['spec']>,
    ...(lbIP ? { status: { loadBalancer: { ingress: [{ ip: lbIP }] } } } : {}),
  };
}

function endpoints(name: string, addrs: [ip: string, node: string][], port = 8080): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default' },
    subsets: [{ addresses: addrs.map(([ip, nodeName]) => ({ ip, nodeName })), ports: [{ name: 'http', port, protocol: 'TCP' }] }],
  };
}

const CONFIG: KubeProxyConfig = { clusterCIDR: '10.244.0.0/16' };

const rules = suite('iptables rules');

rules('chain names are upstream\'s: base32(sha256(servicePortName + protocol))[:16]', () => {
  // The chains every cluster has (kubernetes service, kube-dns) as iptables-save shows them.
  assert.is(portProtoHash('default/kubernetes:https', 'tcp'), 'NPX46M4PTMTKRN6Y');
  assert.is(portProtoHash('kube-system/kube-dns:dns', 'udp'), 'TCOU7JCQXEZGVUNU');
  assert.is(portProtoHash('kube-system/kube-dns:dns-tcp', 'tcp'), 'ERIFXISQEP7F7OF4');
  assert.is(portProtoHash('kube-system/kube-dns:metrics', 'tcp'), 'JD5MR3NA4I4DYORP');
});

rules('rule count: fixed rules + per service port 2 + 3·n (ClusterIP), + 3 for a NodePort, + 1 more for a LoadBalancer IP; no endpoints → 1 REJECT', () => {
  const services = [
    service('a', '10.96.0.10'),
    service('b', '10.96.0.11', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }),
    service('c', '10.96.0.12'),
    service('d', '10.96.0.13', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30443 }] }, '203.0.113.10'),
    service('headless', 'None'), // no rules
  ];
  const eps = cacheOf([
    endpoints('a', [['10.244.1.2', 'n1'], ['10.244.2.2', 'n2'], ['10.244.3.2', 'n3']]),
    endpoints('b', [['10.244.1.3', 'n1'], ['10.244.2.3', 'n2']]),
    endpoints('d', [['10.244.3.4', 'n3']]),
  ]);
  const r = computeProxyRules('n1', services, eps, CONFIG);
  const count = (table: string) => r.rules.filter((x) => x.table === table).length;
  // nat fixed: KUBE-POSTROUTING 3 + KUBE-MARK-MASQ 1 + the KUBE-SERVICES → KUBE-NODEPORTS tail 1 = 5.
  // a (n=3): KUBE-SERVICES jump 1 + KUBE-SVC masquerade 1 + 3 statistic jumps + 3 KUBE-SEP × 2 = 2 + 3·3 = 11.
  // b (n=2): 2 + 3·2 = 8, + KUBE-NODEPORTS jump 1 + KUBE-EXT (masquerade, jump) 2 = 11.
  // d (n=1): 2 + 3·1 = 5, + node port 1 + KUBE-EXT 2 + loadbalancer IP jump 1 = 9.
  // nat = 5 + 11 + 11 + 9 = 36.
  assert.is(count('nat'), 36);
  // filter fixed: KUBE-FIREWALL localnet DROP 1 + KUBE-FORWARD 3 = 4; c has no endpoints: 1 REJECT → 5.
  assert.is(count('filter'), 5);
  // The count is the `-A` lines of iptables-save (sync_proxy_rules_iptables_total summed over both tables).
  const save = iptablesSave(r);
  assert.is(save.split('\n').filter((l) => l.startsWith('-A ')).length, 41);
  assert.ok(save.includes('-A KUBE-SERVICES -m comment --comment "default/c:http has no endpoints" -m tcp -p tcp -d 10.96.0.12 --dport 80 -j REJECT'));
  const ext = `KUBE-EXT-${portProtoHash('default/b:http', 'tcp')}`;
  assert.ok(save.includes(`-A KUBE-NODEPORTS -m comment --comment default/b:http -m tcp -p tcp --dport 30080 -j ${ext}`));
  assert.ok(save.includes(`-A ${ext} -m comment --comment "masquerade traffic for default/b:http external destinations" -j KUBE-MARK-MASQ`));
  assert.ok(save.includes(`-A KUBE-SERVICES -m comment --comment "default/d:http loadbalancer IP" -m tcp -p tcp -d 203.0.113.10 --dport 80 -j KUBE-EXT-${portProtoHash('default/d:http', 'tcp')}`));
  assert.ok(save.startsWith('*filter\n:KUBE-SERVICES - [0:0]\n') && save.endsWith('COMMIT\n'));
});

rules('three endpoints: probabilities 1/3, 1/2, then 1; a draw picks the band it falls in; every backend about a third of the time', () => {
  const eps = cacheOf([endpoints('a', [['10.244.1.2', 'n1'], ['10.244.2.2', 'n2'], ['10.244.3.2', 'n3']])]);
  const r = computeProxyRules('n1', [service('a', '10.96.0.10')], eps, CONFIG);
  const svc = `KUBE-SVC-${portProtoHash('default/a:http', 'tcp')}`;
  const chain = r.rules.filter((x) => x.chain === svc);
  assert.equal(chain.map((x) => x.target === 'KUBE-MARK-MASQ' ? 'masq' : x.probability ?? 1), ['masq', 0.3333333333, 0.5, 1]);
  assert.match(chain[1]!.text, /-m comment --comment "default\/a:http -> 10\.244\.1\.2:8080" -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/);
  assert.match(chain[3]!.text, /-> 10\.244\.3\.2:8080" -j KUBE-SEP-[A-Z2-7]{16}$/);
  // One draw u: rule 1 takes u < 1/3; else u' = (u − 1/3)/(2/3) and rule 2 takes u' < 1/2, i.e. u < 2/3; else rule 3.
  const pick = (u: number | number[]) => lookupRules(r, '10.96.0.10', 80, u).backend;
  assert.equal([pick(0), pick(0.33), pick(0.34), pick(0.66), pick(0.67), pick(0.999)], ['10.244.1.2:8080', '10.244.1.2:8080', '10.244.2.2:8080', '10.244.2.2:8080', '10.244.3.2:8080', '10.244.3.2:8080']);
  // One fresh draw per statistic rule, as the kernel does: 0.5 ≥ 1/3 (no), 0.4 < 1/2 (yes) → second.
  assert.is(pick([0.5, 0.4]), '10.244.2.2:8080');
  assert.is(pick([0.9, 0.9]), '10.244.3.2:8080');
  // 3000 seeded lookups: 1/3, (2/3)·(1/2), (2/3)·(1/2)·1 → 1000 each expected; sd = √(3000·1/3·2/3) ≈ 26, allow ±5 sd.
  const rng = seededRng(42);
  const hits = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const b = lookupRules(r, '10.96.0.10', 80, rng).backend!;
    hits.set(b, (hits.get(b) ?? 0) + 1);
  }
  for (const n of hits.values()) assert.ok(Math.abs(n - 1000) < 130, `${[...hits]}`);
  assert.is(hits.size, 3);
  const walked = lookupRules(r, '10.96.0.10', 80, 0);
  assert.equal([walked.verdict, walked.chains.length], ['DNAT', 2], 'KUBE-SVC then KUBE-SEP');
  assert.is(lookupRules(r, '10.96.0.99', 80, 0).verdict, 'NONE');
});

rules('externalTrafficPolicy Local: nodes differ; a node without a local endpoint drops external traffic but serves the cluster IP', () => {
  const svc = service('l', '10.96.0.20', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30090 }] });
  const eps = cacheOf([endpoints('l', [['10.244.1.9', 'n1']])]);
  const n1 = computeProxyRules('n1', [svc], eps, CONFIG);
  const n2 = computeProxyRules('n2', [svc], eps, CONFIG);
  const svl = `KUBE-SVL-${portProtoHash('default/l:http', 'tcp')}`;
  assert.ok(n1.rules.some((x) => x.chain === svl), 'n1 has a local endpoint: a KUBE-SVL chain');
  assert.not.ok(n2.rules.some((x) => x.chain === svl));
  assert.ok(n2.rules.some((x) => x.table === 'filter' && x.chain === 'KUBE-EXTERNAL-SERVICES' && x.target === 'DROP' && x.text.includes('has no local endpoints')));
  assert.is(lookupRules(n2, '10.96.0.20', 80, 0).backend, '10.244.1.9:8080', 'the cluster IP still reaches the endpoint on n1');
});

const fleet = suite('kube-proxy on every node');

fleet('a change reaches each node at its next allowed sync; propagation = max over nodes of (sync − change)', async () => {
  const { api, clock } = await makeApi();
  const informers = new SharedInformerFactory(api);
  const proxies = new ProxyFleet({ clock, informers, config: { ...CONFIG, minSyncPeriodMs: 1000, syncPeriodMs: 30_000 } });
  for (const n of ['n1', 'n2']) await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
  await proxies.start();
  assert.equal([...proxies.ruleCounts()], [['n1', 9], ['n2', 9]], 'fixed rules only: nat 5 + filter 4');
  const t0 = clock.now();

  // t = 0: the service (change 1). Burst 2: the first two syncs after a quiet spell run at once.
  await api.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const ip = (await api.get<Service>('services', 'default', 'web')).spec!.clusterIP!;
  clock.advance(50);
  await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' } }); // joins at 50, syncs then, full bucket
  clock.advance(50);
  // t = 100: endpoints (change 2). n1, n2: 1 token + 100/1000 refilled = 1.1 ≥ 1 → sync now, 0.1 left. n3: 2 → now.
  await api.create('endpoints', endpoints('web', [['10.244.1.2', 'n1']]));
  clock.advance(100);
  // t = 200: change 3. n1, n2: 0.1 + 0.1 = 0.2 < 1 → wait until lastRun + 1 s = 1100. n3: 1 + 0.1 ≥ 1 → now.
  const setEndpoints = async (addrs: [string, string][]) => {
    const cur = await api.get<Endpoints>('endpoints', 'default', 'web');
    await api.update('endpoints', { ...cur, subsets: endpoints('web', addrs).subsets });
  };
  await setEndpoints([['10.244.1.2', 'n1'], ['10.244.2.2', 'n2']]);
  clock.advance(300);
  // t = 500: change 4 joins the wait on n1, n2; n3 has 0.1 + 0.3 = 0.4 tokens, ran at 200 → waits until 1200.
  await setEndpoints([['10.244.1.2', 'n1'], ['10.244.2.2', 'n2'], ['10.244.3.2', 'n3']]);
  clock.advance(599);
  assert.is(proxies.proxy('n1')!.lookup(ip, 80, 0.99).backend, '10.244.1.2:8080', 'at 1099 n1 still has change 2\'s rules');
  clock.advance(1);
  assert.is(proxies.proxy('n1')!.lookup(ip, 80, 0.99).backend, '10.244.3.2:8080', 'at 1100 n1 has synced');
  clock.advance(100);

  const lat = proxies.propagations.map((p) => [p.changedAt - t0, p.latencyMs]);
  // change 1 at 0: n1, n2 at 0 (n3 did not exist) → 0. change 2 at 100: all at 100 → 0.
  // change 3 at 200: n3 at 200, n1 and n2 at 1100 → 900. change 4 at 500: n1, n2 at 1100, n3 at 1200 → 700.
  assert.equal(lat, [[0, 0], [100, 0], [200, 900], [500, 700]]);
  assert.is(proxies.maxPropagationLatencyMs, 900);
  assert.is(proxies.pendingChanges, 0);
  // 3 endpoints: nat 5 + (2 + 3·3) = 16, filter 4 → 20 rules on every node.
  assert.equal([...proxies.ruleCounts()], [['n1', 20], ['n2', 20], ['n3', 20]]);

  // Nothing changes for 30 s: the periodic sync (syncPeriod) runs anyway and records no change.
  const syncs = proxies.proxy('n1')!.stats.syncs;
  clock.advance(30_000);
  assert.is(proxies.proxy('n1')!.stats.syncs, syncs + 1);
  assert.is(proxies.propagations.length, 4);
  proxies.stop();
  informers.stop();
});

for (const s of [rules, fleet]) s.run();
