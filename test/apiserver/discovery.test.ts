import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kinds } from '../../src/api/index.js';
import type { Kind } from '../../src/api/index.js';
import {
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3GroupVersion,
  openApiV3Hash,
  openApiV3Path,
  openApiV3Root,
  servedGroupVersions,
  subresources,
  version,
} from '../../src/apiserver/discovery.js';
import type { APIResource, OpenAPIV3Document } from '../../src/apiserver/discovery.js';

const kindNames = Object.keys(kinds) as Kind[];
const gvOf = (k: Kind): string => kinds[k].apiVersion;
const jsonRoundTrip = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

test('/version: 1.32 with drydock build metadata', () => {
  const v = version({ buildDate: '2024-05-01T00:00:00Z', platform: 'linux/amd64' });
  assert.is(v.major, '1');
  assert.is(v.minor, '32');
  assert.is(v.gitVersion, 'v1.32.0+drydock');
  assert.ok(/^v\d+\.\d+\.\d+/.test(v.gitVersion)); // what version parsers read
  assert.is(v.buildDate, '2024-05-01T00:00:00Z');
  assert.is(v.platform, 'linux/amd64');
  assert.equal(Object.keys(v).sort(), ['buildDate', 'compiler', 'gitCommit', 'gitTreeState', 'gitVersion', 'goVersion', 'major', 'minor', 'platform']);
});

test('/api: legacy APIVersions with the server address', () => {
  assert.equal(apiVersions('127.0.0.1:18080'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:18080' }],
  });
});

test('/apis: every named group of the kinds table, each with a preferred version it serves', () => {
  const list = apiGroupList();
  assert.is(list.kind, 'APIGroupList');
  assert.is(list.apiVersion, 'v1');
  const expectedGroups = new Set(kindNames.map((k) => kinds[k].group).filter((g) => g !== ''));
  assert.equal(new Set(list.groups.map((g) => g.name)), expectedGroups);
  assert.is(list.groups.length, expectedGroups.size, 'each group once');
  for (const g of list.groups) {
    assert.ok(g.versions.length > 0, g.name);
    assert.ok(g.versions.some((v) => v.groupVersion === g.preferredVersion.groupVersion), `${g.name}: preferred version is served`);
    for (const v of g.versions) {
      assert.is(v.groupVersion, `${g.name}/${v.version}`);
      assert.ok(apiResourceList(v.groupVersion) !== undefined, `${v.groupVersion} has a resource list`);
    }
  }
  // kube-apiserver's priority order: apps before batch before policy before scheduling, coordination, node; then
  // groups it does not know (drydock.io), as CRDs come last.
  assert.equal(
    list.groups.map((g) => g.name),
    ['apps', 'batch', 'policy', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'drydock.io'],
  );
});

test('resource lists: every kind exactly once, in its own group version, with its names and scope', () => {
  const seen = new Map<Kind, number>();
  for (const gv of servedGroupVersions()) {
    const list = apiResourceList(gv)!;
    assert.is(list.groupVersion, gv);
    // /api/v1 carries no apiVersion, /apis/<g>/<v> does (as kube-apiserver answers).
    if (gv.includes('/')) assert.is(list.apiVersion, 'v1');
    else assert.ok(!('apiVersion' in list));
    const names = list.resources.map((r) => r.name);
    assert.equal(names, [...names].sort(), `${gv}: sorted by name`);
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      const k = r.kind as Kind;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      const info = kinds[k];
      assert.is(gvOf(k), gv, `${k} is listed in ${gv}`);
      assert.is(r.name, info.resource);
      assert.is(r.singularName, info.singularName);
      assert.is(r.namespaced, info.namespaced);
      assert.equal(r.shortNames ?? [], info.shortNames, `${k} short names`);
      assert.ok(r.verbs.includes('watch') && r.verbs.includes('list') && r.verbs.includes('create'), `${k} verbs`);
    }
  }
  for (const k of kindNames) assert.is(seen.get(k), 1, `${k} listed exactly once`);
  assert.is(apiResourceList('nope/v1'), undefined);
  assert.is(apiResourceList('v2'), undefined);
});

test('/api/v1 resource entries match upstream shapes', () => {
  const byName = new Map<string, APIResource>(apiResourceList('v1')!.resources.map((r) => [r.name, r]));
  assert.equal(jsonRoundTrip(byName.get('pods')), {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  });
  assert.equal(jsonRoundTrip(byName.get('pods/status')), { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
  assert.equal(jsonRoundTrip(byName.get('pods/binding')), { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  assert.equal(jsonRoundTrip(byName.get('nodes/status')), { name: 'nodes/status', singularName: '', namespaced: false, kind: 'Node', verbs: ['get', 'patch', 'update'] });
  // Upstream serves no deletecollection on namespaces; secrets have no short name and are not in "all".
  assert.equal(byName.get('namespaces')!.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.ok(!('shortNames' in byName.get('secrets')!) && !('categories' in byName.get('secrets')!));
});

test('"all" category holds exactly the kinds upstream puts there; subresources are the served ones', () => {
  const inAll = servedGroupVersions()
    .flatMap((gv) => apiResourceList(gv)!.resources)
    .filter((r) => r.categories?.includes('all'))
    .map((r) => r.kind)
    .sort();
  assert.equal(inAll, ['Deployment', 'Job', 'Pod', 'ReplicaSet', 'Service']);
  const subs = servedGroupVersions()
    .flatMap((gv) => apiResourceList(gv)!.resources)
    .filter((r) => r.name.includes('/'))
    .map((r) => r.name)
    .sort();
  assert.equal(subs, ['deployments/status', 'jobs/status', 'nodepools/status', 'nodes/status', 'pods/binding', 'pods/status', 'replicasets/status']);
  assert.is(subs.length, subresources.length);
});

test('/openapi/v3 root lists every served group version with a stable content hash', () => {
  const root = openApiV3Root();
  assert.equal(Object.keys(root.paths).sort(), servedGroupVersions().map(openApiV3Path).sort());
  assert.ok('api/v1' in root.paths && 'apis/apps/v1' in root.paths && 'apis/drydock.io/v1' in root.paths);
  for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
    const m = /^\/openapi\/v3\/(.+)\?hash=([0-9A-F]{128})$/.exec(serverRelativeURL);
    assert.ok(m, serverRelativeURL);
    assert.is(m[1], key);
    assert.is(m[2], openApiV3Hash(key)); // upper-case hex SHA-512 of the document
  }
  assert.equal(openApiV3Root(), root, 'same hashes on every call');
  assert.is.not(openApiV3Hash('api/v1'), openApiV3Hash('apis/apps/v1'));
});

/** kubectl's check for server-side field validation (cli-runtime query_param_verifier_v3.go supportsQueryParamV3). */
function supportsQueryParam(doc: OpenAPIV3Document, gvk: { group: string; version: string; kind: string }, param: string): boolean | 'no path' {
  for (const path of Object.values(doc.paths)) {
    const op = path['patch'] as { 'x-kubernetes-group-version-kind'?: Record<string, string>; parameters?: { name: string; in: string }[] } | undefined;
    if (op === undefined) continue;
    const g = op['x-kubernetes-group-version-kind'];
    if (g?.['group'] !== gvk.group || g['version'] !== gvk.version || g['kind'] !== gvk.kind) continue;
    return (op.parameters ?? []).some((p) => p.name === param && p.in === 'query');
  }
  return 'no path';
}

/** kubectl apply's patcher (pkg/cmd/apply/patcher.go gvkSupportsPatchOpenAPIV3): would it build SMP from our schema? */
function patcherUsesOpenAPIV3(doc: OpenAPIV3Document, kind: string): boolean {
  for (const path of Object.values(doc.paths)) {
    const op = path['patch'] as { 'x-kubernetes-group-version-kind'?: Record<string, string>; requestBody?: { content?: Record<string, unknown> } } | undefined;
    if (op?.['x-kubernetes-group-version-kind']?.['kind'] !== kind) continue;
    return op.requestBody?.content?.['application/strategic-merge-patch+json'] !== undefined;
  }
  return false;
}

test('each group version document: a PATCH op per kind with its GVK and fieldValidation, schemas with GVKs', () => {
  for (const gv of servedGroupVersions()) {
    const doc = openApiV3GroupVersion(openApiV3Path(gv))!;
    assert.is(doc.openapi, '3.0.0');
    assert.equal(jsonRoundTrip(doc), doc, `${gv}: plain JSON`);
    const members = kindNames.filter((k) => gvOf(k) === gv);
    assert.is(Object.keys(doc.paths).length, members.length, `${gv}: one item path per kind`);
    for (const k of members) {
      const info = kinds[k];
      const gvk = { group: info.group, version: info.version, kind: k };
      const base = info.group === '' ? `/api/v1` : `/apis/${info.group}/${info.version}`;
      const item = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}/{name}` : `${base}/${info.resource}/{name}`;
      const op = doc.paths[item]?.['patch'] as Record<string, unknown> | undefined;
      assert.ok(op, `${k}: PATCH ${item}`);
      assert.equal(op['x-kubernetes-group-version-kind'], gvk);
      assert.is(supportsQueryParam(doc, gvk, 'fieldValidation'), true, `${k}: kubectl sends fieldValidation=Strict`);
      assert.is(supportsQueryParam(doc, gvk, 'dryRun'), true, `${k}: kubectl --dry-run=server works`);
      assert.is(patcherUsesOpenAPIV3(doc, k), false, `${k}: kubectl CSA keeps its compiled-in SMP metadata`);
      const schema = Object.values(doc.components.schemas).find((s) =>
        ((s as { 'x-kubernetes-group-version-kind'?: unknown[] })['x-kubernetes-group-version-kind'] ?? []).some(
          (g) => JSON.stringify(g) === JSON.stringify(gvk),
        ),
      ) as { type: string; properties: Record<string, unknown> } | undefined;
      assert.ok(schema, `${k}: component schema`);
      assert.is(schema.type, 'object');
      for (const field of ['apiVersion', 'kind', 'metadata']) assert.ok(field in schema.properties, `${k}.${field}`);
      // Every $ref points at a schema the document defines.
      for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
        assert.ok(ref[1]! in doc.components.schemas, `${gv}: ${ref[1]} defined`);
      }
    }
  }
  // Another group version's kind is not in this document.
  assert.is(supportsQueryParam(openApiV3GroupVersion('api/v1')!, { group: 'apps', version: 'v1', kind: 'Deployment' }, 'fieldValidation'), 'no path');
});

test('the group version document accepts root keys, full paths and group versions', () => {
  const core = openApiV3GroupVersion('api/v1');
  assert.ok(core);
  assert.is(openApiV3GroupVersion('/openapi/v3/api/v1'), core);
  assert.is(openApiV3GroupVersion('v1'), core);
  assert.is(openApiV3GroupVersion('apps/v1'), openApiV3GroupVersion('apis/apps/v1'));
  assert.ok(openApiV3GroupVersion('apis/drydock.io/v1')!.paths['/apis/drydock.io/v1/nodepools/{name}']);
  assert.is(openApiV3GroupVersion('apis/nope/v1'), undefined);
  assert.is(openApiV3Path('v1'), 'api/v1');
  assert.is(openApiV3Path('coordination.k8s.io/v1'), 'apis/coordination.k8s.io/v1');
});

test.run();
