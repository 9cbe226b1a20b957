// Kubernetes manifests as a workload: a folder of multi-document YAML with real fields, the timing
// annotations, kind: List, and the exact lines printed for YAML errors, unknown kinds and bad annotations.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from '../../src/cli/errors.js';
import { loadManifests, loadWorkload, parseManifests } from '../../src/workload/index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/workload/fixtures/', import.meta.url));

type J = Record<string, any>; // JSON objects, navigated freely in assertions

function errorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UserInputError);
    return (err as Error).message.split('\n');
  }
  assert.unreachable('expected a UserInputError');
  return [];
}

const m = suite('manifests');

m('a folder: files sorted by name, documents in order, every kind passed through with its fields', () => {
  const { objects, inputs } = loadManifests(join(FIXTURES, 'manifests'));
  assert.equal(inputs.map((i) => i.file.slice(FIXTURES.length)), ['manifests/01-setup.yaml', 'manifests/02-apps.yaml']);
  assert.equal(
    objects.map((o) => [o.resource, o.source.slice(FIXTURES.length)]),
    [
      ['namespaces', 'manifests/01-setup.yaml:2'], // line 1 is a comment
      ['priorityclasses', 'manifests/01-setup.yaml:7'],
      ['runtimeclasses', 'manifests/01-setup.yaml:13'],
      ['deployments', 'manifests/02-apps.yaml:1'],
      ['services', 'manifests/02-apps.yaml:23'],
      ['jobs', 'manifests/02-apps.yaml:33'],
      ['pods', 'manifests/02-apps.yaml:53'],
      ['poddisruptionbudgets', 'manifests/02-apps.yaml:66'],
      ['replicasets', 'manifests/02-apps.yaml:76'],
    ],
  );
  const pc = objects[1]!.object as J;
  assert.equal([pc['value'], (objects[2]!.object as J)['handler']], [1000, 'runsc']);
  const svc = objects[4]!.object as J;
  assert.equal(svc['spec'], { selector: { app: 'web' }, ports: [{ port: 80 }] });
});

m('timing: drydock.io/arrival on any object, drydock.io/duration copied to the pods\' duration-seconds', () => {
  const { objects } = loadManifests(join(FIXTURES, 'manifests', '02-apps.yaml'));
  const byName = new Map(objects.map((o) => [`${o.resource}/${(o.object as J)['metadata']['name']}`, o]));
  // Deployment web: arrival 5m = 300 s; duration 1h on the Deployment → template duration-seconds 3600.
  const web = byName.get('deployments/web')!;
  assert.is(web.arrivalMs, 300_000);
  assert.equal((web.object as J)['spec']['template']['metadata'], { labels: { app: 'web' }, annotations: { 'drydock.io/duration-seconds': '3600' } });
  // Job report: arrival "90" = 90 s; duration 10m on the template → 600 s.
  const job = byName.get('jobs/report')!;
  assert.is(job.arrivalMs, 90_000);
  assert.is((job.object as J)['spec']['template']['metadata']['annotations']['drydock.io/duration-seconds'], '600');
  // Pod one-off: arrival 1h30m = 3600 + 1800 = 5400 s; duration "45" → 45 s on the pod itself.
  const pod = byName.get('pods/one-off')!;
  assert.is(pod.arrivalMs, 5_400_000);
  assert.is((pod.object as J)['metadata']['annotations']['drydock.io/duration-seconds'], '45');
  // No annotations: at the start, and no duration (runs until the end).
  const rs = byName.get('replicasets/cache')!;
  assert.is(rs.arrivalMs, 0);
  assert.is((rs.object as J)['spec']['template']['metadata']['annotations'], undefined);
});

m('loadWorkload orders a folder by arrival', async () => {
  const w = await loadWorkload([join(FIXTURES, 'manifests')]);
  assert.equal(w.objects.map((o) => o.arrivalMs), [0, 0, 0, 0, 0, 0, 90_000, 300_000, 5_400_000]);
  assert.is(w.nodes.length, 0);
});

m('kind: List is expanded into its items', () => {
  const objects = parseManifests('apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: b}\n', 'l.yaml');
  assert.equal(objects.map((o) => [o.resource, o.source]), [['pods', 'l.yaml:4'], ['services', 'l.yaml:7']]);
});

m('YAML errors: FILE:LINE:COL: message', () => {
  assert.equal(errorLines(() => loadManifests(join(FIXTURES, 'bad-syntax.yaml'))), [
    // The flow map opened on line 5 is still open where line 6 starts at column 1.
    `${join(FIXTURES, 'bad-syntax.yaml')}:6:1: Flow map in block collection must be sufficiently indented and end with a }`,
  ]);
  assert.equal(errorLines(() => parseManifests('metadata:\n  name: "abc\n', 'x.yaml')), ['x.yaml:3:1: Missing closing "quote']);
  assert.equal(errorLines(() => parseManifests('kind: Pod\nkind: Pod\n', 'x.yaml')), ['x.yaml:2:1: Map keys must be unique']);
  assert.equal(errorLines(() => parseManifests('metadata:\n\tname: x\n', 'x.yaml')), ['x.yaml:2:1: Tabs are not allowed as indentation']);
});

m('unknown kinds, wrong apiVersions and bad timing annotations: all listed, with the line', () => {
  const file = join(FIXTURES, 'bad-kinds.yaml');
  assert.equal(errorLines(() => loadManifests(file)), [
    `${file}:9: kind "StatefulSet" is not one drydock simulates (expected Pod, Deployment, ReplicaSet, Job, Service, PriorityClass, PodDisruptionBudget, RuntimeClass, Namespace)`,
    `${file}:18: Pod "late": annotation "drydock.io/arrival": "soon" is not a time (expected seconds like 90 or 2.5, or a duration like 90s, 5m, 1h30m, 250ms)`,
    `${file}:20: Deployment: apiVersion "extensions/v1beta1" (expected apps/v1)`,
  ]);
  assert.equal(errorLines(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    drydock.io/duration: -5m\n', 'n.yaml')), [
    'n.yaml:6: Pod "p": annotation "drydock.io/duration": "-5m" is negative (expected seconds like 90 or 2.5, or a duration like 90s, 5m, 1h30m, 250ms, at least 0)',
  ]);
  assert.equal(errorLines(() => parseManifests('- a\n- b\n---\nkind: Pod\n', 'o.yaml')), [
    'o.yaml:1: a document is not an object (expected a Kubernetes object with apiVersion and kind)',
    'o.yaml:4: Pod: apiVersion null (expected v1)',
  ]);
});

m('a folder without YAML, and a missing path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-manifests-'));
  try {
    writeFileSync(join(dir, 'readme.txt'), 'x');
    assert.equal(errorLines(() => loadManifests(dir)), [`${dir}: a folder without .yaml or .yml files (expected Kubernetes manifests)`]);
    assert.equal(errorLines(() => loadManifests(join(dir, 'nope.yaml'))), [`${join(dir, 'nope.yaml')}: cannot be read: ENOENT (expected a YAML file or a folder of them)`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

m.run();
