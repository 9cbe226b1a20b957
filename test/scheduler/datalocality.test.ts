// DataLocality: zonal datasets filter nodes, cached datasets raise the score. drydock's own plugin; the
// filter is shaped like VolumeZone, the score like ImageLocality. Score = ⌊50·(z + c)/n⌋ for n datasets,
// z in the node's zone (or of unknown zone), c cached on the node.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, ConfigError, CycleState, reasonOf, type PluginHandle } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import { ZONE_LABEL, type Snapshot } from '../../src/scheduler/snapshot.js';
import { labelKeyProblem } from '../../src/api/index.js';
import {
  DATASETS_ANNOTATION,
  DATASET_ZONES_ANNOTATION,
  DataLocality,
  NAME,
  datasetCacheLabel,
  newDataLocality,
  parseDatasetZones,
} from '../../src/scheduler/plugins/datalocality.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const handle = (args?: unknown): PluginHandle => (args === undefined ? { args: undefined, profileName: 'test' } : { args: args as never, profileName: 'test' });
const registry = [
  { name: 'imagenet', zone: 'us-east-1a' },
  { name: 'coco', zone: 'us-east-1b' },
];
const plugin = (datasets: unknown = registry) => newDataLocality(handle({ datasets })) as DataLocality;

function node(name: string, zone: string | undefined, ...cached: string[]) {
  let b = makeNode(name).capacity({ cpu: '8', memory: '32Gi' });
  if (zone !== undefined) b = b.label(ZONE_LABEL, zone);
  for (const d of cached) b = b.label(datasetCacheLabel(d), 'true');
  return b.obj();
}

function reading(datasets: string, zones?: string): PodInfo {
  let b = makePod('p').req({ cpu: '1' }).annotation(DATASETS_ANNOTATION, datasets);
  if (zones !== undefined) b = b.annotation(DATASET_ZONES_ANNOTATION, zones);
  return b.info();
}

/** Filter's reason text per node ('' = fits). */
function filterTexts(p: DataLocality, pod: PodInfo, snapshot: Snapshot, ...names: string[]): string[] {
  const state = new CycleState();
  assert.is(p.preFilter(state, pod, snapshot).status.code, Code.Success);
  return rows(snapshot, ...names).map((r) => reasonOf(p.filter(state, pod, r, snapshot)).text);
}

const cluster = () =>
  clusterOf([
    node('a1', 'us-east-1a', 'imagenet'),
    node('a2', 'us-east-1a'),
    node('b1', 'us-east-1b', 'coco', 'imagenet'),
    node('nozone', undefined, 'imagenet'),
  ]).snapshot;

// ---------------------------------------------------------------------------------------------------------

const filter = suite('DataLocality Filter');

filter('nodes outside a dataset\'s zone are UnschedulableAndUnresolvable; a node without a zone label is outside', () => {
  const snapshot = cluster();
  const notA = 'node(s) are not in the zone of dataset imagenet (us-east-1a)';
  // imagenet lives in us-east-1a (args): b1 caches it but is in us-east-1b — the zone decides, not the cache.
  assert.equal(filterTexts(plugin(), reading('imagenet'), snapshot, 'a1', 'a2', 'b1', 'nozone'), ['', '', notA, notA]);
  const state = new CycleState();
  const p = plugin();
  p.preFilter(state, reading('imagenet'), snapshot);
  const id = p.filter(state, reading('imagenet'), rows(snapshot, 'b1')[0]!, snapshot);
  assert.is(reasonOf(id).code, Code.UnschedulableAndUnresolvable);
  // The reason is registered once per dataset and zone: a second pod gets the same id.
  const again = new CycleState();
  p.preFilter(again, reading('imagenet,other'), snapshot);
  assert.is(p.filter(again, reading('imagenet,other'), rows(snapshot, 'b1')[0]!, snapshot), id);
});

filter('two datasets in different zones: no node is in both; the first failing dataset is reported', () => {
  const snapshot = cluster();
  const notA = 'node(s) are not in the zone of dataset imagenet (us-east-1a)';
  const notB = 'node(s) are not in the zone of dataset coco (us-east-1b)';
  assert.equal(filterTexts(plugin(), reading('imagenet,coco'), snapshot, 'a1', 'b1', 'nozone'), [notB, notA, notA]);
});

filter('the pod annotation gives zones the args do not list; the args win where both do', () => {
  const snapshot = cluster();
  // laion is not in the args: its zone comes from the pod, us-east-1b.
  assert.equal(filterTexts(plugin(), reading('laion', 'laion=us-east-1b'), snapshot, 'a1', 'b1'), [
    'node(s) are not in the zone of dataset laion (us-east-1b)',
    '',
  ]);
  // The pod says imagenet is in us-east-1b; the registry says us-east-1a and wins.
  assert.equal(filterTexts(plugin(), reading('imagenet', 'imagenet=us-east-1b'), snapshot, 'a1', 'b1'), [
    '',
    'node(s) are not in the zone of dataset imagenet (us-east-1a)',
  ]);
  // Without args, the annotation alone.
  assert.equal(filterTexts(plugin([]), reading('imagenet', 'imagenet=us-east-1b'), snapshot, 'a1', 'b1'), [
    'node(s) are not in the zone of dataset imagenet (us-east-1b)',
    '',
  ]);
});

filter('a dataset of unknown zone constrains nothing; a zone no node is in rejects every node', () => {
  const snapshot = cluster();
  assert.equal(filterTexts(plugin(), reading('unknown'), snapshot, 'a1', 'b1', 'nozone'), ['', '', '']);
  const none = 'node(s) are not in the zone of dataset far (eu-west-1a)';
  assert.equal(filterTexts(plugin(), reading('far', 'far=eu-west-1a'), snapshot, 'a1', 'b1', 'nozone'), [none, none, none]);
});

filter('a pod that names no data is skipped (the plugin is off), and Filter admits every node', () => {
  const snapshot = cluster();
  const pod = makePod('p').req({ cpu: '1' }).info();
  const state = new CycleState();
  const p = plugin();
  assert.is(p.preFilter(state, pod, snapshot).status.code, Code.Skip);
  assert.is(p.filter(state, pod, rows(snapshot, 'b1')[0]!, snapshot), 0);
  assert.is(p.preScore(state, pod, new Int32Array(0), 0, snapshot).code, Code.Skip);
  // An empty or blank annotation names no data either.
  assert.is(p.preFilter(new CycleState(), reading(' , '), snapshot).status.code, Code.Skip);
});

// ---------------------------------------------------------------------------------------------------------

const score = suite('DataLocality Score');

function scores(p: DataLocality, pod: PodInfo, snapshot: Snapshot, withPreFilter: boolean, ...names: string[]): number[] {
  const state = new CycleState();
  if (withPreFilter) p.preFilter(state, pod, snapshot);
  const rs = rows(snapshot, ...names);
  assert.is(p.preScore(state, pod, Int32Array.from(rs), rs.length, snapshot).code, Code.Success);
  return rs.map((r) => p.score(state, pod, r, snapshot));
}

score('caching nodes first: ⌊50·(z + c)/n⌋ among nodes in the zone', () => {
  const snapshot = clusterOf([
    node('all', 'us-east-1a', 'imagenet', 'x', 'y'),
    node('two', 'us-east-1a', 'imagenet', 'x'),
    node('one', 'us-east-1a', 'y'),
    node('none', 'us-east-1a'),
  ]).snapshot;
  // imagenet (us-east-1a), x and y (zone unknown: count as in zone): n = 3, z = 3 on every node here.
  // all: ⌊50·(3 + 3)/3⌋ = 100; two: ⌊50·(3 + 2)/3⌋ = ⌊250/3⌋ = 83; one: ⌊50·4/3⌋ = 66; none: ⌊50·3/3⌋ = 50.
  assert.equal(scores(plugin(), reading('imagenet,x,y'), snapshot, true, 'all', 'two', 'one', 'none'), [100, 83, 66, 50]);
});

score('only the value "true" marks a cache; duplicate dataset names count once', () => {
  const snapshot = clusterOf([makeNode('n').label(ZONE_LABEL, 'us-east-1a').label(datasetCacheLabel('imagenet'), 'yes').obj()]).snapshot;
  // "yes" is not "true": c = 0 → ⌊50·(1 + 0)/1⌋ = 50. "imagenet,imagenet" is one dataset, n = 1.
  assert.equal(scores(plugin(), reading('imagenet,imagenet'), snapshot, true, 'n'), [50]);
});

score('score-only profile (no Filter): nodes out of zone lose the zone half', () => {
  const snapshot = cluster();
  // imagenet (us-east-1a) and coco (us-east-1b): n = 2.
  // a1: z = 1 (imagenet), c = 1 (imagenet) → ⌊50·2/2⌋ = 50.
  // b1: z = 1 (coco), c = 2 → ⌊50·3/2⌋ = 75.
  // nozone: z = 0, c = 1 (imagenet) → ⌊50·1/2⌋ = 25.
  // a2: z = 1, c = 0 → ⌊50·1/2⌋ = 25.
  assert.equal(scores(plugin(), reading('imagenet,coco'), snapshot, false, 'a1', 'b1', 'nozone', 'a2'), [50, 75, 25, 25]);
});

// ---------------------------------------------------------------------------------------------------------

const args = suite('DataLocality args');

args('defaults to no registry; validates names, zones and fields with the field path', () => {
  assert.equal((newDataLocality(handle()) as DataLocality).args.datasets, []);
  assert.equal((newDataLocality(handle({})) as DataLocality).args.datasets, []);
  assert.is(plugin().name, NAME);
  assert.is(NAME, 'DataLocality');
  assert.equal((newDataLocality(handle({ kind: 'DataLocalityArgs', datasets: [{ name: 'a', zone: 'z' }] })) as DataLocality).args.datasets, [{ name: 'a', zone: 'z' }]);
  const longName = 'd'.repeat(50); // "dataset-cache." (14) + 50 = 64 > 63
  const bad: [unknown, string][] = [
    [{ datasets: [{ name: 'a', zone: 'z1' }, { name: 'b', zone: 'z2' }, { name: 'a', zone: 'z3' }] }, 'datasets[2].name: duplicate dataset "a" (also datasets[0])'],
    [{ datasets: [{ name: 'a', zone: '' }] }, 'datasets[0].zone: must be a non-empty string, got ""'],
    [{ datasets: [{ name: 'a' }] }, 'datasets[0].zone: must be a non-empty string, got undefined'],
    [{ datasets: [{ name: '', zone: 'z' }] }, 'datasets[0].name: must be a non-empty string, got ""'],
    [{ datasets: [{ name: 'a', zone: 'z', size: 3 }] }, 'datasets[0].size: unknown field (a dataset has "name" and "zone")'],
    [{ datasets: ['a'] }, 'datasets[0]: must be an object {name, zone}, got "a"'],
    [{ datasets: { a: 'z' } }, 'datasets: must be a list of {name, zone}, got {"a":"z"}'],
    [{ dataset: [] }, 'dataset: unknown field (DataLocality args have only "datasets")'],
    [
      { datasets: [{ name: 'my data', zone: 'z' }] },
      `datasets[0].name: dataset "my data" cannot name a cache label: ${labelKeyProblem('drydock.io/dataset-cache.my data')!}`,
    ],
    [
      { datasets: [{ name: longName, zone: 'z' }] },
      `datasets[0].name: dataset "${longName}" cannot name a cache label: "drydock.io/dataset-cache.${longName}" is not a valid label key: the name part is longer than 63 characters`,
    ],
  ];
  for (const [raw, message] of bad) {
    try {
      newDataLocality(handle(raw));
      assert.unreachable(`accepted ${JSON.stringify(raw)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as Error).message, message);
    }
  }
  // Dots, dashes and underscores are fine in the cache label's name part; 49 characters is the limit.
  assert.is(labelKeyProblem(datasetCacheLabel('imagenet-1k.v2_train')), undefined);
  newDataLocality(handle({ datasets: [{ name: 'imagenet-1k.v2_train', zone: 'z' }, { name: 'd'.repeat(49), zone: 'z' }] }));
});

args('the dataset-zones annotation: name=zone items, malformed ones ignored, the first of a name wins', () => {
  assert.equal([...parseDatasetZones('a=us-east-1a, b = us-east-1b,bad,=z,c=,a=other')], [
    ['a', 'us-east-1a'],
    ['b', 'us-east-1b'],
  ]);
  assert.equal([...parseDatasetZones(undefined)], []);
});

for (const s of [filter, score, args]) s.run();
