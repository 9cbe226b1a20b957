// Kubernetes manifests as a workload: a YAML file, or a folder of them (its *.yaml and *.yml files, sorted by
// name, not recursive), each a stream of documents separated by "---". The objects are passed through with
// their real fields (kind: List is expanded into its items); drydock reads only two annotations for timing:
//   drydock.io/arrival   on any object: when it is created, in seconds from the start (90, 2.5) or as a
//                        duration (90s, 5m, 1h30m); absent = at the start
//   drydock.io/duration  on a Pod, or on a Deployment / ReplicaSet / Job (or its pod template): how long each
//                        pod runs; it is written to the pod's (template's) drydock.io/duration-seconds
//                        annotation, which the kubelet reads. Absent = the pods run until the end.
// Problems are listed, up to 20 per file: YAML syntax as `FILE:LINE:COL: message`, the rest as
// `FILE:LINE: what is wrong (expected …)` with the line of the offending document or field.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { kinds, type Kind } from '../api/index.js';
import { isRecord, type Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import { ARRIVAL_ANNOTATION, DURATION_ANNOTATION, DURATION_SECONDS_ANNOTATION, type InputFile, type WorkloadObject } from '../sim/types.js';
import { ErrorList, parseTimeSeconds, secondsToMs } from './csv.js';

/** The kinds a workload may contain. */
export const MANIFEST_KINDS: readonly Kind[] = ['Pod', 'Deployment', 'ReplicaSet', 'Job', 'Service', 'PriorityClass', 'PodDisruptionBudget', 'RuntimeClass', 'Namespace'];
const WITH_TEMPLATE = new Set<string>(['Deployment', 'ReplicaSet', 'Job']);
const YAML_EXTENSION = /\.ya?ml$/;

/** The YAML files of a path: the file itself, or a folder's *.yaml / *.yml files sorted by name. */
export function manifestFiles(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new UserInputError(`${path}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)} (expected a YAML file or a folder of them)`);
  }
  if (!isDir) return [path];
  const files = readdirSync(path)
    .filter((n) => YAML_EXTENSION.test(n))
    .sort()
    .map((n) => join(path, n))
    .filter((p) => statSync(p).isFile());
  if (files.length === 0) throw new UserInputError(`${path}: a folder without .yaml or .yml files (expected Kubernetes manifests)`);
  return files;
}

/** Loads a manifest file or folder. Throws one UserInputError listing up to 20 problems per file. */
export function loadManifests(path: string): { objects: WorkloadObject[]; inputs: InputFile[] } {
  const objects: WorkloadObject[] = [];
  const inputs: InputFile[] = [];
  for (const file of manifestFiles(path)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserInputError(`${file}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)} (expected a YAML file)`);
    }
    objects.push(...parseManifests(text, file));
    inputs.push({ file, sha256: createHash('sha256').update(text).digest('hex') });
  }
  return { objects, inputs };
}

/** The objects of one multi-document YAML text, in document order (not sorted by arrival). */
export function parseManifests(text: string, file: string): WorkloadObject[] {
  const errors = new ErrorList();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) return [];
  const out: WorkloadObject[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const message = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      errors.add(`${file}:${pos ? `${pos.line}:${pos.col}` : '?'}: ${message}`);
    }
  }
  if (errors.lines.length > 0) errors.throwIfAny();
  for (const doc of docs) {
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) continue;
    const lineOf = (path: readonly (string | number)[]): number => {
      const node = nodeAt(doc, path);
      return lineCounter.linePos(node?.range?.[0] ?? doc.range[0]).line;
    };
    if (isRecord(obj) && obj['kind'] === 'List' && Array.isArray(obj['items'])) {
      obj['items'].forEach((item, i) => convert(item, ['items', i], file, lineOf, errors, out));
    } else {
      convert(obj, [], file, lineOf, errors, out);
    }
    if (errors.full) break;
  }
  errors.throwIfAny();
  return out;
}

function convert(obj: unknown, at: readonly (string | number)[], file: string, lineOf: (path: readonly (string | number)[]) => number, errors: ErrorList, out: WorkloadObject[]): void {
  const line = lineOf(at);
  if (!isRecord(obj)) {
    errors.add(`${file}:${line}: a document is not an object (expected a Kubernetes object with apiVersion and kind)`);
    return;
  }
  const kind = obj['kind'];
  if (typeof kind !== 'string' || kind === '') {
    errors.add(`${file}:${line}: the object has no kind (expected one of ${MANIFEST_KINDS.join(', ')})`);
    return;
  }
  if (!MANIFEST_KINDS.includes(kind as Kind)) {
    errors.add(`${file}:${lineOf([...at, 'kind'])}: kind ${JSON.stringify(kind)} is not one drydock simulates (expected ${MANIFEST_KINDS.join(', ')})`);
    return;
  }
  const info = kinds[kind as Kind];
  if (obj['apiVersion'] !== info.apiVersion) {
    errors.add(`${file}:${lineOf([...at, 'apiVersion'])}: ${kind}: apiVersion ${JSON.stringify(obj['apiVersion'] ?? null)} (expected ${info.apiVersion})`);
    return;
  }
  const metadata = isRecord(obj['metadata']) ? obj['metadata'] : {};
  const name = metadata['name'] ?? metadata['generateName'];
  if (typeof name !== 'string' || name === '') {
    errors.add(`${file}:${line}: ${kind}: metadata.name is missing (expected a name such as web)`);
    return;
  }
  const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
  const annotationLine = (key: string): number => lineOf([...at, 'metadata', 'annotations', key]);
  let ok = true;
  const time = (value: unknown, key: string, where: () => number): number | undefined => {
    if (value === undefined) return undefined;
    const s = typeof value === 'number' ? value : typeof value === 'string' ? parseTimeSeconds(value) : `${JSON.stringify(value)} is not a time (expected a string such as "90s")`;
    if (typeof s === 'number' && (!Number.isFinite(s) || s < 0)) {
      errors.add(`${file}:${where()}: ${kind} ${JSON.stringify(name)}: annotation ${JSON.stringify(key)}: ${s} is negative (expected seconds or a duration, at least 0)`);
      ok = false;
      return undefined;
    }
    if (typeof s === 'string') {
      errors.add(`${file}:${where()}: ${kind} ${JSON.stringify(name)}: annotation ${JSON.stringify(key)}: ${s}`);
      ok = false;
      return undefined;
    }
    return s;
  };
  const arrival = time(annotations[ARRIVAL_ANNOTATION], ARRIVAL_ANNOTATION, () => annotationLine(ARRIVAL_ANNOTATION)) ?? 0;
  let duration = time(annotations[DURATION_ANNOTATION], DURATION_ANNOTATION, () => annotationLine(DURATION_ANNOTATION));

  let object: Json = obj;
  if (kind === 'Pod') {
    if (duration !== undefined) object = { ...obj, metadata: { ...metadata, annotations: { ...annotations, [DURATION_SECONDS_ANNOTATION]: String(duration) } } };
  } else if (WITH_TEMPLATE.has(kind)) {
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    const template = isRecord(spec['template']) ? spec['template'] : {};
    const tmeta = isRecord(template['metadata']) ? template['metadata'] : {};
    const tann = isRecord(tmeta['annotations']) ? tmeta['annotations'] : {};
    const own = time(tann[DURATION_ANNOTATION], DURATION_ANNOTATION, () => lineOf([...at, 'spec', 'template', 'metadata', 'annotations', DURATION_ANNOTATION]));
    duration = own ?? duration;
    if (duration !== undefined) {
      object = { ...obj, spec: { ...spec, template: { ...template, metadata: { ...tmeta, annotations: { ...tann, [DURATION_SECONDS_ANNOTATION]: String(duration) } } } } };
    }
  }
  if (!ok) return;
  out.push({ arrivalMs: secondsToMs(arrival), resource: info.resource, object, source: `${file}:${line}` });
}

/** The YAML node at a path of map keys and sequence indexes, or undefined. */
function nodeAt(doc: Document, path: readonly (string | number)[]): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair === undefined) return isMap(node) ? (node as YamlNode) : undefined;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else {
      return undefined;
    }
  }
  return node as YamlNode | undefined;
}
