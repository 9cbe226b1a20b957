// core/v1 ConfigMap in the registry: validation with kube-apiserver's field paths and words
// (pkg/apis/core/validation/validation.go ValidateConfigMap / ValidateConfigMapUpdate; config keys from
// apimachinery pkg/util/validation IsConfigMapKey), the 1 MiB limit (core.MaxSecretSize), immutability,
// the Table columns (printers.go printConfigMap) and namespace cleanup.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from '../../src/apiserver/strategy.js';
import { MAX_CONFIGMAP_SIZE } from '../../src/apiserver/strategy.js';
import { toTable } from '../../src/apiserver/tables.js';
import { apiError, makeApi, T0 } from './fixtures.js';

type Cm = Json & { metadata: Json & { name: string; resourceVersion: string }; data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean };

function cm(name: string, fields: { data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean; namespace?: string } = {}) {
  const { namespace, ...rest } = fields;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace !== undefined ? { namespace } : {}) }, ...rest };
}

const KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const t = suite('ConfigMap');

t('create and get: data and binaryData kept as sent, no generation (ConfigMaps have no spec)', async () => {
  const { api } = await makeApi();
  const created = await api.create<Cm>('configmaps', cm('app', { data: { LOG_LEVEL: 'debug' }, binaryData: { 'logo.bin': 'AAEC/w==' } }));
  assert.equal(created.data, { LOG_LEVEL: 'debug' });
  assert.equal(created.binaryData, { 'logo.bin': 'AAEC/w==' });
  assert.is(created.metadata['generation'], undefined);
  assert.equal(await api.get('configmaps', 'default', 'app'), created);
  // Found by kind, plural, singular and the short name `cm` (kubectl api-resources: "configmaps cm v1 true ConfigMap").
  assert.is((await api.list('configmaps', { namespace: 'default' })).items.length, 1);
});

t('invalid keys, a key in both maps: one error each, with upstream\'s paths and messages', async () => {
  const { api } = await makeApi();
  const err = await apiError(() => api.create('configmaps', cm('bad', { data: { 'a b': 'x', both: 'text', '..hidden': 'z', '.': 'dot' }, binaryData: { both: 'eQ==', 'no/slash': 'eQ==' } })));
  assert.equal([err.code, err.reason], [422, 'Invalid']);
  const causes = err.status.details?.causes?.map((c) => `${c.field ?? ''}: ${c.message}`) ?? [];
  assert.equal(causes.sort(), [
    // "." matches the key regex but would name the volume's own directory (hasChDirPrefix).
    `data[.]: Invalid value: ".": must not be '.'`,
    `data[..hidden]: Invalid value: "..hidden": must not start with '..'`,
    `binaryData[no/slash]: Invalid value: "no/slash": ${KEY_MSG}`,
    `data[a b]: Invalid value: "a b": ${KEY_MSG}`,
    'data[both]: Invalid value: "both": duplicate of key present in binaryData',
  ].sort());
  assert.match(err.message, /^ConfigMap "bad" is invalid: \[/);
  // A 254-character key: longer than DNS1123SubdomainMaxLength (253).
  const long = await apiError(() => api.create('configmaps', cm('long', { data: { ['k'.repeat(254)]: 'v' } })));
  assert.match(long.message, `data[${'k'.repeat(254)}]: Invalid value: "${'k'.repeat(254)}": must be no more than 253 characters`);
});

t('size: data (UTF-8 bytes) plus binaryData (decoded bytes) up to 1048576 is fine, one byte more is Too long on the whole object', async () => {
  const { api } = await makeApi();
  assert.is(MAX_CONFIGMAP_SIZE, 1048576);
  // binaryData "AAECAw==" decodes to 4 bytes; "é" is 2 UTF-8 bytes. 1048570 + 2 + 4 = 1048576: at the limit.
  const atLimit = { data: { a: 'x'.repeat(1048570), b: 'é' }, binaryData: { c: 'AAECAw==' } };
  await api.create('configmaps', cm('at-limit', atLimit));
  // One more ASCII byte: 1048577 > 1048576. The path is field.NewPath(""), which prints as "[]".
  const over = await apiError(() => api.create('configmaps', cm('over', { ...atLimit, data: { ...atLimit.data, a: 'x'.repeat(1048571) } })));
  assert.is(over.message, 'ConfigMap "over" is invalid: []: Too long: must have at most 1048576 bytes');
  // Counted by bytes, not characters: 524289 two-byte characters are 1048578 bytes.
  const wide = await apiError(() => api.create('configmaps', cm('wide', { data: { a: 'é'.repeat(524289) } })));
  assert.match(wide.message, '[]: Too long');
  const notBase64 = await apiError(() => api.create('configmaps', cm('b64', { binaryData: { k: 'abc' } })));
  assert.match(notBase64.message, 'binaryData[k]: Invalid value: "abc": must be base64 encoded');
});

t('immutable: data, binaryData and the flag itself are frozen; metadata may still change', async () => {
  const { api } = await makeApi();
  const v1 = await api.create<Cm>('configmaps', cm('frozen', { data: { k: 'v1' }, immutable: true }));
  const changed = await apiError(() => api.update('configmaps', { ...v1, data: { k: 'v2' } }));
  assert.is(changed.message, 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  const added = await apiError(() => api.update('configmaps', { ...v1, binaryData: { b: 'eQ==' } }));
  assert.is(added.message, 'ConfigMap "frozen" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set');
  const thawed = await apiError(() => api.patch('configmaps', 'default', 'frozen', 'application/merge-patch+json', { immutable: false }));
  assert.is(thawed.message, 'ConfigMap "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
  const labelled = await api.patch<Cm>('configmaps', 'default', 'frozen', 'application/merge-patch+json', { metadata: { labels: { tier: 'gold' } } });
  assert.equal([labelled.data, labelled.metadata['labels']], [{ k: 'v1' }, { tier: 'gold' }]);
  // Not immutable: anything goes, and it may become immutable.
  const open = await api.create<Cm>('configmaps', cm('open', { data: { k: 'v1' } }));
  const v2 = await api.update<Cm>('configmaps', { ...open, data: { k: 'v2' }, immutable: true });
  assert.equal([v2.data, v2.immutable], [{ k: 'v2' }, true]);
});

t('property: once immutable, no sequence of updates changes data or binaryData', async () => {
  const value = fc.string({ maxLength: 4 });
  // Plain objects (fc.dictionary makes null-prototype ones), as a decoded request body is.
  const dataArb = fc.option(fc.dictionary(fc.constantFrom('a', 'b', 'c'), value, { maxKeys: 3 }).map((d) => ({ ...d })), { nil: undefined });
  const update = fc.record({ data: dataArb, immutable: fc.option(fc.boolean(), { nil: undefined }), label: fc.constantFrom('x', 'y') });
  await fc.assert(
    fc.asyncProperty(dataArb, fc.array(update, { maxLength: 6 }), async (initial, updates) => {
      const { api } = await makeApi();
      let current = await api.create<Cm>('configmaps', { ...cm('p', { immutable: true }), ...(initial !== undefined ? { data: initial } : {}) });
      for (const u of updates) {
        const { data: _data, immutable: _immutable, ...rest } = current;
        const next = { ...rest, metadata: { ...current.metadata, labels: { l: u.label } }, ...(u.data !== undefined ? { data: u.data } : {}), ...(u.immutable !== undefined ? { immutable: u.immutable } : {}) };
        // Allowed exactly when immutable stays true and data is the same as before (undefined == undefined).
        const allowed = u.immutable === true && JSON.stringify(u.data) === JSON.stringify(initial);
        try {
          current = await api.update<Cm>('configmaps', next);
          assert.ok(allowed, `update ${JSON.stringify(u)} should have been refused`);
        } catch (err) {
          assert.ok(!allowed, `update ${JSON.stringify(u)} should have been allowed: ${String(err)}`);
        }
        assert.equal(current.data, initial);
        assert.is(current.immutable, true);
      }
    }),
    { numRuns: 60, seed: 3 },
  );
});

t('property: a key is accepted exactly when IsConfigMapKey has no complaint', async () => {
  const { api } = await makeApi();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', ' ', '/', ':'), minLength: 1, maxLength: 6 }), async (key) => {
      // The model: the regex, not "." or "..", not starting with "..".
      const valid = /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && key !== '..' && !key.startsWith('..');
      const created = await api.create('configmaps', cm(`k${n++}`, { data: { [key]: 'v' } })).then(
        () => true,
        () => false,
      );
      assert.is(created, valid, JSON.stringify(key));
    }),
    { numRuns: 200, seed: 5 },
  );
});

t('Table: NAME, DATA (len(data)+len(binaryData)), AGE', async () => {
  const { api, clock } = await makeApi();
  await api.create('configmaps', cm('app', { data: { a: '1', b: '2' }, binaryData: { c: 'eQ==' } }));
  await api.create('configmaps', cm('empty'));
  clock.advance(90_000);
  const list = await api.list('configmaps', { namespace: 'default' });
  const table = toTable('ConfigMap', list.items, { now: clock.now() });
  assert.equal(
    table.columnDefinitions.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['Data', 'string'],
      ['Age', 'string'],
    ],
  );
  // app: 2 data keys + 1 binaryData key = 3; empty: 0. Created at T0, listed 90 s later: "90s".
  assert.equal(
    table.rows.map((r) => r.cells),
    [
      ['app', 3, '90s'],
      ['empty', 0, '90s'],
    ],
  );
  assert.is(T0 + 90_000, clock.now());
});

t('deleting a namespace deletes its ConfigMaps', async () => {
  const { api } = await makeApi();
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await api.create('configmaps', cm('settings', { namespace: 'team', data: { a: '1' } }));
  await api.create('configmaps', cm('kept', { data: { a: '1' } }));
  await api.delete('namespaces', undefined, 'team');
  assert.is((await apiError(() => api.get('configmaps', 'team', 'settings'))).code, 404);
  await api.get('configmaps', 'default', 'kept');
});

t.run();
