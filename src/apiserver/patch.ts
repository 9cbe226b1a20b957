// The four PATCH bodies kube-apiserver accepts, applied to plain JSON values:
//   application/json-patch+json            RFC 6902 operations              jsonPatch
//   application/merge-patch+json           RFC 7386 merge patch             jsonMergePatch
//   application/strategic-merge-patch+json Kubernetes strategic merge patch strategicMergePatch (what `kubectl apply` sends)
//   application/apply-patch+yaml           server-side apply, simplified    applyPatch
//
// Inputs are shared immutable objects: nothing here writes into an argument. Results are new containers along the
// changed paths and share every untouched subtree with the inputs (the live object and the patch), so they are
// immutable too.
//
// Strategic merge patch follows k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (mergeMap, mergeSlice,
// mergePatchIntoOriginal, normalizeElementOrder) as kube-apiserver runs it (MergeParallelList and
// IgnoreUnmatchedNulls both true). Where the Go code's result depends on slices aliasing their backing array, that
// effect is reproduced on purpose (see `mergeList`), because upstream's own tests expect it. Deliberate differences:
//   - a value added where the live object has nothing is merged into an empty value instead of being stored raw, so
//     nulls and directives inside it are dropped rather than persisted;
//   - `$patch: merge` is accepted as the explicit default (upstream rejects it in maps and lists);
//   - `$deleteFromPrimitiveList/<f>` for an absent list does nothing, for any list strategy (as in the newer
//     upstream tests "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list" and
//     "... should delete item from a list without merge patch strategy");
//   - `$setElementOrder/<f>` on a list that is not a merge list is ignored (kubectl never sends one).

import { parse as parseYaml } from 'yaml';

/** A patch the server cannot apply. `status` is the HTTP code of the Status the API server answers with. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  constructor(
    message: string,
    /** 400 malformed patch, 415 unsupported patch type, 422 a well-formed patch that does not apply. */
    readonly status: number = 400,
  ) {
    super(message);
  }
}

/** The Content-Type of each patch kind (k8s.io/apimachinery/pkg/types/patch.go). */
export const patchTypes = Object.freeze({
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategicMerge: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const);

export type PatchType = (typeof patchTypes)[keyof typeof patchTypes];

const supportedTypes: readonly string[] = Object.values(patchTypes);

/**
 * Applies a PATCH body to the live object `original` (undefined when the object does not exist; only apply may
 * create, so the caller answers 404 for the others first). `body` is the decoded JSON value; for apply it may also
 * be the raw YAML text. `kind` ("Pod", "Node", ...) picks the strategic-merge schema.
 */
export function applyPatch(original: unknown, contentType: string, body: unknown, kind: string): unknown {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  switch (type) {
    case patchTypes.json:
      return jsonPatch(original, body);
    case patchTypes.merge:
      if (!isObject(body)) throw new PatchError(`a merge patch for a ${kind} must be a JSON object, not ${describe(body)}`);
      return jsonMergePatch(original, body);
    case patchTypes.strategicMerge:
      return strategicMergePatch(original, body, kind);
    case patchTypes.apply:
      return serverSideApply(original, body, kind);
    default:
      throw new PatchError(
        `the body of the request was in an unknown format - accepted media types include: ${supportedTypes.join(', ')} (got ${JSON.stringify(contentType)})`,
        415,
      );
  }
}

// Server-side apply, simplified: the applied configuration is merged into the live object with strategic-merge
// semantics (merge lists by their merge keys, everything else as a recursive map merge). There is no managedFields
// ownership tracking, so (1) a field the applier set before and has now left out of its configuration is kept
// instead of removed, (2) there are no conflicts between field managers (`force` means nothing), and (3) `$patch`
// style directives and nulls in the applied body are interpreted as in a strategic merge patch.
function serverSideApply(original: unknown, body: unknown, kind: string): unknown {
  let applied = body;
  if (typeof body === 'string') {
    try {
      applied = parseYaml(body);
    } catch (e) {
      throw new PatchError(`the apply configuration is not valid YAML: ${(e as Error).message}`);
    }
  }
  if (!isObject(applied)) throw new PatchError(`an apply configuration must be a ${kind} object, not ${describe(applied)}`);
  const appliedKind = own(applied, 'kind');
  if (appliedKind !== undefined && appliedKind !== kind) {
    throw new PatchError(`the apply configuration is a ${JSON.stringify(appliedKind)} but the request is for a ${kind}`);
  }
  return strategicMergePatch(isObject(original) ? original : {}, applied, kind);
}

// -------------------------------------------------------------------------------------------------------------
// JSON helpers. Keys come from JSON.parse, so "__proto__" may be an own key: read with hasOwn, write with setOwn.

type JsonObject = { readonly [key: string]: unknown };
type MutableObject = { [key: string]: unknown };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function setOwn(o: MutableObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

function shallowCopy(o: JsonObject | undefined): MutableObject {
  const out: MutableObject = {};
  if (o !== undefined) for (const k of Object.keys(o)) setOwn(out, k, o[k]);
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Equality of JSON values: objects by key set and values, arrays in order, numbers by value. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

// -------------------------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

/** RFC 7386 §2: null deletes a member, an object merges recursively, anything else (arrays too) replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out = shallowCopy(isObject(target) ? target : undefined);
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) delete out[k];
    else setOwn(out, k, jsonMergePatch(own(out, k), v));
  }
  return out;
}

// -------------------------------------------------------------------------------------------------------------
// RFC 6902 JSON patch

const jsonPatchOps = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** RFC 6902: applies the operations in order; the first one that fails fails the whole patch. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError(`a JSON patch must be a list of operations, not ${describe(ops)}`);
  let doc = target;
  ops.forEach((raw: unknown, index) => {
    if (!isObject(raw)) throw new PatchError(`json patch operation ${index}: an operation must be an object, not ${describe(raw)}`);
    const op = own(raw, 'op');
    const path = own(raw, 'path');
    const where = `json patch operation ${index} (${JSON.stringify(op)} at ${JSON.stringify(path)})`;
    if (typeof op !== 'string' || !jsonPatchOps.has(op)) {
      throw new PatchError(`${where}: "op" must be one of add, remove, replace, move, copy, test`);
    }
    if (typeof path !== 'string') throw new PatchError(`${where}: "path" must be a string`);
    const tokens = parsePointer(path, where, 'path');
    const fail = (reason: string, status = 422): PatchError => new PatchError(`${where}: ${reason}`, status);
    const value = (): unknown => {
      if (!Object.hasOwn(raw, 'value')) throw fail('the operation has no "value" member', 400);
      return raw['value'];
    };
    const from = (): string[] => {
      const f = own(raw, 'from');
      if (typeof f !== 'string') throw fail('the operation needs a "from" member that is a JSON pointer', 400);
      return parsePointer(f, where, 'from');
    };
    switch (op) {
      case 'add':
        doc = addAt(doc, tokens, value(), fail);
        break;
      case 'remove':
        if (tokens.length === 0) throw fail('the document root cannot be removed');
        doc = updateAt(doc, tokens, fail, (parent, token) => withoutChild(parent, token, fail));
        break;
      case 'replace': {
        const v = value();
        if (tokens.length === 0) doc = v;
        else doc = updateAt(doc, tokens, fail, (parent, token) => withChild(parent, token, v, fail));
        break;
      }
      case 'move': {
        const f = from();
        const moved = getAt(doc, f, fail);
        if (f.length < tokens.length && f.every((t, i) => t === tokens[i])) {
          throw fail('a value cannot be moved into one of its own children');
        }
        if (f.length === tokens.length && f.every((t, i) => t === tokens[i])) break;
        doc = updateAt(doc, f, fail, (parent, token) => withoutChild(parent, token, fail));
        doc = addAt(doc, tokens, moved, fail);
        break;
      }
      case 'copy':
        doc = addAt(doc, tokens, getAt(doc, from(), fail), fail);
        break;
      case 'test': {
        const expected = value();
        const actual = getAt(doc, tokens, fail);
        if (!jsonEqual(actual, expected)) {
          throw fail(`test failed: the value is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
        }
        break;
      }
    }
  });
  return doc;
}

type Fail = (reason: string, status?: number) => PatchError;

/** RFC 6901: "" is the whole document; otherwise "/"-separated tokens with ~1 for "/" and ~0 for "~". */
function parsePointer(pointer: string, where: string, member: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new PatchError(`${where}: ${member} ${JSON.stringify(pointer)} is not a JSON pointer (it must be empty or start with "/")`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) {
        throw new PatchError(`${where}: ${member} ${JSON.stringify(pointer)} has an invalid escape in ${JSON.stringify(token)} (only ~0 and ~1 exist)`);
      }
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** An array index token: digits without leading zeros. Returns -1 for anything else ("-" included). */
function arrayIndex(token: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return -1;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : -1;
}

function pointerTo(tokens: readonly string[], n: number): string {
  return tokens
    .slice(0, n)
    .map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

function child(node: unknown, token: string, fail: Fail, at: string): unknown {
  if (Array.isArray(node)) {
    const i = arrayIndex(token);
    if (i < 0 || i >= node.length) throw fail(`${at} does not exist (${JSON.stringify(token)} is not an index of a list of ${node.length})`);
    return node[i];
  }
  if (isObject(node)) {
    if (!Object.hasOwn(node, token)) throw fail(`${at} does not exist`);
    return node[token];
  }
  throw fail(`${at} does not exist (its parent is ${describe(node)})`);
}

function getAt(doc: unknown, tokens: readonly string[], fail: Fail): unknown {
  let node = doc;
  tokens.forEach((token, i) => {
    node = child(node, token, fail, `the location ${JSON.stringify(pointerTo(tokens, i + 1))}`);
  });
  return node;
}

/** Copies the containers on the way to the parent of the last token and lets `leaf` rebuild that parent. */
function updateAt(doc: unknown, tokens: readonly string[], fail: Fail, leaf: (parent: unknown, token: string) => unknown): unknown {
  const go = (node: unknown, i: number): unknown => {
    const token = tokens[i]!;
    if (i === tokens.length - 1) return leaf(node, token);
    const next = go(child(node, token, fail, `the location ${JSON.stringify(pointerTo(tokens, i + 1))}`), i + 1);
    return withChild(node, token, next, fail);
  };
  return go(doc, 0);
}

function addAt(doc: unknown, tokens: readonly string[], value: unknown, fail: Fail): unknown {
  if (tokens.length === 0) return value;
  return updateAt(doc, tokens, fail, (parent, token) => {
    if (Array.isArray(parent)) {
      const i = token === '-' ? parent.length : arrayIndex(token);
      if (i < 0 || i > parent.length) throw fail(`cannot add at index ${JSON.stringify(token)} of a list of ${parent.length}`);
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (isObject(parent)) {
      const out = shallowCopy(parent);
      setOwn(out, token, value);
      return out;
    }
    throw fail(`the parent of the target location is ${describe(parent)}, not an object or a list`);
  });
}

/** Replaces an existing member or element. */
function withChild(parent: unknown, token: string, value: unknown, fail: Fail): unknown {
  if (Array.isArray(parent)) {
    const i = arrayIndex(token);
    if (i < 0 || i >= parent.length) throw fail(`the target location does not exist (${JSON.stringify(token)} is not an index of a list of ${parent.length})`);
    const out = parent.slice();
    out[i] = value;
    return out;
  }
  if (isObject(parent) && Object.hasOwn(parent, token)) {
    const out = shallowCopy(parent);
    setOwn(out, token, value);
    return out;
  }
  throw fail('the target location does not exist');
}

function withoutChild(parent: unknown, token: string, fail: Fail): unknown {
  if (Array.isArray(parent)) {
    const i = arrayIndex(token);
    if (i < 0 || i >= parent.length) throw fail(`the target location does not exist (${JSON.stringify(token)} is not an index of a list of ${parent.length})`);
    return [...parent.slice(0, i), ...parent.slice(i + 1)];
  }
  if (isObject(parent) && Object.hasOwn(parent, token)) {
    const out = shallowCopy(parent);
    delete out[token];
    return out;
  }
  throw fail('the target location does not exist');
}

// -------------------------------------------------------------------------------------------------------------
// Strategic merge patch: the schema (struct tags of k8s.io/api, release-1.32)

/**
 * Patch metadata of one field: `patchStrategy:"merge"` (with `patchMergeKey` for lists of objects) makes a list
 * merge; without it a list is replaced wholesale. `fields` describes the value (an object) or the list elements.
 * `patchStrategy:"retainKeys"` needs no entry: the `$retainKeys` directive is honoured wherever it appears.
 */
interface PatchMeta {
  readonly strategy?: 'merge';
  readonly key?: string;
  readonly fields?: Schema;
}
type Schema = { readonly [field: string]: PatchMeta };

const mergeBy = (key: string, fields?: Schema): PatchMeta => (fields === undefined ? { strategy: 'merge', key } : { strategy: 'merge', key, fields });
const mergeSet: PatchMeta = { strategy: 'merge' };
const struct = (fields: Schema): PatchMeta => ({ fields });

// meta/v1 ObjectMeta: ownerReferences `patchStrategy:"merge" patchMergeKey:"uid"`, finalizers `patchStrategy:"merge"`.
const objectMeta = struct({ ownerReferences: mergeBy('uid'), finalizers: mergeSet });

// core/v1 Container (and EphemeralContainerCommon). command, args, envFrom, resizePolicy are atomic.
const container: Schema = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

// core/v1 PodSpec. tolerations (`+listType=atomic`, no patchStrategy), readinessGates and nodeSelector's
// neighbours are replaced wholesale. volumes and resourceClaims are `merge,retainKeys`.
const podSpec: Schema = {
  volumes: mergeBy('name'),
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name'),
};

// core/v1 PodStatus. containerStatuses and initContainerStatuses are atomic.
const podStatus: Schema = {
  conditions: mergeBy('type'),
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeBy('name'),
};

const podTemplateSpec = struct({ metadata: objectMeta, spec: struct(podSpec) });
const conditionsByType = struct({ conditions: mergeBy('type') });

const schemas: { readonly [kind: string]: Schema } = {
  Pod: { metadata: objectMeta, spec: struct(podSpec), status: struct(podStatus) },
  // core/v1 NodeSpec.taints is `+listType=atomic` with no patchStrategy: a patch replaces all taints.
  // podCIDRs is `patchStrategy:"merge"` (a set); NodeStatus conditions and addresses merge by type.
  Node: {
    metadata: objectMeta,
    spec: struct({ podCIDRs: mergeSet }),
    status: struct({ conditions: mergeBy('type'), addresses: mergeBy('type') }),
  },
  // apps/v1 DeploymentSpec.strategy is `patchStrategy:"retainKeys"` (a map, so no entry is needed).
  Deployment: { metadata: objectMeta, spec: struct({ template: podTemplateSpec }), status: conditionsByType },
  ReplicaSet: { metadata: objectMeta, spec: struct({ template: podTemplateSpec }), status: conditionsByType },
  Job: { metadata: objectMeta, spec: struct({ template: podTemplateSpec }), status: conditionsByType },
  // core/v1 ServiceSpec.ports merge by port; ServiceAccount.secrets by name (its imagePullSecrets are atomic).
  Service: { metadata: objectMeta, spec: struct({ ports: mergeBy('port') }) },
  ServiceAccount: { metadata: objectMeta, secrets: mergeBy('name') },
};
const defaultSchema: Schema = { metadata: objectMeta };

function fieldMeta(schema: Schema | undefined, field: string): PatchMeta | undefined {
  return schema !== undefined && Object.hasOwn(schema, field) ? schema[field] : undefined;
}

// -------------------------------------------------------------------------------------------------------------
// Strategic merge patch: the algorithm

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to `original` as kube-apiserver does for a built-in `kind`: maps merge
 * recursively, null deletes a field, lists tagged `patchStrategy:"merge"` merge by their merge key (or as a set of
 * primitives), other lists are replaced. Directives: `$patch: replace | delete | merge`, `$retainKeys`,
 * `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`.
 */
export function strategicMergePatch(original: unknown, patch: unknown, kind: string): unknown {
  if (!isObject(patch)) throw new PatchError(`a strategic merge patch must be a JSON object, not ${describe(patch)}`);
  const schema = Object.hasOwn(schemas, kind) ? schemas[kind] : defaultSchema;
  return mergeMap(isObject(original) ? original : undefined, patch, schema, '');
}

const at = (path: string): string => `strategic merge patch: ${path === '' ? 'the object' : path}`;
const join = (path: string, field: string): string => (path === '' ? field : `${path}.${field}`);

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: Schema | undefined, path: string): JsonObject {
  let rest = patch;
  if (Object.hasOwn(patch, directiveMarker)) {
    const directive = patch[directiveMarker];
    rest = shallowCopy(patch);
    delete (rest as MutableObject)[directiveMarker];
    // "replace": the patch is the new map (upstream test "add key and delete all keys from map").
    if (directive === 'replace') return mergeMap(undefined, rest, schema, path);
    // "delete": the map becomes empty (upstream test "delete map from nested map").
    if (directive === 'delete') return {};
    if (directive !== 'merge') {
      throw new PatchError(`${at(path)}: unknown $patch directive ${JSON.stringify(directive)} (expected "replace", "delete" or "merge")`);
    }
  }
  const out = shallowCopy(original);

  const retain = own(rest, retainKeysDirective);
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
      throw new PatchError(`${at(path)}: $retainKeys must be a list of field names`);
    }
    const keep = new Set<unknown>(retain);
    for (const k of Object.keys(rest)) {
      if (k === retainKeysDirective || k.startsWith(setElementOrderPrefix) || k.startsWith(deleteFromPrimitiveListPrefix)) continue;
      if (rest[k] !== null && !keep.has(k)) {
        throw new PatchError(`${at(path)}: the patch sets "${k}", which is not listed in $retainKeys ${JSON.stringify(retain)}`, 422);
      }
    }
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }

  // $setElementOrder first (upstream mergePatchIntoOriginal): it merges its list and fixes the order, and the list
  // is not merged again below.
  const ordered = new Set<string>();
  for (const k of Object.keys(rest)) {
    if (!k.startsWith(setElementOrderPrefix)) continue;
    const field = k.slice(setElementOrderPrefix.length);
    const fieldPath = join(path, field);
    const order = rest[k];
    if (field === '') throw new PatchError(`${at(path)}: ${JSON.stringify(k)} names no field`);
    if (!Array.isArray(order)) throw new PatchError(`${at(fieldPath)}: ${k} must be a list`);
    const meta = fieldMeta(schema, field);
    if (meta?.strategy !== 'merge') continue;
    const live = own(out, field);
    const patchList = own(rest, field);
    if (patchList !== undefined && !Array.isArray(patchList)) continue; // null or not a list: handled below
    let merged: readonly unknown[];
    let view: readonly unknown[];
    if (Array.isArray(patchList)) {
      validateElementOrder(patchList, order, meta.key, fieldPath, k);
      ({ merged, view } = mergeList(Array.isArray(live) ? live : [], patchList, meta, fieldPath));
    } else if (Array.isArray(live)) {
      merged = view = live; // only the order changes
    } else continue;
    // The merged list follows the directive; live-only elements keep their places relative to the live order.
    setOwn(out, field, normalizeOrder(merged, order, view, meta.key));
    ordered.add(field);
  }

  const deletions: [string, unknown][] = [];
  for (const k of Object.keys(rest)) {
    if (k === retainKeysDirective || k.startsWith(setElementOrderPrefix) || ordered.has(k)) continue;
    const v = rest[k];
    if (k.startsWith(deleteFromPrimitiveListPrefix)) {
      deletions.push([k, v]);
      continue;
    }
    if (k.startsWith('$')) throw new PatchError(`${at(path)}: unknown directive ${JSON.stringify(k)}`);
    if (v === null) {
      delete out[k];
      continue;
    }
    setOwn(out, k, mergeValue(own(out, k), v, fieldMeta(schema, k), join(path, k)));
  }

  // $deleteFromPrimitiveList/<field>: remove every listed value from the live list.
  for (const [k, v] of deletions) {
    const field = k.slice(deleteFromPrimitiveListPrefix.length);
    if (field === '') throw new PatchError(`${at(path)}: ${JSON.stringify(k)} names no field`);
    if (!Array.isArray(v)) throw new PatchError(`${at(join(path, field))}: ${k} must be a list`);
    const live = own(out, field);
    if (Array.isArray(live)) setOwn(out, field, live.filter((x) => !v.some((d) => d === x)));
  }
  return out;
}

/** Merges one patch value into the live value of a field (either may be absent or of another type). */
function mergeValue(live: unknown, patch: unknown, meta: PatchMeta | undefined, path: string): unknown {
  if (isObject(patch)) return mergeMap(isObject(live) ? live : undefined, patch, meta?.fields, path);
  if (Array.isArray(patch)) {
    if (meta?.strategy !== 'merge') return patch; // no patchStrategy: the list is replaced wholesale
    return mergeList(Array.isArray(live) ? live : [], patch, meta, path).merged;
  }
  return patch;
}

/** The merge key of a list element, or the element itself in a list of primitives (upstream `index`). */
function keyOf(element: unknown, key: string | undefined): unknown {
  return key !== undefined && isObject(element) ? own(element, key) : element;
}

function indexIn(list: readonly unknown[], element: unknown, key: string | undefined): number {
  const k = keyOf(element, key);
  return list.findIndex((x) => keyOf(x, key) === k);
}

function missingMergeKey(path: string, key: string, element: unknown): PatchError {
  return new PatchError(`${at(path)}: ${JSON.stringify(element)} does not contain declared merge key "${key}"`);
}

/**
 * Upstream mergeSlice. Returns the merged list and `view`: what the live slice reads as afterwards in Go, where
 * deleting entries shifts the live backing array left and appended elements land behind them. $setElementOrder
 * then orders server-only elements by that view (upstream test "add map and delete map from merging list with
 * conflict" depends on it).
 */
function mergeList(live: readonly unknown[], patch: readonly unknown[], meta: PatchMeta, path: string): { merged: unknown[]; view: readonly unknown[] } {
  if (live.length === 0 && patch.length === 0) return { merged: [], view: [] };
  const kind = elementKind(live, patch, path);
  if (kind !== 'object') {
    // A list of primitives is a set: the union, deduplicated, patch values in patch order.
    const union: unknown[] = [];
    for (const x of [...live, ...patch]) if (!union.includes(x)) union.push(x);
    return { merged: normalizeOrder(union, patch, live, undefined), view: live };
  }
  const key = meta.key;
  if (key === undefined) throw new PatchError(`${at(path)}: a list of objects cannot be merged without a merge key`);

  // Go's in-place deletions and appends, over a buffer as long as the live list (longer appends are invisible).
  const buffer = live.slice();
  let length = buffer.length;
  const items: JsonObject[] = [];
  let replace = false;
  for (const element of patch) {
    const e = element as JsonObject;
    if (!Object.hasOwn(e, directiveMarker)) {
      items.push(e);
      continue;
    }
    const directive = e[directiveMarker];
    if (directive === 'delete') {
      // Removes every live element with this merge key value (upstream test "delete all duplicate entries in a merging list").
      if (!Object.hasOwn(e, key)) throw missingMergeKey(path, key, e);
      const value = e[key];
      for (let i = 0; i < length; ) {
        if (keyOf(buffer[i], key) === value) {
          buffer.copyWithin(i, i + 1, length);
          length--;
        } else i++;
      }
    } else if (directive === 'replace') {
      replace = true; // the list becomes the other elements of the patch (upstream test "delete all items from merging list")
    } else if (directive === 'merge') {
      if (Object.hasOwn(e, key)) items.push(e); // an element marked with the default; a bare marker means nothing
    } else {
      throw new PatchError(`${at(path)}: unknown $patch directive ${JSON.stringify(directive)} in a list element (expected "delete", "replace" or "merge")`);
    }
  }
  if (replace) {
    const list = items.map((e, i) => mergeMap(undefined, e, meta.fields, `${path}[${i}]`));
    for (const e of list) if (!Object.hasOwn(e, key)) throw missingMergeKey(path, key, e);
    return { merged: list, view: buffer };
  }

  const serverOrder = buffer.slice(0, length);
  const merged = serverOrder.slice();
  for (const e of items) {
    if (!Object.hasOwn(e, key)) throw missingMergeKey(path, key, e);
    const i = indexIn(merged, e, key);
    const where = `${path}[${key}=${JSON.stringify(e[key])}]`;
    if (i >= 0) {
      merged[i] = mergeMap(merged[i] as JsonObject, e, meta.fields, where);
    } else {
      const added = mergeMap(undefined, e, meta.fields, where);
      merged.push(added);
      if (length < buffer.length) buffer[length++] = added;
    }
  }
  for (const e of merged) if (!Object.hasOwn(e as JsonObject, key)) throw missingMergeKey(path, key, e);
  return { merged: normalizeOrder(merged, items, serverOrder, key), view: buffer };
}

/** Upstream sliceElementType: all elements of both lists share one type, and none is a list. */
function elementKind(live: readonly unknown[], patch: readonly unknown[], path: string): string {
  let kind: string | undefined;
  for (const x of [...live, ...patch]) {
    if (Array.isArray(x)) throw new PatchError(`${at(path)}: lists of lists cannot be merged`, 422);
    const k = x === null ? 'null' : typeof x;
    if (kind === undefined) kind = k;
    else if (k !== kind) throw new PatchError(`${at(path)}: the list elements are not all of one type (${kind} and ${k})`);
  }
  return kind!;
}

/**
 * Upstream mergeSlice's "enforce the order": elements named in the patch come in patch order, the others in live
 * order, interleaved by normalizeElementOrder.
 */
function normalizeOrder(merged: readonly unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], key: string | undefined): unknown[] {
  const fromPatch = merged.filter((x) => indexIn(patchOrder, x, key) >= 0);
  const serverOnly = merged.filter((x) => indexIn(patchOrder, x, key) < 0);
  return normalizeElementOrder(fromPatch, serverOnly, patchOrder, serverOrder, key);
}

/** Upstream normalizeElementOrder: sort each part, then interleave them by live order (mergeSortedSlice). */
function normalizeElementOrder(
  fromPatch: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  key: string | undefined,
): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, key);
  const right = sortByOrder(fromPatch, patchOrder, key);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      // A live-only element goes first only when both are in the live order and it comes before.
      const li = indexIn(serverOrder, left[i], key);
      const ri = indexIn(serverOrder, right[j], key);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`; elements not in it keep their relative order at the end. */
function sortByOrder(list: readonly unknown[], order: readonly unknown[], key: string | undefined): unknown[] {
  const rank = (x: unknown): number => {
    const i = indexIn(order, x, key);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return list
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
}

/**
 * Upstream validatePatchWithSetOrderList: the patch list (deletions aside) must appear in $setElementOrder, in the
 * same relative order (upstream test "should check if order in $setElementOrder and patch list match").
 */
function validateElementOrder(patchList: readonly unknown[], order: readonly unknown[], key: string | undefined, path: string, directive: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const entries = patchList.filter((x) => !(key !== undefined && isObject(x) && own(x, directiveMarker) === 'delete'));
  const mergeKeyOf = (x: unknown): unknown => {
    if (key === undefined) return x;
    if (!isObject(x) || !Object.hasOwn(x, key)) throw missingMergeKey(path, key, x);
    return x[key];
  };
  let p = 0;
  let s = 0;
  while (p < entries.length && s < order.length) {
    if (isObject(entries[p]) && Object.hasOwn(entries[p] as JsonObject, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyOf(entries[p]) === mergeKeyOf(order[s])) p++;
    s++;
  }
  if (p < entries.length) {
    throw new PatchError(`${at(path)}: the order in the patch list ${JSON.stringify(patchList)} doesn't match the ${directive} list ${JSON.stringify(order)}`);
  }
}
