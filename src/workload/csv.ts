// drydock's workload CSV: one row per pod (or, with `replicas`, per ReplicaSet), read as a stream with
// csv-parse so a million-row file is never held in memory as text. Every row becomes a Kubernetes object with
// its real fields; timing goes into WorkloadObject.arrivalMs and the drydock.io/duration-seconds annotation.
//
// Columns (the header names them, in any order; only name, cpu and memory are required):
//   name            pod name (or the ReplicaSet's, with replicas > 1); a DNS subdomain, unique per namespace
//   cpu, memory     requests, as Kubernetes quantities (500m, 2, 512Mi, 4Gi)
//   namespace       default "default"; other namespaces are created (Namespace objects at time 0)
//   arrival         seconds from the start (90, 2.5) or a duration (90s, 5m, 1h30m, 250ms); empty = 0
//   duration        how long the pod runs, same syntax; empty = until the end of the simulation
//   replicas        N > 1: an apps/v1 ReplicaSet of N pods with selector app=<labels.app>; 1 or empty: a bare Pod
//   priority        an integer: a PriorityClass "drydock-priority-<N>" (or "-minus-<N>") with that value is
//                   created at time 0 and the pod names it (Kubernetes' admission forbids a bare spec.priority)
//   priority_class  the name of a PriorityClass (defined in a manifest, or system-cluster-critical ...)
//   gpu             whole GPUs: nvidia.com/gpu (requests = limits, as Kubernetes requires of extended resources)
//   gpu_milli       a share of one GPU in thousandths, 1–1000: drydock.io/gpu-milli (0 or empty: none)
//   gpu_model       "A100" or "V100M16|V100M32": required node affinity drydock.io/gpu-model In [...]
//   labels          k=v;k2=v2 — every pod also carries app=<name> unless labels set app
//   node_selector   k=v;k2=v2 → spec.nodeSelector
//   tolerations     key=value:Effect;key:Effect;key=value;key — "=" means Equal, no "=" Exists; no effect = all
//   anti_affinity   a topology key: required pod anti-affinity to pods with this row's labels
//   affinity        a topology key: required pod affinity to pods with this row's labels
//   spread          topologyKey:maxSkew (maxSkew default 1): a DoNotSchedule topology spread over this row's labels
//   image           the container image (default registry.k8s.io/pause:3.10)
//   image_size      a quantity (500Mi, 2Gi, or bytes) → annotation drydock.io/image-size in bytes
//   datasets        a;b → annotation drydock.io/datasets "a,b"
//   runtime_class   spec.runtimeClassName
//   scheduler_name  spec.schedulerName
//
// Lines starting with "#" are comments (a "#" inside a line is data); empty lines are skipped.
//
// Pods get restartPolicy Never, so a pod with a duration Succeeds when it ends. A ReplicaSet's pod template must
// have restartPolicy Always (Kubernetes validates that), so a ReplicaSet pod with a duration restarts its
// container when the duration ends, as a real ReplicaSet's would: give batch rows replicas 1.
//
// Bad input is collected, not thrown at the first problem: every problem is one line
// `FILE:LINE: column "X": what is wrong (expected …)`, and after the file (or at the 20th problem) one
// UserInputError carries the lines joined by "\n".
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { labelKeyProblem, labelValueProblem, tryParseQuantity, value } from '../api/index.js';
import type { Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import { DURATION_SECONDS_ANNOTATION, type InputFile, type WorkloadObject } from '../sim/types.js';

export const WORKLOAD_CSV_COLUMNS = [
  'name',
  'cpu',
  'memory',
  'namespace',
  'arrival',
  'duration',
  'replicas',
  'priority',
  'priority_class',
  'gpu',
  'gpu_milli',
  'gpu_model',
  'labels',
  'node_selector',
  'tolerations',
  'anti_affinity',
  'affinity',
  'spread',
  'image',
  'image_size',
  'datasets',
  'runtime_class',
  'scheduler_name',
] as const;
export type WorkloadCsvColumn = (typeof WORKLOAD_CSV_COLUMNS)[number];
export const REQUIRED_CSV_COLUMNS: readonly WorkloadCsvColumn[] = ['name', 'cpu', 'memory'];

/** At most this many problems are listed for one file; reading stops at the last one. */
export const MAX_REPORTED_ERRORS = 20;
export const DEFAULT_IMAGE = 'registry.k8s.io/pause:3.10';
export const CONTAINER_NAME = 'main';
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_MILLI_RESOURCE = 'drydock.io/gpu-milli';
export const GPU_MODEL_LABEL = 'drydock.io/gpu-model';
export const IMAGE_SIZE_ANNOTATION = 'drydock.io/image-size';
export const DATASETS_ANNOTATION = 'drydock.io/datasets';
/** Marks objects a loader made up (Namespaces, PriorityClasses), so a definition from another input wins. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_LOADER = 'drydock-workload';

const KNOWN = new Set<string>(WORKLOAD_CSV_COLUMNS);
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
/** PriorityClass values a user may define (scheduling/types.go HighestUserDefinablePriority). */
const HIGHEST_USER_PRIORITY = 1_000_000_000;

// ---------------------------------------------------------------------------------------------------------
// Small parsers shared with the other loaders

const TIME_EXPECTED = 'expected seconds like 90 or 2.5, or a duration like 90s, 5m, 1h30m, 250ms';
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Seconds from "90", "2.5", "90s", "5m", "1h30m", "250ms" (Go duration units h, m, s, ms, in any
 * combination), or the reason the text is not one of them.
 */
export function parseTimeSeconds(text: string): number | string {
  if (text.startsWith('-')) return `${JSON.stringify(text)} is negative (${TIME_EXPECTED}, at least 0)`;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let ms = 0;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (m === null) return `${JSON.stringify(text)} is not a time (${TIME_EXPECTED})`;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = re.lastIndex;
  }
  if (text === '') return `the value is empty (${TIME_EXPECTED})`;
  return ms / 1000;
}

/** Milliseconds for arrivalMs: seconds × 1000, rounded to the nearest millisecond. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** `k=v;k2=v2` as a label map, or the reason it is not one. Empty items (a trailing ";") are ignored. */
export function parseLabelList(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) return `${JSON.stringify(item)} has no "=" (expected k=v;k2=v2)`;
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    const problem = labelKeyProblem(k) ?? labelValueProblem(v);
    if (problem !== undefined) return `${problem} (expected k=v;k2=v2)`;
    if (k in out) return `the key ${JSON.stringify(k)} is given twice (expected each key once)`;
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The error list

/** Collects `FILE:LINE: ...` lines; `full` once MAX_REPORTED_ERRORS are in. */
export class ErrorList {
  readonly lines: string[] = [];
  add(line: string): void {
    if (this.lines.length < MAX_REPORTED_ERRORS) this.lines.push(line);
  }
  get full(): boolean {
    return this.lines.length >= MAX_REPORTED_ERRORS;
  }
  throwIfAny(): void {
    if (this.lines.length > 0) throw new UserInputError(this.lines.join('\n'));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading a CSV file as a stream of records with their line numbers

export interface CsvRecord {
  readonly fields: readonly string[];
  /** The line the record ends on (1 = the header). */
  readonly line: number;
}

/**
 * Streams the records of a CSV file to `onRecord` (a false return stops reading) and returns the file's
 * sha256. Lines that start with "#" are comments (`drydock generate` records its command line in one); a "#"
 * inside a line is data. A CSV syntax error (an unclosed quote, ...) adds one line to `errors` and ends the reading.
 */
export async function streamCsvRecords(path: string, file: string, errors: ErrorList, onRecord: (r: CsvRecord) => boolean): Promise<InputFile> {
  try {
    // A named pipe streams too (bash's <(command), /dev/stdin).
    const st = statSync(path);
    if (!st.isFile() && !st.isFIFO()) throw new UserInputError(`${file}: not a file (expected a CSV file)`);
  } catch (err) {
    if (err instanceof UserInputError) throw err;
    throw new UserInputError(`${file}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)} (expected a readable CSV file)`);
  }
  const hash = createHash('sha256');
  const source = createReadStream(path);
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true, comment: '#', comment_no_infix: true });
  source.on('data', (chunk) => hash.update(chunk));
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!onRecord({ fields: item.record, line: item.info.lines })) {
        source.destroy();
        parser.destroy();
        return { file, sha256: '' };
      }
    }
  } catch (err) {
    const e = err as { code?: string; lines?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      errors.add(`${file}:${e.lines ?? '?'}: CSV syntax: ${e.message ?? e.code} (expected comma-separated values, "quoted" where they contain commas)`);
      return { file, sha256: '' };
    }
    throw new UserInputError(`${file}: cannot be read: ${e.message ?? String(err)}`);
  }
  return { file, sha256: hash.digest('hex') };
}

// ---------------------------------------------------------------------------------------------------------
// drydock's workload CSV

/** True if a CSV header names drydock workload columns (all three required ones). */
export function isWorkloadCsvHeader(fields: readonly string[]): boolean {
  const names = new Set(fields.map((f) => f.trim()));
  return REQUIRED_CSV_COLUMNS.every((c) => names.has(c));
}

export interface ReadCsvOptions {
  /** The name used in messages and in `inputs` (default: the path as given). */
  readonly file?: string;
}

/** What a CSV row turned into: the objects to create, in order. */
interface RowContext {
  readonly file: string;
  readonly errors: ErrorList;
  /** "resource/namespace" → name → the line that used it first. */
  readonly names: Map<string, Map<string, number>>;
  readonly namespaces: Set<string>;
  readonly priorityClasses: Set<number>;
  readonly emit: (o: WorkloadObject) => void;
}

/**
 * Reads a drydock workload CSV as a stream, handing each object to `emit` as its row arrives (so a caller
 * that does not keep them holds no more than one row at a time), and returns the file with its sha256.
 * Throws one UserInputError listing up to 20 problems.
 */
export async function readWorkloadCsv(path: string, emit: (o: WorkloadObject) => void, opts: ReadCsvOptions = {}): Promise<InputFile> {
  const file = opts.file ?? path;
  const errors = new ErrorList();
  let header: (WorkloadCsvColumn | undefined)[] | undefined;
  const ctx: RowContext = { file, errors, names: new Map(), namespaces: new Set(['default']), priorityClasses: new Set(), emit };
  const input = await streamCsvRecords(path, file, errors, ({ fields, line }) => {
    if (header === undefined) {
      header = readHeader(fields, file, line, errors);
      return !errors.full;
    }
    if (fields.length !== header.length) {
      errors.add(`${file}:${line}: the row has ${fields.length} values and the header ${header.length} columns (expected one value per column; quote values that contain commas)`);
      return !errors.full;
    }
    const row = new Map<WorkloadCsvColumn, string>();
    for (let i = 0; i < header.length; i++) {
      const column = header[i];
      if (column !== undefined) row.set(column, fields[i]!);
    }
    convertRow(row, line, ctx);
    return !errors.full;
  });
  if (header === undefined) errors.add(`${file}:1: the file is empty (expected a header with at least the columns name, cpu, memory)`);
  errors.throwIfAny();
  return input;
}

/** Reads a drydock workload CSV into a list of objects (ordered by arrival, then by row). */
export async function loadWorkloadCsv(path: string, opts: ReadCsvOptions = {}): Promise<{ objects: WorkloadObject[]; input: InputFile }> {
  const objects: WorkloadObject[] = [];
  const input = await readWorkloadCsv(path, (o) => objects.push(o), opts);
  return { objects: sortByArrival(objects), input };
}

/** A stable sort by arrivalMs (Array.prototype.sort is stable), skipped when already in order. */
export function sortByArrival<T extends { readonly arrivalMs: number }>(objects: T[]): T[] {
  for (let i = 1; i < objects.length; i++) {
    if (objects[i]!.arrivalMs < objects[i - 1]!.arrivalMs) return objects.sort((a, b) => a.arrivalMs - b.arrivalMs);
  }
  return objects;
}

function readHeader(fields: readonly string[], file: string, line: number, errors: ErrorList): (WorkloadCsvColumn | undefined)[] {
  const seen = new Set<string>();
  const out: (WorkloadCsvColumn | undefined)[] = [];
  for (const name of fields) {
    if (!KNOWN.has(name)) {
      errors.add(`${file}:${line}: column ${JSON.stringify(name)}: unknown column (expected one of ${WORKLOAD_CSV_COLUMNS.join(', ')})`);
      out.push(undefined);
    } else if (seen.has(name)) {
      errors.add(`${file}:${line}: column ${JSON.stringify(name)}: given twice (expected each column once)`);
      out.push(undefined);
    } else {
      seen.add(name);
      out.push(name as WorkloadCsvColumn);
    }
  }
  for (const required of REQUIRED_CSV_COLUMNS) {
    if (!seen.has(required)) errors.add(`${file}:${line}: column ${JSON.stringify(required)}: missing from the header (expected the columns name, cpu and memory at least)`);
  }
  return out;
}

function convertRow(row: ReadonlyMap<WorkloadCsvColumn, string>, line: number, ctx: RowContext): void {
  const { file, errors } = ctx;
  let ok = true;
  const bad = (column: WorkloadCsvColumn, what: string): undefined => {
    errors.add(`${file}:${line}: column ${JSON.stringify(column)}: ${what}`);
    ok = false;
    return undefined;
  };
  const get = (column: WorkloadCsvColumn): string => row.get(column) ?? '';

  // name and namespace
  const name = get('name');
  if (name === '') bad('name', 'empty (expected a pod name such as web-1: lower-case letters, digits, "-" and ".")');
  else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    bad('name', `${JSON.stringify(name)} is not a valid name (expected lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. web-1)`);
  }
  const namespace = get('namespace') === '' ? 'default' : get('namespace');
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    bad('namespace', `${JSON.stringify(namespace)} is not a valid namespace (expected lower-case letters, digits and "-", at most 63 characters, e.g. team-a)`);
  }

  // requests
  const quantity = (column: WorkloadCsvColumn, examples: string, required: boolean): string | undefined => {
    const text = get(column);
    if (text === '') return required && row.has(column) ? bad(column, `empty (expected a quantity, e.g. ${examples})`) : undefined;
    const q = tryParseQuantity(text);
    if (q === undefined) return bad(column, `${JSON.stringify(text)} is not a quantity (expected e.g. ${examples})`);
    if (q.nano < 0n) return bad(column, `${JSON.stringify(text)} is negative (expected a quantity of at least 0, e.g. ${examples})`);
    return text;
  };
  const cpu = quantity('cpu', '500m, 2', true);
  const memory = quantity('memory', '512Mi, 2Gi', true);
  const imageSizeText = quantity('image_size', '500Mi, 2Gi', false);

  // timing
  const time = (column: WorkloadCsvColumn): number | undefined => {
    const text = get(column);
    if (text === '') return undefined;
    const s = parseTimeSeconds(text);
    return typeof s === 'string' ? bad(column, s) : s;
  };
  const arrival = time('arrival') ?? 0;
  const duration = time('duration');

  // integers
  const integer = (column: WorkloadCsvColumn, min: number, max: number, expected: string): number | undefined => {
    const text = get(column);
    if (text === '') return undefined;
    if (!/^[+-]?\d+$/.test(text)) return bad(column, `${JSON.stringify(text)} is not an integer (expected ${expected})`);
    const n = Number(text);
    if (n < min || n > max) return bad(column, `${text} is out of range (expected ${expected})`);
    return n;
  };
  const replicas = integer('replicas', 1, 1_000_000, 'a whole number of pods from 1 to 1000000') ?? 1;
  const priority = integer('priority', -2_147_483_648, HIGHEST_USER_PRIORITY, `an integer up to ${HIGHEST_USER_PRIORITY}`);
  const gpu = integer('gpu', 0, 1024, 'a whole number of GPUs, e.g. 1 or 8') ?? 0;
  const gpuMilli = integer('gpu_milli', 0, 1000, 'thousandths of one GPU from 1 to 1000, e.g. 250') ?? 0;

  const priorityClass = get('priority_class');
  if (priorityClass !== '') {
    if (priority !== undefined) bad('priority_class', 'given together with priority (expected one of priority or priority_class)');
    else if (!DNS1123_SUBDOMAIN.test(priorityClass)) bad('priority_class', `${JSON.stringify(priorityClass)} is not a valid PriorityClass name (expected e.g. high-priority)`);
  }
  if (gpu > 0 && gpuMilli > 0) bad('gpu_milli', `given together with gpu (expected either whole GPUs in gpu or a share of one GPU in gpu_milli)`);

  const gpuModels = get('gpu_model') === '' ? [] : get('gpu_model').split('|').map((m) => m.trim());
  for (const m of gpuModels) {
    const problem = m === '' ? 'an empty model name' : labelValueProblem(m);
    if (problem !== undefined) bad('gpu_model', `${problem} (expected a model or models such as A100 or V100M16|V100M32)`);
  }

  // labels and selectors
  const labelList = (column: WorkloadCsvColumn): Record<string, string> | undefined => {
    const text = get(column);
    if (text === '') return undefined;
    const r = parseLabelList(text);
    return typeof r === 'string' ? bad(column, r) : r;
  };
  const labels: Record<string, string> = { app: name, ...labelList('labels') };
  if (labels['app'] === name && name.length > 63) bad('name', `${JSON.stringify(name)} is longer than 63 characters, so it cannot be the label app=<name> (expected a shorter name, or an app label in labels)`);
  const nodeSelector = labelList('node_selector');
  const tolerations = parseTolerations(get('tolerations'), (what) => bad('tolerations', what));
  const topologyKey = (column: WorkloadCsvColumn, text: string): string | undefined => {
    const problem = labelKeyProblem(text);
    return problem === undefined ? text : bad(column, `${problem} (expected a node label key such as topology.kubernetes.io/zone or kubernetes.io/hostname)`);
  };
  const antiAffinity = get('anti_affinity') === '' ? undefined : topologyKey('anti_affinity', get('anti_affinity'));
  const affinity = get('affinity') === '' ? undefined : topologyKey('affinity', get('affinity'));
  let spread: { topologyKey: string; maxSkew: number } | undefined;
  if (get('spread') !== '') {
    const text = get('spread');
    const colon = text.lastIndexOf(':');
    const key = colon < 0 ? text : text.slice(0, colon);
    const skewText = colon < 0 ? '1' : text.slice(colon + 1);
    const k = topologyKey('spread', key);
    if (!/^\d+$/.test(skewText) || Number(skewText) < 1) bad('spread', `maxSkew ${JSON.stringify(skewText)} is not a whole number of at least 1 (expected topologyKey:maxSkew, e.g. topology.kubernetes.io/zone:1)`);
    else if (k !== undefined) spread = { topologyKey: k, maxSkew: Number(skewText) };
  }

  const image = get('image') === '' ? DEFAULT_IMAGE : get('image');
  if (/\s/.test(image)) bad('image', `${JSON.stringify(image)} contains whitespace (expected an image reference such as nginx:1.27)`);
  const datasets = get('datasets') === '' ? [] : get('datasets').split(';').map((d) => d.trim()).filter((d) => d !== '');
  for (const d of datasets) if (d.includes(',')) bad('datasets', `${JSON.stringify(d)} contains "," (expected dataset names separated by ";", e.g. imagenet;coco)`);
  const runtimeClass = get('runtime_class');
  if (runtimeClass !== '' && !DNS1123_SUBDOMAIN.test(runtimeClass)) bad('runtime_class', `${JSON.stringify(runtimeClass)} is not a valid RuntimeClass name (expected e.g. gvisor)`);
  const schedulerName = get('scheduler_name');
  if (schedulerName !== '' && /\s/.test(schedulerName)) bad('scheduler_name', `${JSON.stringify(schedulerName)} contains whitespace (expected a scheduler name such as default-scheduler)`);

  // a name used twice in one namespace would fail at creation time, in the middle of the run
  const resource = replicas > 1 ? 'replicasets' : 'pods';
  if (name !== '') {
    // One map per resource and namespace, keyed by the name string itself: no key string is built per row.
    const scope = `${resource}/${namespace}`;
    let names = ctx.names.get(scope);
    if (names === undefined) ctx.names.set(scope, (names = new Map()));
    const first = names.get(name);
    if (first !== undefined) bad('name', `${JSON.stringify(name)} is already used on line ${first} (expected a name unique within its namespace)`);
    else names.set(name, line);
  }
  if (!ok || cpu === undefined || memory === undefined) return;

  // ---- the objects
  const source = `${ctx.file}:${line}`;
  if (!ctx.namespaces.has(namespace)) {
    ctx.namespaces.add(namespace);
    ctx.emit({ arrivalMs: 0, resource: 'namespaces', source, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_LOADER } } } });
  }
  let priorityClassName = priorityClass === '' ? undefined : priorityClass;
  if (priority !== undefined) {
    priorityClassName = priorityClassNameFor(priority);
    if (!ctx.priorityClasses.has(priority)) {
      ctx.priorityClasses.add(priority);
      ctx.emit({ arrivalMs: 0, resource: 'priorityclasses', source, object: priorityClassFor(priority) });
    }
  }

  const requests: Record<string, string> = { cpu, memory };
  const limits: Record<string, string> = {};
  if (gpu > 0) requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = String(gpu);
  if (gpuMilli > 0) requests[GPU_MILLI_RESOURCE] = limits[GPU_MILLI_RESOURCE] = String(gpuMilli);
  const container: Json = { name: CONTAINER_NAME, image, resources: Object.keys(limits).length > 0 ? { requests, limits } : { requests } };

  const annotations: Record<string, string> = {};
  if (duration !== undefined) annotations[DURATION_SECONDS_ANNOTATION] = String(duration);
  if (imageSizeText !== undefined) annotations[IMAGE_SIZE_ANNOTATION] = String(value(tryParseQuantity(imageSizeText)!));
  if (datasets.length > 0) annotations[DATASETS_ANNOTATION] = datasets.join(',');

  const spec: Json = { containers: [container], restartPolicy: replicas > 1 ? 'Always' : 'Never' };
  if (nodeSelector !== undefined) spec['nodeSelector'] = nodeSelector;
  if (tolerations !== undefined && tolerations.length > 0) spec['tolerations'] = tolerations;
  if (priorityClassName !== undefined) spec['priorityClassName'] = priorityClassName;
  if (runtimeClass !== '') spec['runtimeClassName'] = runtimeClass;
  if (schedulerName !== '') spec['schedulerName'] = schedulerName;
  const aff: Json = {};
  if (gpuModels.length > 0) aff['nodeAffinity'] = gpuModelAffinity(gpuModels);
  const term = (key: string): Json => ({ labelSelector: { matchLabels: { ...labels } }, topologyKey: key });
  if (affinity !== undefined) aff['podAffinity'] = { requiredDuringSchedulingIgnoredDuringExecution: [term(affinity)] };
  if (antiAffinity !== undefined) aff['podAntiAffinity'] = { requiredDuringSchedulingIgnoredDuringExecution: [term(antiAffinity)] };
  if (Object.keys(aff).length > 0) spec['affinity'] = aff;
  if (spread !== undefined) {
    spec['topologySpreadConstraints'] = [{ maxSkew: spread.maxSkew, topologyKey: spread.topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { ...labels } } }];
  }

  const podMeta: Json = { labels };
  if (Object.keys(annotations).length > 0) podMeta['annotations'] = annotations;
  const arrivalMs = secondsToMs(arrival);
  if (replicas > 1) {
    ctx.emit({
      arrivalMs,
      resource: 'replicasets',
      source,
      object: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace, labels: { ...labels } },
        spec: { replicas, selector: { matchLabels: { app: labels['app'] } }, template: { metadata: podMeta, spec } },
      },
    });
  } else {
    ctx.emit({ arrivalMs, resource: 'pods', source, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ...podMeta }, spec } });
  }
}

/** "drydock-priority-100", "drydock-priority-minus-5". */
export function priorityClassNameFor(priority: number): string {
  return priority < 0 ? `drydock-priority-minus-${-priority}` : `drydock-priority-${priority}`;
}

export function priorityClassFor(priority: number): Json {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: priorityClassNameFor(priority), labels: { [MANAGED_BY_LABEL]: MANAGED_BY_LOADER } },
    value: priority,
    description: `Priority ${priority} from a workload CSV's priority column.`,
  };
}

/** Required node affinity: drydock.io/gpu-model In [models]. */
export function gpuModelAffinity(models: readonly string[]): Json {
  return {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_MODEL_LABEL, operator: 'In', values: [...models] }] }],
    },
  };
}

const TOLERATIONS_EXPECTED = 'expected key=value:Effect;key:Effect;key=value, Effect one of NoSchedule, PreferNoSchedule, NoExecute';

/** `key=value:Effect;key:Effect;key=value;key` as tolerations ("=" → Equal, none → Exists). */
export function parseTolerations(text: string, bad: (what: string) => void): Json[] | undefined {
  if (text === '') return undefined;
  const out: Json[] = [];
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.lastIndexOf(':');
    const effect = colon < 0 ? '' : item.slice(colon + 1).trim();
    const kv = colon < 0 ? item : item.slice(0, colon).trim();
    if (colon >= 0 && !EFFECTS.has(effect)) {
      bad(`${JSON.stringify(item)} has the effect ${JSON.stringify(effect)} (${TOLERATIONS_EXPECTED})`);
      return undefined;
    }
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq).trim();
    const val = eq < 0 ? undefined : kv.slice(eq + 1).trim();
    const problem = labelKeyProblem(key) ?? (val === undefined ? undefined : labelValueProblem(val));
    if (problem !== undefined) {
      bad(`${JSON.stringify(item)}: ${problem} (${TOLERATIONS_EXPECTED})`);
      return undefined;
    }
    const t: Json = val === undefined ? { key, operator: 'Exists' } : { key, operator: 'Equal', value: val };
    if (effect !== '') t['effect'] = effect;
    out.push(t);
  }
  return out;
}
