import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PatchError, applyPatch, jsonMergePatch, jsonPatch, patchTypes, strategicMergePatch } from '../../src/apiserver/patch.js';

/** Freezes a JSON value all the way down, so any write into an input throws (ES modules run in strict mode). */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Runs `f`, expects a PatchError with this HTTP status and a message matching every pattern. */
function expectPatchError(what: string, f: () => unknown, status: number, ...patterns: RegExp[]): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, PatchError, what);
    const err = e as PatchError;
    assert.is(err.status, status, `${what}: status of "${err.message}"`);
    for (const p of patterns) assert.ok(p.test(err.message), `${what}: "${err.message}" should match ${p}`);
    return;
  }
  assert.unreachable(`${what}: expected a PatchError`);
}

// -------------------------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

test('jsonMergePatch: every example of RFC 7386 appendix A', () => {
  // [original, patch, result], in the appendix's order.
  const table: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }], // a member is replaced
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }], // a member is added
    [{ a: 'b' }, { a: null }, {}], // null removes a member
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }], // ...and only that member
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }], // a list is replaced by a string
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }], // a string is replaced by a list
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }], // objects merge recursively; c was absent anyway
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }], // lists are replaced wholesale, never merged
    [['a', 'b'], ['c', 'd'], ['c', 'd']], // a non-object patch replaces the target
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }], // a null in the target is data, and stays
    [[1, 2], { a: 'b', c: null }, { a: 'b' }], // an object patch on a non-object starts from {}; c: null removes nothing
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }], // new objects are built by merging, so nested nulls vanish
  ];
  for (const [original, patch, result] of table) {
    const before = clone(original);
    assert.equal(jsonMergePatch(deepFreeze(original), deepFreeze(patch)), result, `${JSON.stringify(original)} + ${JSON.stringify(patch)}`);
    assert.equal(original, before);
  }
});

// -------------------------------------------------------------------------------------------------------------
// RFC 6902 JSON patch

test('jsonPatch: RFC 6902 appendix A examples that apply', () => {
  // [appendix section, document, patch, result]
  const table: [string, unknown, unknown, unknown][] = [
    ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    // Inserting at index 1 shifts "baz" right.
    ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    // Remove index 1 ("grass") -> [all, cows, eat], then add it at index 3, the end.
    ['A.7 move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    // Members an operation does not define are ignored.
    ['A.11 ignore unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    // "/~01" is the key "~1": ~01 unescapes to ~1, not to "/" (~1 is replaced first, then ~0).
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    // "-" appends; the value is a list, added as one element.
    ['A.16 add an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    // Not in the appendix: "" is the whole document; copy shares the value.
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
  ];
  for (const [what, doc, ops, result] of table) {
    const before = clone(doc);
    assert.equal(jsonPatch(deepFreeze(doc), deepFreeze(ops)), result, what);
    assert.equal(doc, before, `${what}: the input is unchanged`);
  }
});

test('jsonPatch: RFC 6902 appendix A errors, and malformed operations, name the operation and its path', () => {
  // [what, document, patch, HTTP status, message patterns]
  const table: [string, unknown, unknown, number, RegExp[]][] = [
    // A.9: "qux" is not "bar"; a failing test is a well-formed patch that does not apply -> 422.
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 422, [/operation 0/, /"\/baz"/, /test failed/]],
    // A.12: /baz does not exist, so /baz/bat has no parent.
    ['A.12 add to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 422, [/operation 0/, /"\/baz\/bat"/, /"\/baz" does not exist/]],
    // A.13's duplicate "op" keys cannot survive JSON.parse: the last one ("remove") wins, and /baz does not exist.
    ['A.13 invalid patch document', { foo: 'bar' }, JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'), 422, [/"remove"/, /does not exist/]],
    // A.15: the string "10" is not the number 10.
    ['A.15 strings are not numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 422, [/test failed/, /10, expected "10"/]],
    // The second operation is the one that fails, and the message says so.
    ['remove a nonexistent member', { a: 1 }, [{ op: 'test', path: '/a', value: 1 }, { op: 'remove', path: '/b' }], 422, [/operation 1/, /"\/b"/, /does not exist/]],
    ['remove past the end of a list', { a: [1] }, [{ op: 'remove', path: '/a/1' }], 422, [/"1" is not an index of a list of 1/]],
    ['an index with a leading zero', { a: [1, 2] }, [{ op: 'replace', path: '/a/01', value: 3 }], 422, [/"01" is not an index/]],
    ['add past the end of a list', { a: [1] }, [{ op: 'add', path: '/a/2', value: 3 }], 422, [/cannot add at index "2"/]],
    ['move into its own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 422, [/own children/]],
    // Malformed: 400.
    ['a pointer without a leading slash', { a: 1 }, [{ op: 'remove', path: 'a' }], 400, [/operation 0/, /is not a JSON pointer/]],
    ['a pointer with a bad escape', { a: 1 }, [{ op: 'remove', path: '/a~2' }], 400, [/invalid escape/]],
    ['an unknown op', { a: 1 }, [{ op: 'frobnicate', path: '/a' }], 400, [/"op" must be one of/]],
    ['add without a value', { a: 1 }, [{ op: 'add', path: '/b' }], 400, [/no "value" member/]],
    ['move without from', { a: 1 }, [{ op: 'move', path: '/b' }], 400, [/"from" member/]],
    ['not a list of operations', { a: 1 }, { op: 'add', path: '/b', value: 1 }, 400, [/must be a list of operations/]],
  ];
  for (const [what, doc, ops, status, patterns] of table) {
    expectPatchError(what, () => jsonPatch(deepFreeze(doc), deepFreeze(ops)), status, ...patterns);
  }
});

// -------------------------------------------------------------------------------------------------------------
// Strategic merge patch: what kubectl apply sends

/** What `kubectl apply` records in the annotation: the applied manifest as JSON plus a newline. */
function lastApplied(webImage: string, extra: readonly object[] = []): string {
  const containers = [{ name: 'web', image: webImage }, { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] }, ...extra];
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers } })}\n`;
}

/** The live pod: the applied manifest plus what the server and the scheduler filled in. */
function livePod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      resourceVersion: '7',
      labels: { app: 'web', tier: 'frontend' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied('nginx:1.25') },
      finalizers: ['example.com/a', 'example.com/b', 'example.com/c'],
    },
    spec: {
      containers: [
        { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent' },
        { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'], imagePullPolicy: 'IfNotPresent' },
      ],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      restartPolicy: 'Always',
      nodeName: 'node-1',
    },
    status: { phase: 'Running' },
  };
}

/** livePod() with some fields replaced, for expectations. */
function podWith(edit: (p: { metadata: Record<string, unknown>; spec: Record<string, unknown> }) => void): Record<string, unknown> {
  const p = livePod() as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  edit(p);
  return p;
}

const [webContainer, sidecarContainer] = (livePod()['spec'] as { containers: object[] }).containers as [object, object];

test('strategicMergePatch: kubectl apply changing one image in a two-container pod changes only that container', () => {
  const live = deepFreeze(livePod());
  // CreateThreeWayMergePatch(last-applied, file, live): the new annotation, the order of the containers, and the
  // one changed field of "web" with its merge key. "sidecar" is not in the patch at all.
  const patch = deepFreeze({
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied('nginx:1.26') } },
    spec: {
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
      containers: [{ image: 'nginx:1.26', name: 'web' }],
    },
  });
  const out = strategicMergePatch(live, patch, 'Pod') as { spec: { containers: object[] } };
  assert.equal(
    out,
    podWith((p) => {
      (p.metadata['annotations'] as Record<string, string>)['kubectl.kubernetes.io/last-applied-configuration'] = lastApplied('nginx:1.26');
      p.spec['containers'] = [{ ...webContainer, image: 'nginx:1.26' }, sidecarContainer];
    }),
  );
  // The untouched container is the live object itself, shared rather than copied.
  assert.ok(out.spec.containers[1] === (live['spec'] as { containers: object[] }).containers[1]);
});

test('strategicMergePatch: the container list cases kubectl sends (add, delete, reorder) and what each yields', () => {
  const cache = { name: 'cache', image: 'redis:7' };
  // [what, patch.spec, resulting spec.containers]
  const table: [string, object, object[]][] = [
    // Adding a container: the new element plus the full order; it lands where $setElementOrder puts it.
    ['add a container', { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }, { name: 'cache' }], containers: [cache] }, [webContainer, sidecarContainer, cache]],
    // Without $setElementOrder, upstream mergeSortedSlice puts patch elements the live list lacks first.
    ['add a container, no order given', { containers: [cache] }, [cache, webContainer, sidecarContainer]],
    // Removing a container from the file: kubectl sends a delete directive with the merge key.
    ['delete a container', { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ $patch: 'delete', name: 'sidecar' }] }, [webContainer]],
    // Deleting a container the live pod does not have is not an error.
    ['delete a missing container', { containers: [{ $patch: 'delete', name: 'nope' }] }, [webContainer, sidecarContainer]],
    // Only the order changed in the file: no list, just the directive.
    ['reorder', { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] }, [sidecarContainer, webContainer]],
    // A nested merge list: ports merge by containerPort, so 80 keeps its protocol and 443 is added.
    [
      'add a port to one container',
      { containers: [{ name: 'web', ports: [{ containerPort: 443 }] }] },
      [{ ...webContainer, ports: [{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP' }] }, sidecarContainer],
    ],
    // `$patch: replace` as a list element: the list becomes exactly the other elements.
    ['replace the whole list', { containers: [{ $patch: 'replace' }, cache] }, [cache]],
  ];
  for (const [what, spec, containers] of table) {
    const out = strategicMergePatch(deepFreeze(livePod()), deepFreeze({ spec }), 'Pod');
    assert.equal(out, podWith((p) => (p.spec['containers'] = containers)), what);
  }
});

test('strategicMergePatch: tolerations have no patch strategy, so a patch replaces them wholesale', () => {
  // core/v1 PodSpec: `Tolerations []Toleration json:"tolerations,omitempty"` with `+listType=atomic`, no patchStrategy.
  const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }];
  const out = strategicMergePatch(deepFreeze(livePod()), deepFreeze({ spec: { tolerations } }), 'Pod');
  assert.equal(out, podWith((p) => (p.spec['tolerations'] = tolerations))); // the two NoExecute tolerations are gone
});

test('strategicMergePatch: node taints are atomic (replaced); node conditions and addresses merge by type', () => {
  // core/v1 NodeSpec: `Taints []Taint json:"taints,omitempty"` is `+listType=atomic` with no patchStrategy or
  // patchMergeKey, so a strategic merge patch replaces every taint (kubectl taint uses a full update for this
  // reason). NodeStatus conditions and addresses are `patchStrategy:"merge" patchMergeKey:"type"`.
  const live = deepFreeze({
    kind: 'Node',
    metadata: { name: 'node-1' },
    spec: {
      podCIDRs: ['10.1.0.0/24'],
      taints: [
        { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        { key: 'spot', effect: 'NoExecute' },
      ],
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'Hostname', address: 'node-1' },
      ],
    },
  });
  const patch = deepFreeze({
    spec: { taints: [{ key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }], podCIDRs: ['fd00::/64'] },
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }], addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] },
  });
  assert.equal(strategicMergePatch(live, patch, 'Node'), {
    kind: 'Node',
    metadata: { name: 'node-1' },
    spec: {
      podCIDRs: ['fd00::/64', '10.1.0.0/24'], // a merge set: the union, new values first (not in the live order)
      taints: [{ key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }], // "spot" is gone: replaced, not merged
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.0.9' },
        { type: 'Hostname', address: 'node-1' },
      ],
    },
  });
});

test('strategicMergePatch: $retainKeys clears the fields it does not list (Deployment strategy, pod volumes)', () => {
  const deployment = deepFreeze({
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'web', image: 'nginx:1.25' }],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'web' } },
          ],
        },
      },
    },
  });
  // Switching to Recreate in the file: kubectl sends the retained keys, and null for the dropped one.
  const recreate = { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } };
  const out1 = strategicMergePatch(deployment, deepFreeze(recreate), 'Deployment') as { spec: Record<string, unknown> };
  assert.equal(out1.spec['strategy'], { type: 'Recreate' });

  // A volume changing source: emptyDir is not in $retainKeys, so it goes; spec.template.spec is a PodSpec, so
  // volumes merge by name and "cfg" stays.
  const hostPath = {
    spec: {
      template: {
        spec: {
          '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }],
          volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' }, name: 'data' }],
        },
      },
    },
  };
  const out2 = strategicMergePatch(deployment, deepFreeze(hostPath), 'Deployment') as { spec: { template: { spec: Record<string, unknown> } } };
  assert.equal(out2.spec.template.spec['volumes'], [
    { name: 'data', hostPath: { path: '/srv' } },
    { name: 'cfg', configMap: { name: 'web' } },
  ]);

  // A patch that sets a field it does not retain contradicts itself: 422.
  const contradiction = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 2 } } } };
  expectPatchError('retainKeys contradiction', () => strategicMergePatch(deployment, contradiction, 'Deployment'), 422, /spec\.strategy/, /"rollingUpdate", which is not listed in \$retainKeys/);
});

test('strategicMergePatch: finalizers are a merge list of primitives ($deleteFromPrimitiveList, set union)', () => {
  const a = 'example.com/a';
  const b = 'example.com/b';
  const c = 'example.com/c';
  const d = 'example.com/d';
  // [what, patch.metadata, resulting finalizers]
  const table: [string, object, string[]][] = [
    // What kubectl sends when b is removed from the file: the order of the rest, and b in the deletion list.
    ['delete one', { '$setElementOrder/finalizers': [a, c], '$deleteFromPrimitiveList/finalizers': [b] }, [a, c]],
    // A new value is added to the set; with no order it comes before the live values (mergeSortedSlice).
    ['add one', { finalizers: [d] }, [d, a, b, c]],
    // A value already present is not duplicated, and [c, a] keeps its patch order around the server-only b:
    // b comes before c in the live list, so it goes first (upstream "preserve the order from the patch in a merging int list").
    ['union keeps patch order', { finalizers: [c, a] }, [b, c, a]],
    // Deleting what is not there changes nothing.
    ['delete a missing one', { '$deleteFromPrimitiveList/finalizers': [d] }, [a, b, c]],
  ];
  for (const [what, metadata, finalizers] of table) {
    const out = strategicMergePatch(deepFreeze(livePod()), deepFreeze({ metadata }), 'Pod');
    assert.equal(out, podWith((p) => (p.metadata['finalizers'] = finalizers)), what);
  }
});

test('strategicMergePatch: maps merge recursively; null deletes; $patch replace/delete/merge on a map', () => {
  // [what, patch.metadata.labels, resulting labels]
  const table: [string, unknown, object][] = [
    ['null deletes a label', { tier: null }, { app: 'web' }],
    ['a label is added and one changed', { tier: 'backend', track: 'canary' }, { app: 'web', tier: 'backend', track: 'canary' }],
    ['a null for a missing label is ignored', { nope: null }, { app: 'web', tier: 'frontend' }],
    // `$patch: replace`: the map becomes the rest of the patch (upstream "add key and delete all keys from map").
    ['$patch: replace', { $patch: 'replace', app: 'api' }, { app: 'api' }],
    // `$patch: delete`: the map is emptied, not removed (upstream "delete map from nested map": simpleMap: {}).
    ['$patch: delete', { $patch: 'delete' }, {}],
    // `$patch: merge` states the default.
    ['$patch: merge', { $patch: 'merge', track: 'stable' }, { app: 'web', tier: 'frontend', track: 'stable' }],
  ];
  for (const [what, labels, expected] of table) {
    const out = strategicMergePatch(deepFreeze(livePod()), deepFreeze({ metadata: { labels } }), 'Pod');
    assert.equal(out, podWith((p) => (p.metadata['labels'] = expected)), what);
  }
  // null deletes a whole field too.
  const out = strategicMergePatch(deepFreeze(livePod()), deepFreeze({ status: null, spec: { nodeName: null } }), 'Pod') as Record<string, unknown>;
  assert.not.ok('status' in out);
  assert.not.ok('nodeName' in (out['spec'] as object));
});

test('strategicMergePatch: Deployment templates, ReplicaSet/Job conditions and Service ports use their merge keys', () => {
  const deployment = deepFreeze({
    kind: 'Deployment',
    spec: { template: { spec: { containers: [{ name: 'web', image: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'log', image: 'b' }] } } },
    status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] },
  });
  const patch = {
    spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'Y', value: '3' }] }] } } },
    status: { conditions: [{ type: 'Progressing', status: 'False' }] },
  };
  assert.equal(strategicMergePatch(deployment, deepFreeze(patch), 'Deployment'), {
    kind: 'Deployment',
    // env merges by name inside the container that merges by name inside spec.template.spec.
    spec: { template: { spec: { containers: [{ name: 'web', image: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }] }, { name: 'log', image: 'b' }] } } },
    status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'False' }] },
  });
  for (const kind of ['ReplicaSet', 'Job']) {
    const live = deepFreeze({ status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }] } });
    const out = strategicMergePatch(live, deepFreeze({ status: { conditions: [{ type: 'B', status: 'False' }] } }), kind);
    assert.equal(out, { status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }] } }, kind);
  }
  const service = deepFreeze({ spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] } });
  assert.equal(strategicMergePatch(service, deepFreeze({ spec: { ports: [{ port: 80, targetPort: 9090 }] } }), 'Service'), {
    spec: { ports: [{ name: 'http', port: 80, targetPort: 9090 }, { name: 'https', port: 443 }] },
  });
  // Kinds without a schema merge maps and replace lists: a ConfigMap's list-valued data is replaced.
  assert.equal(strategicMergePatch({ data: { a: '1' }, x: [1, 2] }, { data: { b: '2' }, x: [3] }, 'ConfigMap'), { data: { a: '1', b: '2' }, x: [3] });
});

// -------------------------------------------------------------------------------------------------------------
// Strategic merge patch: upstream cases (k8s.io/apimachinery pkg/util/strategicpatch/patch_test.go)
//
// Upstream tests run on a MergeItem struct. Here its `mergingList` (merge by name) is a Pod's spec.containers, its
// `mergingIntList` (merge set) is metadata.finalizers, `simpleMap` is metadata.labels, a `nonMerging...` list is
// spec.dnsConfig.nameservers (atomic). For three-way cases the "current" object is the live object and the
// "threeWay" patch is the patch; for two-way cases "original" and "twoWay".

const containers = (...items: object[]) => ({ spec: { containers: items } });
const finalizers = (...items: string[]) => ({ metadata: { finalizers: items } });

test('strategicMergePatch: upstream patch_test.go cases on pod fields', () => {
  // [upstream description, live, patch, result]
  const table: [string, object, object, object][] = [
    ['unique scalars when merging lists', finalizers('1', '2'), finalizers('2', '3'), finalizers('1', '2', '3')],
    ['delete map from nested map', { metadata: { labels: { key1: '1', key2: '1' } } }, { metadata: { labels: { $patch: 'delete' } } }, { metadata: { labels: {} } }],
    ['delete all items from merging list', containers({ name: '1' }, { name: '2' }), containers({ $patch: 'replace' }), containers()],
    ['add key and delete all keys from map', { metadata: { labels: { name: '1', value: '1' } } }, { metadata: { labels: { other: 'a', $patch: 'replace' } } }, { metadata: { labels: { other: 'a' } } }],
    [
      'delete all duplicate entries in a merging list',
      containers({ name: '1' }, { name: '1' }, { name: '2', value: 'a' }, { name: '3' }, { name: '3' }),
      containers({ name: '1', $patch: 'delete' }, { name: '3', $patch: 'delete' }),
      containers({ name: '2', value: 'a' }),
    ],
    [
      'preserve the order from the patch in a merging list',
      containers({ name: '1' }, { name: '2', value: 'b' }, { name: '3' }),
      containers({ name: '3', value: 'c' }, { name: '1', value: 'a' }, { name: '2', other: 'x' }),
      containers({ name: '3', value: 'c' }, { name: '1', value: 'a' }, { name: '2', value: 'b', other: 'x' }),
    ],
    // "2" is not in the patch; it came before "3" in the live list, so it stays in front of it.
    [
      'preserve the order from the patch in a merging list 2',
      containers({ name: '1' }, { name: '2', value: 'b' }, { name: '3' }),
      containers({ name: '3', value: 'c' }, { name: '1', value: 'a' }),
      containers({ name: '2', value: 'b' }, { name: '3', value: 'c' }, { name: '1', value: 'a' }),
    ],
    ['preserve the order from the patch in a merging int list', finalizers('1', '2', '3'), finalizers('3', '1', '2'), finalizers('3', '1', '2')],
    ['preserve the order from the patch in a merging int list (2)', finalizers('1', '2', '3'), finalizers('3', '1'), finalizers('2', '3', '1')],
    [
      '$setElementOrder contains item that is not present in the list to be merged',
      containers({ name: '1' }, { name: '3' }),
      { spec: { '$setElementOrder/containers': [{ name: '3' }, { name: '2' }, { name: '1' }], containers: [{ name: '3', value: '3' }, { name: '1', value: '1' }] } },
      containers({ name: '3', value: '3' }, { name: '1', value: '1' }),
    ],
    ['$setElementOrder contains item that is not present in the int list to be merged', finalizers('1', '3'), { metadata: { '$setElementOrder/finalizers': ['3', '2', '1'] } }, finalizers('3', '1')],
    ['$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list', finalizers('1', '2'), { metadata: { '$deleteFromPrimitiveList/finalizers': ['3'] } }, finalizers('1', '2')],
    ['$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list', { metadata: { foo: ['bar'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['3'] } }, { metadata: { foo: ['bar'] } }],
    ['$deleteFromPrimitiveList should delete item from a list with merge patch strategy', finalizers('1', '2', '3'), { metadata: { '$deleteFromPrimitiveList/finalizers': ['2'] } }, finalizers('1', '3')],
    [
      '$deleteFromPrimitiveList should delete item from a list without merge patch strategy',
      { spec: { dnsConfig: { nameservers: ['1', '2', '3'] } } },
      { spec: { dnsConfig: { '$deleteFromPrimitiveList/nameservers': ['2'] } } },
      { spec: { dnsConfig: { nameservers: ['1', '3'] } } },
    ],
    // Three-way: the live list has "hello2", which the patch neither names nor deletes, so it is kept after "hello".
    [
      'nested patch merge with empty list',
      containers({ name: 'hello2' }),
      { spec: { '$setElementOrder/containers': [{ name: 'hello' }, { name: 'doesntexist' }], containers: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }] } },
      containers({ name: 'hello' }, { name: 'hello2' }),
    ],
    // Live [1,2,3,4]: the order directive puts 1,2 first, 3,4 keep their places, then 3 is deleted.
    ['delete items in lists of scalars', finalizers('1', '2', '3', '4'), { metadata: { '$setElementOrder/finalizers': ['1', '2'], '$deleteFromPrimitiveList/finalizers': ['3'] } }, finalizers('1', '2', '4')],
    ['delete all duplicate items in lists of scalars', finalizers('1', '2', '3', '3', '4'), { metadata: { '$setElementOrder/finalizers': ['1', '2'], '$deleteFromPrimitiveList/finalizers': ['3'] } }, finalizers('1', '2', '4')],
    ['add and delete items in lists of scalars', finalizers('1', '2', '3', '4'), { metadata: { '$setElementOrder/finalizers': ['1', '2', '4'], '$deleteFromPrimitiveList/finalizers': ['3'] } }, finalizers('1', '2', '4')],
    [
      'merge lists of maps',
      containers({ name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }),
      { spec: { '$setElementOrder/containers': [{ name: '4' }, { name: '1' }, { name: '2' }, { name: '3' }], containers: [{ name: '4', value: '4' }, { name: '3', value: '3' }] } },
      containers({ name: '4', value: '4' }, { name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }, { name: '3', value: '3' }),
    ],
    // The server-only "4" keeps its place after "2", and the new "3" goes last: in Go, deleting "1" shifts the live
    // slice left and the appended "3" lands behind "4", which is the order the server-only element is placed by.
    [
      'add map and delete map from merging list',
      containers({ name: '1' }, { name: '2', other: 'b' }, { name: '4', other: 'c' }),
      { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '3' }], containers: [{ name: '3' }, { name: '1', $patch: 'delete' }] } },
      containers({ name: '2', other: 'b' }, { name: '4', other: 'c' }, { name: '3' }),
    ],
    [
      'add map and delete map from merging list with conflict',
      containers({ name: '1', other: 'a' }, { name: '4', other: 'c' }),
      { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '3' }], containers: [{ name: '2' }, { name: '3' }, { name: '1', $patch: 'delete' }] } },
      containers({ name: '4', other: 'c' }, { name: '2' }, { name: '3' }),
    ],
    [
      'delete missing map from merging list with conflict',
      containers({ name: '3', other: 'a' }),
      { spec: { '$setElementOrder/containers': [{ name: '2' }], containers: [{ name: '2' }, { name: '1', $patch: 'delete' }] } },
      containers({ name: '2' }, { name: '3', other: 'a' }),
    ],
    [
      'delete field from map in merging list',
      containers({ name: '1', value: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }),
      { spec: { '$setElementOrder/containers': [{ name: '1' }, { name: '2' }], containers: [{ name: '1', value: null }] } },
      containers({ name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }),
    ],
    // A list nested in a merged element, without a patch strategy (envFrom here), is replaced.
    [
      'replace non merging list nested in merging list',
      containers({ name: '1', other: 'a', envFrom: [{ prefix: '1' }, { prefix: '2', value: '2' }] }, { name: '2', other: 'b' }),
      { spec: { '$setElementOrder/containers': [{ name: '1' }, { name: '2' }], containers: [{ name: '1', envFrom: [{ prefix: '1', value: '1' }] }] } },
      containers({ name: '1', other: 'a', envFrom: [{ prefix: '1', value: '1' }] }, { name: '2', other: 'b' }),
    ],
  ];
  for (const [what, live, patch, result] of table) {
    const before = clone(live);
    assert.equal(strategicMergePatch(deepFreeze(live), deepFreeze(patch), 'Pod'), result, what);
    assert.equal(live, before, `${what}: the live object is unchanged`);
  }
});

test('strategicMergePatch: upstream error cases and unknown directives are PatchErrors', () => {
  // [what, live, patch, status, patterns]
  const table: [string, object, unknown, number, RegExp[]][] = [
    ['missing merge key should error out (upstream)', containers({ name: '1', value: 'a' }), containers({ value: 'b' }), 400, [/spec\.containers/, /does not contain declared merge key "name"/]],
    [
      'should check if order in $setElementOrder and patch list match (upstream)',
      containers({ name: '1' }, { name: '3' }, { name: '2' }),
      { spec: { '$setElementOrder/containers': [{ name: '1' }, { name: '2' }, { name: '3' }], containers: [{ name: '3', value: '3' }, { name: '1', value: '1' }] } },
      400,
      [/doesn't match/],
    ],
    [
      'should check if order in $setElementOrder and patch list match, int list (upstream)',
      finalizers('1', '3', '2'),
      { metadata: { '$setElementOrder/finalizers': ['1', '2', '3'], finalizers: ['3', '1'] } },
      400,
      [/metadata\.finalizers/, /doesn't match/],
    ],
    ['an unknown $patch in a map', {}, { metadata: { labels: { $patch: 'explode' } } }, 400, [/metadata\.labels/, /unknown \$patch directive "explode"/]],
    ['an unknown $patch in a list element', containers({ name: '1' }), containers({ name: '1', $patch: 'explode' }), 400, [/spec\.containers/, /unknown \$patch directive "explode"/]],
    ['an unknown directive', {}, { spec: { $frobnicate: 1 } }, 400, [/spec/, /unknown directive "\$frobnicate"/]],
    ['$retainKeys that is not a list', {}, { spec: { $retainKeys: 'a' } }, 400, [/\$retainKeys must be a list/]],
    ['a list of lists', containers({ name: '1' }), { spec: { containers: [[1]] } }, 422, [/lists of lists/]],
    ['mixed element types', finalizers('a'), { metadata: { finalizers: [1] } }, 400, [/not all of one type \(string and number\)/]],
    ['a patch that is not an object', {}, [1], 400, [/must be a JSON object, not a list/]],
  ];
  for (const [what, live, patch, status, patterns] of table) {
    expectPatchError(what, () => strategicMergePatch(deepFreeze(live), deepFreeze(patch), 'Pod'), status, ...patterns);
  }
});

// -------------------------------------------------------------------------------------------------------------
// applyPatch

test('applyPatch: dispatches on the content type, ignoring parameters; unknown types are 415', () => {
  const live = deepFreeze({ kind: 'Pod', metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  // Merge patch: the list is replaced, so the container loses its name.
  assert.equal(applyPatch(live, patchTypes.merge, { spec: { containers: [{ image: 'y' }] } }, 'Pod'), {
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: { containers: [{ image: 'y' }] },
  });
  // Strategic merge patch, with a charset parameter as some clients send: merged by name.
  assert.equal(applyPatch(live, `${patchTypes.strategicMerge}; charset=utf-8`, { spec: { containers: [{ name: 'c', image: 'y' }] } }, 'Pod'), {
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: { containers: [{ name: 'c', image: 'y' }] },
  });
  assert.equal(applyPatch(live, patchTypes.json, [{ op: 'replace', path: '/spec/containers/0/image', value: 'z' }], 'Pod'), {
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: { containers: [{ name: 'c', image: 'z' }] },
  });
  expectPatchError('plain JSON', () => applyPatch(live, 'application/json', {}, 'Pod'), 415, /unknown format/, /application\/strategic-merge-patch\+json/, /got "application\/json"/);
  expectPatchError('merge patch of a string', () => applyPatch(live, patchTypes.merge, 'x', 'Pod'), 400, /must be a JSON object, not a string/);
});

test('applyPatch: server-side apply creates, merges by merge keys, and accepts YAML text', () => {
  const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web2' }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } };
  // No live object: the apply configuration is the new object.
  assert.equal(applyPatch(undefined, patchTypes.apply, deepFreeze(manifest), 'Pod'), manifest);
  // A live object with server-filled fields: they survive; the containers merge by name.
  const live = deepFreeze({ ...manifest, metadata: { name: 'web2', uid: 'u1' }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' }], nodeName: 'n1' } });
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web2\nspec:\n  containers:\n  - name: web\n    image: nginx:1.26\n';
  assert.equal(applyPatch(live, patchTypes.apply, yaml, 'Pod'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web2', uid: 'u1' },
    spec: { containers: [{ name: 'web', image: 'nginx:1.26', imagePullPolicy: 'IfNotPresent' }], nodeName: 'n1' },
  });
  expectPatchError('kind mismatch', () => applyPatch(live, patchTypes.apply, { kind: 'Node' }, 'Pod'), 400, /is a "Node" but the request is for a Pod/);
  expectPatchError('bad YAML', () => applyPatch(live, patchTypes.apply, 'a: [', 'Pod'), 400, /not valid YAML/);
  expectPatchError('apply a list', () => applyPatch(live, patchTypes.apply, [1], 'Pod'), 400, /must be a Pod object, not a list/);
});

// -------------------------------------------------------------------------------------------------------------
// Properties

// Keys that collide often and hit the Pod schema, plus arbitrary short ones (including "__proto__" now and then).
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'metadata', 'labels', 'spec', 'containers', 'finalizers', 'status', 'conditions', '__proto__'),
  fc.string({ maxLength: 4 }),
);
const plainKey = key.filter((k) => !k.startsWith('$')); // "$..." keys are directives in a strategic merge patch
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 3 }));

/** JSON objects without lists (`withLists` false) or with them, normalised through JSON so prototypes are plain. */
function jsonObject(k: fc.Arbitrary<string>, withLists: boolean): fc.Arbitrary<Record<string, unknown>> {
  const { obj } = fc.letrec<{ value: unknown; obj: Record<string, unknown> }>((tie) => ({
    value: withLists
      ? fc.oneof({ depthSize: 'small' }, scalar, tie('obj'), fc.array(tie('value'), { maxLength: 3 }))
      : fc.oneof({ depthSize: 'small' }, scalar, tie('obj')),
    obj: fc.dictionary(k, tie('value'), { maxKeys: 4 }),
  }));
  return obj.map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
}

test('property: jsonMergePatch(x, {}) deep-equals x and never writes into a frozen x', () => {
  fc.assert(
    fc.property(jsonObject(key, true), (x) => {
      const before = clone(x);
      const out = jsonMergePatch(deepFreeze(x), deepFreeze({}));
      assert.equal(out, before);
      assert.equal(x, before);
    }),
  );
});

test('property: jsonMergePatch(a, b) has every non-null top-level field of b, and none of its null ones', () => {
  fc.assert(
    fc.property(jsonObject(key, true), jsonObject(key, true), (a, b) => {
      const out = jsonMergePatch(deepFreeze(a), deepFreeze(b)) as Record<string, unknown>;
      for (const k of Object.keys(b)) {
        const v = b[k];
        if (v === null) {
          assert.not.ok(Object.hasOwn(out, k), `${k} was deleted`);
        } else {
          assert.ok(Object.hasOwn(out, k), `${k} is present`);
          // A non-object value is taken as is; an object value was merged, so it is an object.
          if (typeof v !== 'object' || Array.isArray(v)) assert.equal(out[k], v);
          else assert.ok(typeof out[k] === 'object' && out[k] !== null && !Array.isArray(out[k]));
        }
      }
    }),
  );
});

test('property: a strategic merge patch without lists or directives behaves like a JSON merge patch', () => {
  fc.assert(
    fc.property(jsonObject(key, true), jsonObject(plainKey, false), fc.constantFrom('Pod', 'Node', 'Deployment', 'ConfigMap'), (live, patch, kind) => {
      const before = clone(live);
      const expected = jsonMergePatch(live, patch);
      assert.equal(strategicMergePatch(deepFreeze(live), deepFreeze(patch), kind), expected);
      assert.equal(live, before);
    }),
  );
});

test('property: jsonPatch never writes into its frozen input (add/replace/remove at random existing paths)', () => {
  fc.assert(
    fc.property(jsonObject(key, true), fc.integer({ min: 0, max: 1000 }), scalar, (doc, pick, value) => {
      const keys = Object.keys(doc);
      fc.pre(keys.length > 0);
      const k = keys[pick % keys.length]!;
      const path = `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      const before = clone(doc);
      deepFreeze(doc);
      const out = jsonPatch(doc, [
        { op: 'replace', path, value },
        { op: 'add', path: '/added', value: { v: value } },
        { op: 'remove', path: '/added' },
      ]) as Record<string, unknown>;
      assert.equal(doc, before);
      assert.equal(out, { ...before, [k]: value });
    }),
  );
});

test.run();
