// ImageLocality, every vector of the newer image_locality_test.go TestImageLocalityPriority (reference §3.5).
// MB = 1024 * 1024; minThreshold = 23 MB; maxThreshold = 1000 MB * containers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, CycleState } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import { ImageLocality, MAX_CONTAINER_THRESHOLD, MIN_THRESHOLD, NAME, calculatePriority, newImageLocality } from '../../src/scheduler/plugins/imagelocality.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const MB = 1024 * 1024;
const plugin = newImageLocality({ args: undefined, profileName: 'default-scheduler' }) as ImageLocality;

type Images = { names: string[]; sizeBytes: number }[];
const img = (sizeMB: number, ...names: string[]) => ({ names: names.length > 0 ? names : [`gcr.io/${sizeMB}:latest`], sizeBytes: sizeMB * MB });

// The node image lists of the upstream test.
const node403002000: Images = [img(40, 'gcr.io/40:latest', 'gcr.io/40:v1', 'gcr.io/40:v1'), img(300, 'gcr.io/300:latest', 'gcr.io/300:v1'), img(2000)];
const node25010: Images = [img(250), img(10, 'gcr.io/10:latest', 'gcr.io/10:v1')];
const node60040900: Images = [img(600), img(40), img(900)];
const node300600900: Images = [img(300), img(600), img(900)];
const node400030: Images = [img(4000), img(30)];
const node203040: Images = [img(20), img(30), img(40)];
const nodeWithNoImages: Images = [];

/** A pod with one container per image (untagged, as in the upstream test: normalised to ":latest"). */
const podWithImages = (...images: string[]): PodInfo => {
  const b = makePod('p');
  for (const i of images) b.container(i);
  return b.info();
};

function scoresOf(pod: PodInfo, nodes: Images[]): number[] {
  const names = nodes.map((_, i) => `node${i + 1}`);
  const { snapshot } = clusterOf(nodes.map((images, i) => makeNode(names[i]!).images(images).obj()));
  return rows(snapshot, ...names).map((r) => plugin.score(new CycleState(), pod, r, snapshot));
}

const vectors = suite('ImageLocality Score (upstream TestImageLocalityPriority)');

vectors('every vector, with its arithmetic', () => {
  const table: [string, PodInfo, Images[], number[]][] = [
    [
      // node1: gcr.io/40 on 1 of 2 nodes → 40 MB * 1/2 = 20 MB < 23 MB → 0
      // node2: gcr.io/250 on 1 of 2 → 125 MB; 100 * (125 - 23) / (2000 - 23) = 10200 / 1977 = 5
      'two images spread on two nodes, prefer the larger image one',
      podWithImages('gcr.io/40', 'gcr.io/250'),
      [node403002000, node25010],
      [0, 5],
    ],
    [
      // node1: (40 + 300) * 1/2 = 170 MB; 100 * (170 - 23) / 1977 = 14700 / 1977 = 7; node2 has neither → 0
      'two images on one node, prefer this node',
      podWithImages('gcr.io/40', 'gcr.io/300'),
      [node403002000, node25010],
      [7, 0],
    ],
    [
      // node1: 4000 MB * 1/2 = 2000 MB ≥ 2 * 1000 MB → clamped → 100; node2: 10 MB * 1/2 = 5 MB < 23 MB → 0
      'if exceed limit, use limit',
      podWithImages('gcr.io/10', 'gcr.io/4000'),
      [node400030, node25010],
      [100, 0],
    ],
    [
      // 3 nodes: node1: int64(4000 MB * 1/3) = 1398101333 B; 100 * (1398101333 - 23 MB) / (2000 MB - 23 MB)
      //   = 100 * 1373984085 / 2073034752 = 66; node2: 10 MB / 3 < 23 MB → 0; node3: nothing → 0
      'if exceed limit, use limit (with node which has no images present)',
      podWithImages('gcr.io/10', 'gcr.io/4000'),
      [node400030, node25010, nodeWithNoImages],
      [66, 0, 0],
    ],
    [
      // spread: 300 on 1/3 nodes, 600 and 900 on 2/3. max = 3000 MB.
      // node1: 600 * 2/3 + 900 * 2/3 = 1000 MB; 100 * (1000 - 23) / (3000 - 23) = 97700 / 2977 = 32
      // node2: 300 * 1/3 + 600 * 2/3 + 900 * 2/3 = 1100 MB; 100 * 1077 / 2977 = 36; node3 → 0
      'pod with multiple large images, node2 is preferred',
      podWithImages('gcr.io/300', 'gcr.io/600', 'gcr.io/900'),
      [node60040900, node300600900, nodeWithNoImages],
      [32, 36, 0],
    ],
    [
      // node1: 30 MB on 2/2 nodes + 40 MB on 1/2 = 30 + 20 = 50 MB; 100 * (50 - 23) / 1977 = 2700 / 1977 = 1
      // node2: 30 MB * 2/2 = 30 MB; 100 * 7 / 1977 = 0
      'pod with multiple small images',
      podWithImages('gcr.io/30', 'gcr.io/40'),
      [node203040, node400030],
      [1, 0],
    ],
    [
      // init containers count: 2 containers → max 2000 MB.
      // node1: 300 MB * 1/2 = 150 MB; 100 * (150 - 23) / 1977 = 12700 / 1977 = 6; node2: 30 MB * 1/2 = 15 MB → 0
      'include InitContainers: two images spread on two nodes, prefer the larger image one',
      makePod('p').container('gcr.io/30').spec({ initContainers: [{ name: 'init', image: 'gcr.io/300' }] }).info(),
      [node403002000, node203040],
      [6, 0],
    ],
  ];
  for (const [name, pod, nodes, want] of table) assert.equal(scoresOf(pod, nodes), want, name);
});

const rules = suite('ImageLocality details');

rules('calculatePriority clamps to the thresholds and divides as int64', () => {
  assert.is(MIN_THRESHOLD, 23 * MB);
  assert.is(MAX_CONTAINER_THRESHOLD, 1000 * MB);
  assert.is(calculatePriority(0, 2), 0, 'below 23 MB → 0');
  assert.is(calculatePriority(10_000 * MB, 2), 100, 'above 2000 MB → 100');
  // 100 * (523 - 23) MB / (1000 - 23) MB = 50000 / 977 = 51 (51.18 truncated)
  assert.is(calculatePriority(523 * MB, 1), 51);
  // no containers: max 0, Go computes 100 * 0 / (0 - 23 MB) = 0 (and not -0)
  assert.ok(Object.is(calculatePriority(0, 0), 0));
});

rules('names: pod images are normalised, node names are taken as reported (cache.go addNodeImageStates)', () => {
  const { snapshot } = clusterOf([
    makeNode('tagged').images([img(1000, 'nginx:latest')]).obj(),
    makeNode('untagged').images([img(1000, 'nginx')]).obj(),
    makeNode('digest').images([img(1000, 'nginx@sha256:abc')]).obj(),
  ]);
  const [tagged, untagged, digest] = rows(snapshot, 'tagged', 'untagged', 'digest');
  const score = (pod: PodInfo, row: number) => plugin.score(new CycleState(), pod, row, snapshot);
  // "nginx" → "nginx:latest", held by 1 of 3 nodes: int64(1000 MB / 3) = 349525333 B;
  // 100 * (349525333 - 24117248) / (1048576000 - 24117248) = 100 * 325408085 / 1024458752 = 31
  assert.is(score(podWithImages('nginx'), tagged!), 31);
  assert.is(score(podWithImages('nginx'), untagged!), 0, 'upstream looks the normalised name up as is');
  assert.is(score(podWithImages('nginx@sha256:abc'), digest!), 31, 'digests are kept as they are');
});

rules('the spread factor follows the snapshot as nodes come and go', () => {
  const { cache, snapshot } = clusterOf([makeNode('a').images([img(1000)]).obj(), makeNode('b').obj()]);
  const pod = podWithImages('gcr.io/1000');
  const [a] = rows(snapshot, 'a');
  // 1 of 2 nodes: 500 MB; 100 * (500 - 23) / (1000 - 23) = 47700 / 977 = 48
  assert.is(plugin.score(new CycleState(), pod, a!, snapshot), 48);
  cache.setNode(makeNode('b').images([img(1000)]).obj());
  snapshot.update(cache);
  // 2 of 2 nodes: 1000 MB → 100
  assert.is(plugin.score(new CycleState(), pod, a!, snapshot), 100);
  cache.removeNode('b');
  cache.setNode(makeNode('c').obj());
  cache.setNode(makeNode('d').obj());
  snapshot.update(cache);
  // 1 of 3 nodes: int64(1000 MB / 3) = 349525333 B → 31 (as above)
  assert.is(plugin.score(new CycleState(), pod, a!, snapshot), 31);
});

rules('name and args', () => {
  assert.is(plugin.name, NAME);
  assert.is(NAME, 'ImageLocality');
  assert.throws(() => newImageLocality({ args: { threshold: 1 }, profileName: 'p' }), (err: unknown) => err instanceof ConfigError && /^threshold: unknown field/.test((err as Error).message));
});

for (const s of [vectors, rules]) s.run();
