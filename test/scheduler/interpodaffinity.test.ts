// InterPodAffinity: required affinity / anti-affinity filter cases (interpodaffinity/filtering_test.go),
// preferred scoring vectors (scoring_test.go TestPreferredAffinity; reference kube-scheduler.md §2.8), args,
// preemption's AddPod/RemovePod, and property tests against a plain reimplementation that scans every pod.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Affinity, LabelSelector, Node, Pod, PodAffinityTerm } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { Code, ConfigError, CycleState, reasonOf } from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import { NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  InterPodAffinity,
  NAME,
  newInterPodAffinity,
  parseInterPodAffinityArgs,
} from '../../src/scheduler/plugins/interpodaffinity.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const HOST = 'kubernetes.io/hostname';

function plugin(args?: Json): InterPodAffinity {
  return newInterPodAffinity({ args, profileName: 'test' }) as InterPodAffinity;
}

/** A node with exactly these labels (upstream's test nodes have no hostname label). */
function nodeWith(name: string, labels: Record<string, string>): Node {
  const n = makeNode(name).obj();
  return { ...n, metadata: { ...n.metadata, labels } };
}

function pod(name: string, node: string | undefined, labels: Record<string, string>, affinity?: Affinity, namespace = 'default'): Pod {
  let b = makePod(name).namespace(namespace);
  if (node !== undefined) b = b.node(node);
  for (const [k, v] of Object.entries(labels)) b = b.label(k, v);
  if (affinity !== undefined) b = b.spec({ affinity });
  return b.obj();
}

const inSel = (key: string, ...values: string[]): LabelSelector => ({ matchExpressions: [{ key, operator: 'In', values }] });
const term = (selector: LabelSelector, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: selector, topologyKey, ...extra });
const requiredAffinity = (...terms: PodAffinityTerm[]): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const requiredAnti = (...terms: PodAffinityTerm[]): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const preferredAffinity = (weight: number, t: PodAffinityTerm): Affinity => ({ podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] } });
const preferredAnti = (weight: number, t: PodAffinityTerm): Affinity => ({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] } });

/** PreFilter + Filter on every node: '' when the node fits, else the reason text. */
function filterReasons(pl: InterPodAffinity, p: PodInfo, snapshot: Snapshot, names: string[], state = new CycleState()): Record<string, string> {
  const pre = pl.preFilter(state, p, snapshot);
  assert.ok(pre.status.code === Code.Success || pre.status.code === Code.Skip, `PreFilter: ${pre.status.reasons.join(', ')}`);
  const out: Record<string, string> = {};
  for (const [i, r] of rows(snapshot, ...names).entries()) out[names[i]!] = pre.status.code === Code.Skip ? '' : reasonOf(pl.filter(state, p, r)).text;
  return out;
}

function scoresOf(pl: InterPodAffinity, p: PodInfo, snapshot: Snapshot, names: string[]): { skipped: boolean; raw: number[]; normalized: Record<string, number> } {
  const state = new CycleState();
  const nodes = Int32Array.from(rows(snapshot, ...names));
  const st = pl.preScore(state, p, nodes, nodes.length, snapshot);
  const normalized: Record<string, number> = {};
  if (st.code === Code.Skip) {
    names.forEach((n) => (normalized[n] = 0));
    return { skipped: true, raw: names.map(() => 0), normalized };
  }
  assert.is(st.code, Code.Success, st.reasons.join(', '));
  const s = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) s[i] = pl.score(state, p, nodes[i]!);
  const raw = Array.from(s);
  pl.normalizeScore(state, p, s, nodes, nodes.length);
  names.forEach((n, i) => (normalized[n] = s[i]!));
  return { skipped: false, raw, normalized };
}

const AFF = ERR_REASON_AFFINITY_RULES_NOT_MATCH;
const ANTI = ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH;
const EXISTING = ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH;

// ---- Filter ----------------------------------------------------------------------------------------------

const filter = suite('InterPodAffinity Filter: required affinity and anti-affinity');

filter('reason texts and codes are upstream\'s (filtering.go)', () => {
  assert.is(AFF, "node(s) didn't match pod affinity rules");
  assert.is(ANTI, "node(s) didn't match pod anti-affinity rules");
  assert.is(EXISTING, "node(s) didn't satisfy existing pods anti-affinity rules");
  const { snapshot } = clusterOf([nodeWith('n1', { region: 'r1' })], [pod('e', 'n1', { service: 'securityscan' }, requiredAnti(term(inSel('security', 'S1'), 'region')))]);
  const pl = plugin();
  const state = new CycleState();
  const p = makePod('p').label('security', 'S1').spec({ affinity: requiredAffinity(term(inSel('service', 'nope'), 'region')) }).info();
  pl.preFilter(state, p, snapshot);
  assert.is(reasonOf(pl.filter(state, p, rows(snapshot, 'n1')[0]!)).code, Code.UnschedulableAndUnresolvable);
  const q = makePod('q').label('security', 'S1').info();
  const s2 = new CycleState();
  pl.preFilter(s2, q, snapshot);
  assert.is(reasonOf(pl.filter(s2, q, rows(snapshot, 'n1')[0]!)).code, Code.Unschedulable);
});

filter('TestRequiredAffinitySingleNode: "satisfies … PodAffinity using In operator that matches the existing pod"', () => {
  const { snapshot } = clusterOf([nodeWith('node1', { region: 'r1', zone: 'z11' })], [pod('e', 'node1', { security: 'S1' })]);
  const p = makePod('p').label('security', 'S2').spec({ affinity: requiredAffinity(term(inSel('security', 'S1'), 'region')) }).info();
  assert.equal(filterReasons(plugin(), p, snapshot, ['node1']), { node1: '' });
});

filter('"does not satisfy PodAffinity because of mismatching labelSelector" → UnschedulableAndUnresolvable', () => {
  const { snapshot } = clusterOf([nodeWith('node1', { region: 'r1' })], [pod('e', 'node1', { security: 'S1' })]);
  const p = makePod('p').label('security', 'S2').spec({ affinity: requiredAffinity(term(inSel('security', 'S2'), 'region')) }).info();
  // A pod matches nowhere, but the incoming pod matches its own term (security=S2): the self-affinity
  // exception needs no matching pod ANYWHERE; here none exists, so it passes.
  assert.equal(filterReasons(plugin(), p, snapshot, ['node1']), { node1: '' });
  // With a different label the incoming pod does not match itself: fails.
  const q = makePod('q').label('security', 'S3').spec({ affinity: requiredAffinity(term(inSel('security', 'S2'), 'region')) }).info();
  assert.equal(filterReasons(plugin(), q, snapshot, ['node1']), { node1: AFF });
});

filter('affinity needs a matching pod in the node\'s own domain; the node must have every term\'s key', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z1' }), nodeWith('c', { zone: 'z2' }), nodeWith('d', {})];
  const { snapshot } = clusterOf(nodes, [pod('e', 'a', { app: 'db' })]);
  const p = makePod('p').label('app', 'web').spec({ affinity: requiredAffinity(term(inSel('app', 'db'), 'zone')) }).info();
  // zone z1 holds the db pod: a and b fit; z2 has none; d lacks the zone label.
  assert.equal(filterReasons(plugin(), p, snapshot, ['a', 'b', 'c', 'd']), { a: '', b: '', c: AFF, d: AFF });
});

filter('several affinity terms need ONE existing pod that matches all of them (podMatchesAllAffinityTerms)', () => {
  const nodes = [nodeWith('a', { zone: 'z1', rack: 'r1' }), nodeWith('b', { zone: 'z2', rack: 'r2' })];
  // On a: one pod app=db, another tier=cache — neither matches both terms. On b: one pod with both.
  const existing = [pod('e1', 'a', { app: 'db' }), pod('e2', 'a', { tier: 'cache' }), pod('e3', 'b', { app: 'db', tier: 'cache' })];
  const { snapshot } = clusterOf(nodes, existing);
  const p = makePod('p').spec({ affinity: requiredAffinity(term(inSel('app', 'db'), 'zone'), term(inSel('tier', 'cache'), 'rack')) }).info();
  assert.equal(filterReasons(plugin(), p, snapshot, ['a', 'b']), { a: AFF, b: '' });
});

filter('self-affinity: the first pod of a group may go anywhere with the keys; once one exists, only its domain', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' }), nodeWith('c', {})];
  const self = () => makePod('p').label('app', 'web').spec({ affinity: requiredAffinity(term(inSel('app', 'web'), 'zone')) }).info();
  // No app=web pod anywhere and the pod matches its own term: every node with a zone fits; c lacks the key.
  const empty = clusterOf(nodes).snapshot;
  assert.equal(filterReasons(plugin(), self(), empty, ['a', 'b', 'c']), { a: '', b: '', c: AFF });
  // One app=web pod in z2: now only z2 fits (affinityCounts is not empty).
  const one = clusterOf(nodes, [pod('w', 'b', { app: 'web' })]).snapshot;
  assert.equal(filterReasons(plugin(), self(), one, ['a', 'b', 'c']), { a: AFF, b: '', c: AFF });
  // A matching pod on a node WITHOUT the zone key does not count as "a pod matches somewhere": the exception holds.
  const keyless = clusterOf(nodes, [pod('w', 'c', { app: 'web' })]).snapshot;
  assert.equal(filterReasons(plugin(), self(), keyless, ['a', 'b', 'c']), { a: '', b: '', c: AFF });
});

filter('anti-affinity of the incoming pod: no node in a domain holding a matching pod', () => {
  const nodes = [nodeWith('a', { [HOST]: 'a', zone: 'z1' }), nodeWith('b', { [HOST]: 'b', zone: 'z1' }), nodeWith('c', { [HOST]: 'c', zone: 'z2' })];
  const { snapshot } = clusterOf(nodes, [pod('e', 'a', { app: 'db' })]);
  const byHost = makePod('p').spec({ affinity: requiredAnti(term(inSel('app', 'db'), HOST)) }).info();
  assert.equal(filterReasons(plugin(), byHost, snapshot, ['a', 'b', 'c']), { a: ANTI, b: '', c: '' });
  const byZone = makePod('p').spec({ affinity: requiredAnti(term(inSel('app', 'db'), 'zone')) }).info();
  assert.equal(filterReasons(plugin(), byZone, snapshot, ['a', 'b', 'c']), { a: ANTI, b: ANTI, c: '' });
  // A node without the topology key cannot violate the term.
  const byRack = makePod('p').spec({ affinity: requiredAnti(term(inSel('app', 'db'), 'rack')) }).info();
  assert.equal(filterReasons(plugin(), byRack, snapshot, ['a', 'b', 'c']), { a: '', b: '', c: '' });
});

filter('existing pods\' required anti-affinity counts against the incoming pod (symmetry)', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z1' }), nodeWith('c', { zone: 'z2' })];
  const guard = pod('guard', 'a', { app: 'db' }, requiredAnti(term(inSel('app', 'web'), 'zone')));
  const { snapshot } = clusterOf(nodes, [guard]);
  // The incoming web pod has no affinity of its own, yet z1 is closed to it.
  assert.equal(filterReasons(plugin(), makePod('p').label('app', 'web').info(), snapshot, ['a', 'b', 'c']), { a: EXISTING, b: EXISTING, c: '' });
  // A pod the guard's term does not match is free; with no terms at all, PreFilter skips.
  const pl = plugin();
  assert.is(pl.preFilter(new CycleState(), makePod('q').label('app', 'api').info(), snapshot).status.code, Code.Skip);
  // The guard's term is in its own namespace only: a web pod of another namespace is free too.
  assert.equal(filterReasons(plugin(), makePod('p').namespace('other').label('app', 'web').info(), snapshot, ['a', 'b', 'c']), { a: '', b: '', c: '' });
});

filter('order of checks: affinity, then anti-affinity, then existing pods\' anti-affinity', () => {
  const nodes = [nodeWith('a', { zone: 'z1' })];
  const existing = [pod('db', 'a', { app: 'db' }), pod('guard', 'a', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone')))];
  const { snapshot } = clusterOf(nodes, existing);
  const both = makePod('p').label('app', 'web').spec({ affinity: { ...requiredAffinity(term(inSel('app', 'none'), 'zone')), ...requiredAnti(term(inSel('app', 'db'), 'zone')) } }).info();
  assert.equal(filterReasons(plugin(), both, snapshot, ['a']), { a: AFF });
  const anti = makePod('p').label('app', 'web').spec({ affinity: requiredAnti(term(inSel('app', 'db'), 'zone')) }).info();
  assert.equal(filterReasons(plugin(), anti, snapshot, ['a']), { a: ANTI });
});

filter('namespaces: a term looks only at the listed namespaces (or the holder\'s own)', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })];
  const existing = [pod('e1', 'a', { app: 'db' }, undefined, 'ns1'), pod('e2', 'b', { app: 'db' }, undefined, 'ns2')];
  const { snapshot } = clusterOf(nodes, existing);
  const own = makePod('p').namespace('ns2').spec({ affinity: requiredAnti(term(inSel('app', 'db'), 'zone')) }).info();
  assert.equal(filterReasons(plugin(), own, snapshot, ['a', 'b']), { a: '', b: ANTI });
  const listed = makePod('p').namespace('ns2').spec({ affinity: requiredAnti(term(inSel('app', 'db'), 'zone', { namespaces: ['ns1'] })) }).info();
  assert.equal(filterReasons(plugin(), listed, snapshot, ['a', 'b']), { a: ANTI, b: '' });
});

filter('namespaceSelector: namespace labels come from setNamespaceLabels; {} selects every namespace', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })];
  const existing = [pod('e1', 'a', { app: 'db' }, undefined, 'subteam1.team1'), pod('e2', 'b', { app: 'db' }, undefined, 'subteam1.team2')];
  const { snapshot } = clusterOf(nodes, existing);
  const team1 = term(inSel('app', 'db'), 'zone', { namespaceSelector: { matchLabels: { team: 'team1' } } });
  const p = makePod('p').namespace('x').spec({ affinity: requiredAnti(team1) }).info();
  const pl = plugin();
  // Default labels: only kubernetes.io/metadata.name, so team=team1 selects nothing.
  assert.equal(filterReasons(pl, p, snapshot, ['a', 'b']), { a: '', b: '' });
  pl.setNamespaceLabels((ns) => ({ team: ns.split('.')[1] ?? '' }));
  assert.equal(filterReasons(pl, p, snapshot, ['a', 'b']), { a: ANTI, b: '' });
  // The default labels do carry kubernetes.io/metadata.name.
  const byName = term(inSel('app', 'db'), 'zone', { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'subteam1.team2' } } });
  assert.equal(filterReasons(plugin(), makePod('p').spec({ affinity: requiredAnti(byName) }).info(), snapshot, ['a', 'b']), { a: '', b: ANTI });
  const all = term(inSel('app', 'db'), 'zone', { namespaceSelector: {} });
  assert.equal(filterReasons(plugin(), makePod('p').spec({ affinity: requiredAnti(all) }).info(), snapshot, ['a', 'b']), { a: ANTI, b: ANTI });
  // Unknown namespaces (the source returns undefined) match only `{}`, which needs no labels.
  const unknown = plugin();
  unknown.setNamespaceLabels(() => undefined);
  assert.equal(filterReasons(unknown, makePod('p').spec({ affinity: requiredAnti(all) }).info(), snapshot, ['a', 'b']), { a: ANTI, b: ANTI });
  assert.equal(filterReasons(unknown, p, snapshot, ['a', 'b']), { a: '', b: '' });
  // Existing pods' namespaceSelector is matched against the incoming pod's namespace labels.
  const guard = pod('guard', 'a', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone', { namespaceSelector: { matchLabels: { team: 'team2' } } })));
  const g = clusterOf(nodes, [guard]).snapshot;
  const pl2 = plugin();
  pl2.setNamespaceLabels((ns) => ({ team: ns.split('.')[1] ?? '' }));
  assert.equal(filterReasons(pl2, makePod('w').namespace('s.team2').label('app', 'web').info(), g, ['a', 'b']), { a: EXISTING, b: '' });
  assert.equal(filterReasons(pl2, makePod('w').namespace('s.team1').label('app', 'web').info(), g, ['a', 'b']), { a: '', b: '' });
});

filter('matchLabelKeys / mismatchLabelKeys merge the holder\'s label values into the selector', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })];
  const existing = [pod('e1', 'a', { app: 'web', rev: '1' }), pod('e2', 'b', { app: 'web', rev: '2' })];
  const { snapshot } = clusterOf(nodes, existing);
  const same = makePod('p').label('app', 'web').label('rev', '2').spec({ affinity: requiredAnti(term(inSel('app', 'web'), 'zone', { matchLabelKeys: ['rev'] })) }).info();
  assert.equal(filterReasons(plugin(), same, snapshot, ['a', 'b']), { a: '', b: ANTI });
  const other = makePod('p').label('app', 'web').label('rev', '2').spec({ affinity: requiredAnti(term(inSel('app', 'web'), 'zone', { mismatchLabelKeys: ['rev'] })) }).info();
  assert.equal(filterReasons(plugin(), other, snapshot, ['a', 'b']), { a: ANTI, b: '' });
});

filter('incremental: pods added and removed through NodeCache + snapshot.update are seen (including new terms)', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })];
  const cache = new NodeCache();
  for (const n of nodes) cache.setNode(n);
  const snapshot = new Snapshot();
  snapshot.update(cache);
  const pl = plugin();
  const web = makePod('p').label('app', 'web').info();
  assert.equal(filterReasons(pl, web, snapshot, ['a', 'b']), { a: '', b: '' });
  // A guard with a term the registry has never seen arrives: z2 closes.
  cache.addPod(makePodInfo(pod('guard', 'b', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone')))));
  snapshot.update(cache);
  assert.equal(filterReasons(pl, web, snapshot, ['a', 'b']), { a: '', b: EXISTING });
  cache.removePod('default/guard');
  snapshot.update(cache);
  assert.equal(filterReasons(pl, web, snapshot, ['a', 'b']), { a: '', b: '' });
  // Cycles sweep the registry (one term per PreFilter) and drop the term no pod holds; it comes back with
  // the next pod that holds it.
  for (let i = 0; i < 3; i++) filterReasons(pl, web, snapshot, ['a', 'b']);
  cache.addPod(makePodInfo(pod('guard2', 'a', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone')))));
  snapshot.update(cache);
  assert.equal(filterReasons(pl, web, snapshot, ['a', 'b']), { a: EXISTING, b: '' });
});

filter('AddPod / RemovePod on a clone (preemption dry runs) leave the original state alone', () => {
  const nodes = [nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })];
  const guard = pod('guard', 'a', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone')));
  const db = pod('db', 'b', { app: 'db' });
  const { snapshot } = clusterOf(nodes, [guard, db]);
  const pl = plugin();
  const p = makePod('p').label('app', 'web').spec({ affinity: { ...requiredAnti(term(inSel('app', 'db'), 'zone')) } }).info();
  const state = new CycleState();
  pl.preFilter(state, p, snapshot);
  const [a, b] = rows(snapshot, 'a', 'b') as [number, number];
  const reasons = (s: CycleState) => [a, b].map((r) => reasonOf(pl.filter(s, p, r)).text);
  assert.equal(reasons(state), [EXISTING, ANTI]);
  const dry = state.clone();
  pl.removePod(dry, p, makePodInfo(guard), a, snapshot);
  pl.removePod(dry, p, makePodInfo(db), b, snapshot);
  assert.equal(reasons(dry), ['', '']);
  assert.equal(reasons(state), [EXISTING, ANTI]);
  pl.addPod(dry, p, makePodInfo(pod('db2', 'a', { app: 'db' })), a, snapshot);
  assert.equal(reasons(dry), [ANTI, '']);
  // Affinity: adding the first matching pod turns the self-affinity exception off elsewhere.
  // (app=api: the guard on node a only rejects app=web pods.)
  const selfAff = makePod('s').label('app', 'api').spec({ affinity: requiredAffinity(term(inSel('app', 'api'), 'zone')) }).info();
  const s2 = new CycleState();
  pl.preFilter(s2, selfAff, snapshot);
  assert.equal([a, b].map((r) => pl.filter(s2, selfAff, r)), [0, 0]);
  const d2 = s2.clone();
  pl.addPod(d2, selfAff, makePodInfo(pod('w', 'b', { app: 'api' })), b, snapshot);
  assert.equal([a, b].map((r) => reasonOf(pl.filter(d2, selfAff, r)).text), [AFF, '']);
  pl.removePod(d2, selfAff, makePodInfo(pod('w', 'b', { app: 'api' })), b, snapshot);
  assert.equal([a, b].map((r) => pl.filter(d2, selfAff, r)), [0, 0]);
});

filter('a pod whose terms cannot be parsed is UnschedulableAndUnresolvable in PreFilter', () => {
  const { snapshot } = clusterOf([nodeWith('a', { zone: 'z1' })]);
  const bad = makePod('p').spec({ affinity: requiredAffinity(term(inSel('security', '{{.bad-value.}}'), 'zone')) }).info();
  const st = plugin().preFilter(new CycleState(), bad, snapshot).status;
  assert.is(st.code, Code.UnschedulableAndUnresolvable);
  assert.ok(st.reasons[0]!.startsWith('parsing pod: '), st.reasons[0]);
});

filter.run();

// ---- Score (scoring_test.go TestPreferredAffinity) -------------------------------------------------------------

const score = suite('InterPodAffinity Score: TestPreferredAffinity vectors');

const China = { region: 'China' };
const India = { region: 'India' };
const Az1 = { az: 'az1' };
const Az2 = { az: 'az2' };
const ChinaAz1 = { region: 'China', az: 'az1' };
const S1 = { security: 'S1' };
const S2 = { security: 'S2' };
const stayWithS1InRegion = preferredAffinity(5, term(inSel('security', 'S1'), 'region'));
const stayWithS2InRegion = preferredAffinity(6, term(inSel('security', 'S2'), 'region'));
const awayFromS1InAz = preferredAnti(5, term(inSel('security', 'S1'), 'az'));
const awayFromS2InAz = preferredAnti(5, term(inSel('security', 'S2'), 'az'));
const stayWithS1InRegionAwayFromS2InAz: Affinity = { ...preferredAffinity(8, term(inSel('security', 'S1'), 'region')), ...awayFromS2InAz };
const n3 = (l1: Record<string, string>, l2: Record<string, string>, l3: Record<string, string>) => [nodeWith('node1', l1), nodeWith('node2', l2), nodeWith('node3', l3)];

score('"all nodes are same priority as Affinity is nil" → PreScore Skip', () => {
  const { snapshot } = clusterOf(n3(China, India, Az1));
  assert.ok(scoresOf(plugin(), makePod('p').label('security', 'S1').info(), snapshot, ['node1', 'node2', 'node3']).skipped);
});

score('"Affinity: pod that matches topology key & pods in nodes will get high score" → 100/0/0', () => {
  const existing = [pod('e1', 'node1', S1), pod('e2', 'node2', S2), pod('e3', 'node3', S1)];
  const { snapshot } = clusterOf(n3(China, India, Az1), existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: stayWithS1InRegion }).info(), snapshot, ['node1', 'node2', 'node3']);
  // region China += 5 (e1); e3's node has no region. Raw 5/0/0; min 0 max 5: 100·5/5 = 100, 0, 0
  assert.equal(r.raw, [5, 0, 0]);
  assert.equal(r.normalized, { node1: 100, node2: 0, node3: 0 });
});

score('"All the nodes that have the same topology key & label value … have the same score" → 100/100/0', () => {
  const { snapshot } = clusterOf(n3(China, ChinaAz1, India), [pod('e1', 'node1', S1)]);
  const r = scoresOf(plugin(), makePod('p').spec({ affinity: stayWithS1InRegion }).info(), snapshot, ['node1', 'node2', 'node3']);
  assert.equal(r.raw, [5, 5, 0]);
  assert.equal(r.normalized, { node1: 100, node2: 100, node3: 0 });
});

score('"nodes in one region has more matching pods … the region which has more matches will get high score"', () => {
  const nodes = [nodeWith('node1', China), nodeWith('node2', India), nodeWith('node3', China), nodeWith('node4', China), nodeWith('node5', India)];
  const existing = [pod('e1', 'node1', S2), pod('e2', 'node1', S2), pod('e3', 'node2', S2), pod('e4', 'node3', S2), pod('e5', 'node4', S2), pod('e6', 'node5', S2)];
  const { snapshot } = clusterOf(nodes, existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: stayWithS2InRegion }).info(), snapshot, ['node1', 'node2', 'node3', 'node4', 'node5']);
  // China: 4 pods · 6 = 24; India: 2 · 6 = 12. min 12 max 24: China 100·12/12 = 100, India 0
  assert.equal(r.raw, [24, 12, 24, 24, 12]);
  assert.equal(r.normalized, { node1: 100, node2: 0, node3: 100, node4: 100, node5: 0 });
});

score('"different Label operators and values for pod affinity scheduling preference" → 20/100/0', () => {
  const affinity3: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 8, podAffinityTerm: term({ matchExpressions: [{ key: 'security', operator: 'NotIn', values: ['S1'] }, { key: 'security', operator: 'In', values: ['S2'] }] }, 'region') },
        { weight: 2, podAffinityTerm: term({ matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region') },
      ],
    },
  };
  const existing = [pod('e1', 'node1', S1), pod('e2', 'node2', S2), pod('e3', 'node3', S1)];
  const { snapshot } = clusterOf(n3(China, India, Az1), existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: affinity3 }).info(), snapshot, ['node1', 'node2', 'node3']);
  // weight 8 matches only S2 (India +8); weight 2 matches every pod: China +2, India +2, az-only node3 nothing.
  // Raw 2/10/0; min 0 max 10: 100·2/10 = 20, 100, 0
  assert.equal(r.raw, [2, 10, 0]);
  assert.equal(r.normalized, { node1: 20, node2: 100, node3: 0 });
});

score('"Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry" → 0/100/0', () => {
  const existing = [pod('e1', 'node1', S1, stayWithS1InRegion), pod('e2', 'node2', S2, stayWithS2InRegion)];
  const { snapshot } = clusterOf(n3(China, India, Az1), existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S2').info(), snapshot, ['node1', 'node2', 'node3']);
  // e2's preferred term (S2, weight 6) matches the incoming S2 pod: India +6. Raw 0/6/0 → 0/100/0
  assert.equal(r.raw, [0, 6, 0]);
  assert.equal(r.normalized, { node1: 0, node2: 100, node3: 0 });
});

score('"Affinity symmetry with namespace selector" / "AntiAffinity symmetry with namespace selector"', () => {
  const nsTerm = term(inSel('security', 'S1'), 'region', { namespaces: ['subteam2.team2'], namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['team1'] }] } });
  const teams = (ns: string) => ({ team: ns.split('.')[1] ?? '' });
  const incomingS1 = makePod('p').namespace('subteam1.team1').label('security', 'S1').info();
  {
    const existing = [pod('e1', 'node1', S1, preferredAffinity(5, nsTerm)), pod('e2', 'node2', S2, stayWithS2InRegion)];
    const { snapshot } = clusterOf(n3(China, India, Az1), existing);
    const pl = plugin();
    pl.setNamespaceLabels(teams);
    // e1's term selects team1 namespaces: the incoming pod (team1) matches → China +5. Raw 5/0/0 → 100/0/0
    const r = scoresOf(pl, incomingS1, snapshot, ['node1', 'node2', 'node3']);
    assert.equal(r.raw, [5, 0, 0]);
    assert.equal(r.normalized, { node1: 100, node2: 0, node3: 0 });
  }
  {
    const existing = [pod('e1', 'node1', S1, preferredAnti(5, nsTerm)), pod('e2', 'node2', S2, stayWithS2InRegion)];
    const { snapshot } = clusterOf(n3(China, India, Az1), existing);
    const pl = plugin();
    pl.setNamespaceLabels(teams);
    // China −5. Raw −5/0/0; min −5 max 0: 0, 100·5/5 = 100, 100
    const r = scoresOf(pl, incomingS1, snapshot, ['node1', 'node2', 'node3']);
    assert.equal(r.raw, [-5, 0, 0]);
    assert.equal(r.normalized, { node1: 0, node2: 100, node3: 100 });
  }
});

score('"Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution" with hardPodAffinityWeight', () => {
  const hardAffinity = requiredAffinity(
    term(inSel('security', 'S1', 'value2'), 'region'),
    term({ matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region'),
  );
  const existing = [pod('e1', 'node1', S1, hardAffinity), pod('e2', 'node2', S2, hardAffinity)];
  const { snapshot } = clusterOf(n3(China, India, Az1), existing);
  const p = makePod('p').label('security', 'S1').info();
  // Both of each holder's required terms match the incoming S1 pod: 2 terms × weight 1 per region.
  // Raw 2/2/0; min 0 max 2 → 100/100/0
  const r = scoresOf(plugin(), p, snapshot, ['node1', 'node2', 'node3']);
  assert.equal(r.raw, [2, 2, 0]);
  assert.equal(r.normalized, { node1: 100, node2: 100, node3: 0 });
  // hardPodAffinityWeight 7: raw 14/14/0, same normalized; 0: the required terms are ignored → Skip.
  assert.equal(scoresOf(plugin({ hardPodAffinityWeight: 7 }), p, snapshot, ['node1', 'node2', 'node3']).raw, [14, 14, 0]);
  assert.ok(scoresOf(plugin({ hardPodAffinityWeight: 0 }), p, snapshot, ['node1', 'node2', 'node3']).skipped);
});

score('"Anti Affinity: pod that does not match existing pods in node will get high score" and friends', () => {
  {
    const { snapshot } = clusterOf([nodeWith('node1', Az1), nodeWith('node2', China)], [pod('e1', 'node1', S1), pod('e2', 'node2', S2)]);
    const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: awayFromS1InAz }).info(), snapshot, ['node1', 'node2']);
    // az1 −5. Raw −5/0; min −5 max 0: 100·0/5 = 0, 100·5/5 = 100
    assert.equal(r.raw, [-5, 0]);
    assert.equal(r.normalized, { node1: 0, node2: 100 });
  }
  {
    const { snapshot } = clusterOf([nodeWith('node1', Az1), nodeWith('node2', India)], [pod('e1', 'node1', S1), pod('e2', 'node1', S1), pod('e3', 'node2', S2)]);
    const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: awayFromS1InAz }).info(), snapshot, ['node1', 'node2']);
    // two S1 pods in az1: −10. Raw −10/0 → 0/100
    assert.equal(r.raw, [-10, 0]);
    assert.equal(r.normalized, { node1: 0, node2: 100 });
  }
});

score('"Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score" → 0/100', () => {
  const existing = [pod('e1', 'node1', S1, awayFromS2InAz), pod('e2', 'node2', S2, awayFromS1InAz)];
  const { snapshot } = clusterOf([nodeWith('node1', Az1), nodeWith('node2', Az2)], existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S2').info(), snapshot, ['node1', 'node2']);
  // e1 prefers away from S2 (the incoming pod) in az1: −5. Raw −5/0 → 0/100
  assert.equal(r.raw, [-5, 0]);
  assert.equal(r.normalized, { node1: 0, node2: 100 });
});

score('"Affinity and Anti Affinity … the pod to schedule and existing pods have the same labels" → 100/0/100/100/0', () => {
  const nodes = [nodeWith('node1', ChinaAz1), nodeWith('node2', India), nodeWith('node3', China), nodeWith('node4', China), nodeWith('node5', India)];
  const existing = [pod('e1', 'node1', S1), pod('e2', 'node1', S1), pod('e3', 'node2', S1), pod('e4', 'node3', S1), pod('e5', 'node3', S1), pod('e6', 'node4', S1), pod('e7', 'node5', S1)];
  const { snapshot } = clusterOf(nodes, existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: stayWithS1InRegionAwayFromS2InAz }).info(), snapshot, ['node1', 'node2', 'node3', 'node4', 'node5']);
  // China: 5 S1 pods · 8 = 40; India: 2 · 8 = 16; no S2 pods. min 16 max 40: China 100, India 0
  assert.equal(r.raw, [40, 16, 40, 40, 16]);
  assert.equal(r.normalized, { node1: 100, node2: 0, node3: 100, node4: 100, node5: 0 });
});

score('"Affinity and Anti Affinity and symmetry": weights 8 / −5 / 8 / −5 → 100/0/100/0', () => {
  const nodes = [nodeWith('node1', China), nodeWith('node2', Az1), nodeWith('node3', India), nodeWith('node4', Az2)];
  const existing = [pod('e1', 'node1', S1), pod('e2', 'node2', S2), pod('e3', 'node3', {}, stayWithS1InRegionAwayFromS2InAz), pod('e4', 'node4', {}, awayFromS1InAz)];
  const { snapshot } = clusterOf(nodes, existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').spec({ affinity: stayWithS1InRegionAwayFromS2InAz }).info(), snapshot, ['node1', 'node2', 'node3', 'node4']);
  // node1: China +8 (e1 matches the pod's affinity); node2: az1 −5 (e2 is S2);
  // node3: India +8 (e3's affinity matches the S1 pod); node4: az2 −5 (e4's anti-affinity matches it).
  // min −5 max 8, diff 13: 100·13/13 = 100, 0, 100, 0
  assert.equal(r.raw, [8, -5, 8, -5]);
  assert.equal(r.normalized, { node1: 100, node2: 0, node3: 100, node4: 0 });
});

score('"Avoid panic when partial nodes in a topology don\'t have pods with affinity" → 0/0 (all equal)', () => {
  const existing = [pod('e1', 'node1', S1), pod('e2', 'node2', {}, stayWithS1InRegionAwayFromS2InAz)];
  const { snapshot } = clusterOf([nodeWith('node1', China), nodeWith('node2', China)], existing);
  const r = scoresOf(plugin(), makePod('p').label('security', 'S1').info(), snapshot, ['node1', 'node2']);
  // e2's affinity matches the incoming pod: China +8 on both nodes; max − min = 0 → every score 0
  assert.equal(r.raw, [8, 8]);
  assert.equal(r.normalized, { node1: 0, node2: 0 });
});

score('normalization truncates the float quotient: raw 1/2/4 → 0/33/100', () => {
  const nodes = [nodeWith('n1', { zone: 'z1' }), nodeWith('n2', { zone: 'z2' }), nodeWith('n3', { zone: 'z3' })];
  const existing = [pod('a', 'n1', S1), pod('b', 'n2', S1), pod('c', 'n2', S1), ...[1, 2, 3, 4].map((i) => pod(`d${i}`, 'n3', S1))];
  const { snapshot } = clusterOf(nodes, existing);
  const r = scoresOf(plugin(), makePod('p').spec({ affinity: preferredAffinity(1, term(inSel('security', 'S1'), 'zone')) }).info(), snapshot, ['n1', 'n2', 'n3']);
  // min 1 max 4 diff 3: int64(100·0/3) = 0, int64(100·(1/3)) = int64(33.33) = 33, 100
  assert.equal(r.raw, [1, 2, 4]);
  assert.equal(r.normalized, { n1: 0, n2: 33, n3: 100 });
});

score('ignorePreferredTermsOfExistingPods: a pod without preferred terms skips scoring', () => {
  const existing = [pod('e1', 'node1', S1, stayWithS1InRegion)];
  const { snapshot } = clusterOf(n3(China, India, Az1), existing);
  const p = makePod('p').label('security', 'S1').info();
  assert.equal(scoresOf(plugin(), p, snapshot, ['node1', 'node2', 'node3']).raw, [5, 0, 0]);
  assert.ok(scoresOf(plugin({ ignorePreferredTermsOfExistingPods: true }), p, snapshot, ['node1', 'node2', 'node3']).skipped);
});

score.run();

// ---- args and hints -----------------------------------------------------------------------------------------

const config = suite('InterPodAffinity args and events');

config('defaults and validation (ValidateInterPodAffinityArgs: hardPodAffinityWeight in [0, 100])', () => {
  assert.equal(parseInterPodAffinityArgs(undefined), { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
  assert.equal(parseInterPodAffinityArgs({ hardPodAffinityWeight: 0 }).hardPodAffinityWeight, 0);
  assert.equal(parseInterPodAffinityArgs({ hardPodAffinityWeight: 100 }).hardPodAffinityWeight, 100);
  for (const [args, msg] of [
    [{ hardPodAffinityWeight: 101 }, 'hardPodAffinityWeight: must be an integer in the range 0-100, got 101'],
    [{ hardPodAffinityWeight: -1 }, 'hardPodAffinityWeight: must be an integer in the range 0-100, got -1'],
    [{ hardPodAffinityWeight: 1.5 }, 'hardPodAffinityWeight:'],
    [{ ignorePreferredTermsOfExistingPods: 'yes' }, 'ignorePreferredTermsOfExistingPods: must be true or false'],
    [{ defaultingType: 'System' }, 'defaultingType: unknown field'],
  ] as const) {
    try {
      parseInterPodAffinityArgs(args as Json);
      assert.unreachable(`accepted ${JSON.stringify(args)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.ok((err as Error).message.startsWith(msg), (err as Error).message);
    }
  }
  assert.is(plugin().name, NAME);
});

config('eventsToRegister: hints follow plugin.go isSchedulableAfterPodChange / NodeChange', () => {
  const events = plugin().eventsToRegister();
  assert.equal(events.map((e) => e.event.resource), ['Pod', 'Node']);
  const p = makePod('p').label('app', 'web').spec({ affinity: { ...requiredAffinity(term(inSel('app', 'db'), 'zone')), ...requiredAnti(term(inSel('app', 'cache'), 'zone')) } }).info();
  const podHint = events[0]!.hint!;
  const j = (x: Pod) => x as unknown as Json;
  assert.is(podHint(p, undefined, j(pod('d', 'n1', { app: 'db' }))), 'Queue'); // affinity target added
  assert.is(podHint(p, undefined, j(pod('d', undefined, { app: 'db' }))), 'QueueSkip'); // not assigned
  assert.is(podHint(p, undefined, j(pod('x', 'n1', { app: 'x' }))), 'QueueSkip');
  assert.is(podHint(p, j(pod('c', 'n1', { app: 'cache' })), undefined), 'Queue'); // anti-affinity target deleted
  assert.is(podHint(p, j(pod('c', 'n1', { app: 'cache' })), j(pod('c', 'n1', { app: 'none' }))), 'Queue');
  // A deleted guard whose own anti-affinity matched the waiting pod.
  assert.is(podHint(p, j(pod('g', 'n1', { app: 'guard' }, requiredAnti(term(inSel('app', 'web'), 'zone')))), undefined), 'Queue');
  const nodeHint = events[1]!.hint!;
  assert.is(nodeHint(p, undefined, nodeWith('n', { zone: 'z' }) as unknown as Json), 'Queue');
  assert.is(nodeHint(p, undefined, nodeWith('n', { rack: 'r' }) as unknown as Json), 'QueueSkip');
});

config.run();

// ---- property: Filter (and raw Score) equal a plain scan of every pod ---------------------------------------

const property = suite('InterPodAffinity property: brute-force reference');

const NAMESPACES = ['default', 'other'];
const NS_LABELS: Record<string, Record<string, string>> = { default: { team: 'a' }, other: { team: 'b' } };
const KEYS = ['zone', HOST, 'rack'];

type Sel = { key: string; value: string; op: 'eq' | 'notin' };
interface RefTerm {
  key: string;
  sel: Sel;
  namespaces: string[];
  /** undefined: absent; 'all': {}; else team=value. */
  nsSel: undefined | 'all' | string;
}
interface RefWeighted {
  term: RefTerm;
  weight: number;
}
interface RefAffinity {
  reqAff: RefTerm[];
  reqAnti: RefTerm[];
  prefAff: RefWeighted[];
  prefAnti: RefWeighted[];
}
interface RefPod {
  name: string;
  node: string;
  namespace: string;
  labels: Record<string, string>;
  affinity: RefAffinity;
}
interface RefNode {
  name: string;
  labels: Record<string, string>;
}

function selMatches(s: Sel, labels: Record<string, string>): boolean {
  return s.op === 'eq' ? labels[s.key] === s.value : labels[s.key] !== s.value;
}

/** AffinityTerm.Matches, plainly; holderNs is the namespace of the pod that holds the term. */
function refTermMatches(t: RefTerm, holderNs: string, podNs: string, podLabels: Record<string, string>): boolean {
  const names = t.namespaces.length === 0 && t.nsSel === undefined ? [holderNs] : t.namespaces;
  const inNs = names.includes(podNs) || t.nsSel === 'all' || (t.nsSel !== undefined && NS_LABELS[podNs]?.['team'] === t.nsSel);
  return inNs && selMatches(t.sel, podLabels);
}

function referenceFilter(p: RefPod, nodes: RefNode[], pods: RefPod[]): Record<string, string> {
  const nodeOf = (q: RefPod) => nodes.find((n) => n.name === q.node)!;
  const out: Record<string, string> = {};
  for (const n of nodes) {
    out[n.name] = '';
    const aff = p.affinity.reqAff;
    if (aff.length > 0) {
      if (aff.some((t) => !(t.key in n.labels))) {
        out[n.name] = AFF;
        continue;
      }
      const all = pods.filter((q) => aff.every((t) => refTermMatches(t, p.namespace, q.namespace, q.labels)));
      const podsExist = aff.every((t) => all.some((q) => nodeOf(q).labels[t.key] !== undefined && nodeOf(q).labels[t.key] === n.labels[t.key]));
      if (!podsExist) {
        const noneCounted = !all.some((q) => aff.some((t) => t.key in nodeOf(q).labels));
        const selfMatches = aff.every((t) => refTermMatches(t, p.namespace, p.namespace, p.labels));
        if (!(noneCounted && selfMatches)) {
          out[n.name] = AFF;
          continue;
        }
      }
    }
    const violates = (t: RefTerm, holderNs: string, target: RefPod | { namespace: string; labels: Record<string, string> }, where: RefNode) =>
      t.key in n.labels && where.labels[t.key] === n.labels[t.key] && refTermMatches(t, holderNs, target.namespace, target.labels);
    if (p.affinity.reqAnti.some((t) => pods.some((q) => violates(t, p.namespace, q, nodeOf(q))))) {
      out[n.name] = ANTI;
      continue;
    }
    if (pods.some((q) => q.affinity.reqAnti.some((t) => violates(t, q.namespace, p, nodeOf(q))))) out[n.name] = EXISTING;
  }
  return out;
}

/** processExistingPod summed per node, plainly (hardPodAffinityWeight 1). */
function referenceRawScores(p: RefPod, nodes: RefNode[], pods: RefPod[]): number[] {
  return nodes.map((n) => {
    let s = 0;
    for (const q of pods) {
      const where = nodes.find((m) => m.name === q.node)!;
      const same = (key: string) => key in n.labels && where.labels[key] === n.labels[key];
      for (const w of p.affinity.prefAff) if (same(w.term.key) && refTermMatches(w.term, p.namespace, q.namespace, q.labels)) s += w.weight;
      for (const w of p.affinity.prefAnti) if (same(w.term.key) && refTermMatches(w.term, p.namespace, q.namespace, q.labels)) s -= w.weight;
      for (const t of q.affinity.reqAff) if (same(t.key) && refTermMatches(t, q.namespace, p.namespace, p.labels)) s += 1;
      for (const w of q.affinity.prefAff) if (same(w.term.key) && refTermMatches(w.term, q.namespace, p.namespace, p.labels)) s += w.weight;
      for (const w of q.affinity.prefAnti) if (same(w.term.key) && refTermMatches(w.term, q.namespace, p.namespace, p.labels)) s -= w.weight;
    }
    return s;
  });
}

function toTerm(t: RefTerm): PodAffinityTerm {
  const labelSelector: LabelSelector = t.sel.op === 'eq' ? { matchLabels: { [t.sel.key]: t.sel.value } } : { matchExpressions: [{ key: t.sel.key, operator: 'NotIn', values: [t.sel.value] }] };
  const out: { -readonly [K in keyof PodAffinityTerm]: PodAffinityTerm[K] } = { labelSelector, topologyKey: t.key };
  if (t.namespaces.length > 0) out.namespaces = t.namespaces;
  if (t.nsSel === 'all') out.namespaceSelector = {};
  else if (t.nsSel !== undefined) out.namespaceSelector = { matchLabels: { team: t.nsSel } };
  return out;
}

function toAffinity(a: RefAffinity): Affinity | undefined {
  const out: { podAffinity?: NonNullable<Affinity['podAffinity']>; podAntiAffinity?: NonNullable<Affinity['podAntiAffinity']> } = {};
  if (a.reqAff.length + a.prefAff.length > 0) {
    out.podAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: a.reqAff.map(toTerm),
      preferredDuringSchedulingIgnoredDuringExecution: a.prefAff.map((w) => ({ weight: w.weight, podAffinityTerm: toTerm(w.term) })),
    };
  }
  if (a.reqAnti.length + a.prefAnti.length > 0) {
    out.podAntiAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: a.reqAnti.map(toTerm),
      preferredDuringSchedulingIgnoredDuringExecution: a.prefAnti.map((w) => ({ weight: w.weight, podAffinityTerm: toTerm(w.term) })),
    };
  }
  return out.podAffinity === undefined && out.podAntiAffinity === undefined ? undefined : out;
}

function toPod(r: RefPod, assigned = true): Pod {
  return pod(r.name, assigned ? r.node : undefined, r.labels, toAffinity(r.affinity), r.namespace);
}

const selArb: fc.Arbitrary<Sel> = fc.record({ key: fc.constantFrom('app', 'tier'), value: fc.constantFrom('a', 'b', 'c'), op: fc.constantFrom('eq' as const, 'eq' as const, 'eq' as const, 'notin' as const) });
const termArb: fc.Arbitrary<RefTerm> = fc.record({
  key: fc.constantFrom(...KEYS),
  sel: selArb,
  namespaces: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray(NAMESPACES, { minLength: 1 }) }),
  nsSel: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('all') }, { weight: 1, arbitrary: fc.constantFrom('a', 'b') }),
});
const weightedArb = fc.record({ term: termArb, weight: fc.integer({ min: 1, max: 10 }) });
const existingAffinityArb: fc.Arbitrary<RefAffinity> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<RefAffinity>({ reqAff: [], reqAnti: [], prefAff: [], prefAnti: [] }) },
  {
    weight: 2,
    arbitrary: fc.record({
      reqAff: fc.array(termArb, { maxLength: 1 }),
      reqAnti: fc.array(termArb, { maxLength: 2 }),
      prefAff: fc.array(weightedArb, { maxLength: 1 }),
      prefAnti: fc.array(weightedArb, { maxLength: 1 }),
    }),
  },
);
const incomingAffinityArb: fc.Arbitrary<RefAffinity> = fc.record({
  reqAff: fc.array(termArb, { maxLength: 2 }),
  reqAnti: fc.array(termArb, { maxLength: 2 }),
  prefAff: fc.array(weightedArb, { maxLength: 2 }),
  prefAnti: fc.array(weightedArb, { maxLength: 1 }),
});
const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 2 });
const podArb = fc.record({ node: fc.nat(7), namespace: fc.constantFrom(...NAMESPACES), labels: labelsArb, affinity: existingAffinityArb });
const nodeArb = fc.record({ zone: fc.integer({ min: 0, max: 2 }), rack: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }) });
const clusterArb = fc.record({
  nodes: fc.array(nodeArb, { minLength: 1, maxLength: 8 }),
  pods: fc.array(podArb, { maxLength: 20 }),
  incoming: fc.record({ namespace: fc.constantFrom(...NAMESPACES), labels: labelsArb, affinity: incomingAffinityArb }),
  ops: fc.array(fc.oneof(fc.record({ add: podArb }), fc.record({ remove: fc.nat(30) })), { maxLength: 8 }),
  dryAdd: podArb,
  // Hostname labels one per node (the scorer reads such a topology per node), or two nodes sharing one,
  // or one node without it (both: summed per domain).
  hosts: fc.constantFrom('unique' as const, 'unique' as const, 'shared' as const, 'missing' as const),
});

property('random clusters (≤ 8 nodes, 3 zones, hostnames unique, shared or missing, ≤ 20 pods): Filter and raw Score = reference, through adds/removes and dry runs', () => {
  fc.assert(
    fc.property(clusterArb, (c) => {
      const refNodes: RefNode[] = c.nodes.map((n, i) => {
        const labels: Record<string, string> = { [HOST]: c.hosts === 'shared' && i === 1 ? 'n0' : `n${i}`, zone: `z${n.zone}` };
        if (c.hosts === 'missing' && i === 0) delete labels[HOST];
        if (n.rack !== undefined) labels['rack'] = n.rack;
        return { name: `n${i}`, labels };
      });
      const names = refNodes.map((n) => n.name);
      const place = (name: string, p: { node: number; namespace: string; labels: Record<string, string>; affinity: RefAffinity }): RefPod => ({
        name,
        node: `n${p.node % refNodes.length}`,
        namespace: p.namespace,
        labels: p.labels,
        affinity: p.affinity,
      });
      let refPods = c.pods.map((p, i) => place(`p${i}`, p));
      const cache = new NodeCache();
      for (const n of refNodes) cache.setNode(nodeWith(n.name, n.labels));
      for (const r of refPods) cache.addPod(makePodInfo(toPod(r)));
      const snapshot = new Snapshot();
      snapshot.update(cache);
      const pl = plugin();
      pl.setNamespaceLabels((ns) => NS_LABELS[ns]);
      const incomingRef: RefPod = { name: 'incoming', node: '', ...c.incoming };
      const incoming = makePodInfo(toPod(incomingRef, false));
      const check = (): void => {
        assert.equal(filterReasons(pl, incoming, snapshot, names), referenceFilter(incomingRef, refNodes, refPods));
        assert.equal(scoresOf(pl, incoming, snapshot, names).raw, referenceRawScores(incomingRef, refNodes, refPods));
      };
      check();
      let next = 100;
      for (const op of c.ops) {
        if ('add' in op) {
          const r = place(`p${next++}`, op.add);
          refPods = [...refPods, r];
          cache.addPod(makePodInfo(toPod(r)));
        } else if (refPods.length > 0) {
          const victim = refPods[op.remove % refPods.length]!;
          refPods = refPods.filter((q) => q !== victim);
          cache.removePod(`${victim.namespace}/${victim.name}`);
        }
        snapshot.update(cache);
        check();
      }
      // Preemption's dry runs as DefaultPreemption makes them: on a clone, each pod taken off (put on) the
      // snapshot's row and then through RemovePod (AddPod). PreFilter's state borrows the snapshot's
      // per-domain sums, so a clone that did not copy them would count each change twice. Filter equals the
      // reference after each step.
      const state = new CycleState();
      if (pl.preFilter(state, incoming, snapshot).status.code !== Code.Success) return;
      const dry = state.clone();
      const reasons = () => Object.fromEntries(names.map((n) => [n, reasonOf(pl.filter(dry, incoming, snapshot.rowOf(n))).text]));
      let now = refPods;
      const undo: (() => void)[] = [];
      // One pod taken off (-1) or put on (+1) its row, then RemovePod / AddPod on the clone; undone later.
      const dryRun = (p: RefPod, sign: 1 | -1): void => {
        const info = makePodInfo(toPod(p));
        const row = snapshot.rowOf(p.node);
        const before = snapshot.pods[row]!;
        if (sign < 0) snapshot.dryRunRemovePod(info, row, []);
        else snapshot.dryRunAddPod(info, row, []);
        undo.push(() => {
          if (sign < 0) snapshot.dryRunAddPod(info, row, []);
          else snapshot.dryRunRemovePod(info, row, []);
          snapshot.pods[row] = before;
        });
        if (sign < 0) pl.removePod(dry, incoming, info, row, snapshot);
        else pl.addPod(dry, incoming, info, row, snapshot);
      };
      if (now.length > 0) {
        dryRun(now[0]!, -1);
        now = now.slice(1);
        assert.equal(reasons(), referenceFilter(incomingRef, refNodes, now));
      }
      const added = place('dry-added', c.dryAdd);
      dryRun(added, 1);
      assert.equal(reasons(), referenceFilter(incomingRef, refNodes, [...now, added]));
      for (const u of undo.reverse()) u();
      // The original state, once the dry runs are undone, still answers for the unchanged cluster.
      assert.equal(Object.fromEntries(names.map((n) => [n, reasonOf(pl.filter(state, incoming, snapshot.rowOf(n))).text])), referenceFilter(incomingRef, refNodes, refPods));
    }),
    { numRuns: 300, seed: 20261128 },
  );
});

property.run();
