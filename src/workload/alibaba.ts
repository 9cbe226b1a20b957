// The Alibaba GPU cluster trace (cluster-trace-gpu-v2023, the "openb" files of the FGD paper, USENIX ATC'23):
// a pod list `openb_pod_list_*.csv` and a node list `openb_node_list_*.csv`, both recognised by their header.
//
// Pod list columns: name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
// deletion_time,scheduled_time (the multigpu* files have only the first five). Each row becomes a bare Pod in
// namespace "default" with restartPolicy Never:
//   cpu_milli → requests.cpu "<cpu_milli>m";  memory_mib → requests.memory "<memory_mib>Mi"
//   num_gpu ≥ 1, gpu_milli 1000 → nvidia.com/gpu: num_gpu (whole GPUs)
//   num_gpu 1, gpu_milli 1–999  → drydock.io/gpu-milli: gpu_milli (a share of one GPU)
//   num_gpu 0                   → no GPU (gpu_milli is then ignored; the trace has 0 there)
//   (GPU resources go in requests and limits, as Kubernetes requires of extended resources.)
//   gpu_spec "V100M16|V100M32" → required node affinity drydock.io/gpu-model In [V100M16, V100M32]; empty = any
//   creation_time → arrival, in seconds from the trace's zero (kept as is, not shifted to the first pod)
//   deletion_time − creation_time → annotation drydock.io/duration-seconds; an empty deletion_time, or one
//     before creation_time, means the pod runs until the end of the simulation
//   qos (LS, BE, Burstable, Guaranteed) → label drydock.io/qos; it does not change requests
//   pod_phase and scheduled_time are ignored: a pod that was Pending or Failed in production is ordinary
//     workload here, as in the FGD simulator.
// A multi-GPU row whose gpu_milli is not 1000, or a single-GPU row with gpu_milli 0 or above 1000, is an
// error (the FGD simulator panics on the first and clamps the others; the published trace has none of them).
//
// Node list columns: sn,cpu_milli,memory_mib,gpu,model. Each row becomes a Node named sn with capacity =
// allocatable = {cpu, memory, pods: 110 (the kubelet's default --max-pods; the FGD simulator uses 1001, which
// the trace's pod density never reaches), nvidia.com/gpu: gpu when > 0}, labels kubernetes.io/hostname = sn
// and drydock.io/gpu-model = model (when not empty), an explicit empty taint list, and no zone label: the
// trace does not say where nodes are, so zone-based spread or affinity sees every node as zone-less.
// Allocatable equals capacity because the trace's numbers are what the production scheduler allotted.
//
// With `poolsFromNodes`, the node list becomes one pool description per distinct shape (cpu, memory, GPUs,
// model) instead of nodes: {name, count, shape}, in the order each shape first appears, named
// "<model or cpu>-<gpus>gpu-<cpu>c-<memory>" (e.g. "g2-8gpu-96c-384gi"); `drydock simulate --pools-from-nodes`
// builds NodePools from them.
//
// The node list used with a pod list is, unless given explicitly: openb_node_list_all_node.csv in the pod
// list's folder (the whole production cluster, 1,523 nodes: 1,213 GPU nodes and 310 CPU-only ones), else
// openb_node_list_gpu_node.csv (the 1,213 GPU nodes the FGD paper's experiments use), else the only
// openb_node_list_*.csv there. Give openb_node_list_gpu_node.csv explicitly to reproduce the paper's cluster.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { labelValueProblem, type Node, type NodeShape } from '../api/index.js';
import type { Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import { DURATION_SECONDS_ANNOTATION, type InputFile, type WorkloadObject } from '../sim/types.js';
import { CONTAINER_NAME, DEFAULT_IMAGE, ErrorList, GPU_MILLI_RESOURCE, GPU_MODEL_LABEL, GPU_RESOURCE, gpuModelAffinity, streamCsvRecords } from './csv.js';

export const ALIBABA_POD_COLUMNS = ['name', 'cpu_milli', 'memory_mib', 'num_gpu', 'gpu_milli', 'gpu_spec', 'qos', 'pod_phase', 'creation_time', 'deletion_time', 'scheduled_time'] as const;
/** The columns every pod list has (the multigpu* files stop here). */
export const ALIBABA_POD_REQUIRED = ['name', 'cpu_milli', 'memory_mib', 'num_gpu', 'gpu_milli'] as const;
export const ALIBABA_NODE_COLUMNS = ['sn', 'cpu_milli', 'memory_mib', 'gpu', 'model'] as const;
export const QOS_LABEL = 'drydock.io/qos';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** The kubelet's default --max-pods, given to every trace node. */
export const ALIBABA_NODE_MAX_PODS = 110;
const NODE_LIST = /^openb_node_list_.*\.csv$/;

/** True if a CSV header is an Alibaba pod list's (its first five columns). */
export function isAlibabaPodHeader(fields: readonly string[]): boolean {
  return ALIBABA_POD_REQUIRED.every((c, i) => fields[i]?.trim() === c);
}

/** True if a CSV header is an Alibaba node list's. */
export function isAlibabaNodeHeader(fields: readonly string[]): boolean {
  return ALIBABA_NODE_COLUMNS.every((c, i) => fields[i]?.trim() === c);
}

/** One pool per distinct node shape of a node list. */
export interface NodePoolDescription {
  readonly name: string;
  readonly count: number;
  readonly shape: NodeShape;
}

export interface AlibabaTrace {
  readonly objects: WorkloadObject[];
  /** Empty with poolsFromNodes. */
  readonly nodes: Node[];
  /** Only with poolsFromNodes. */
  readonly pools?: NodePoolDescription[];
  readonly inputs: InputFile[];
}

export interface AlibabaOptions {
  /** The node list; default: found next to the pod list (see the header comment). */
  readonly nodeList?: string;
  readonly poolsFromNodes?: boolean;
}

/** The node list that goes with a pod list, or undefined when its folder has none. */
export function findNodeList(podListPath: string): string | undefined {
  const dir = dirname(podListPath);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => NODE_LIST.test(n)).sort();
  } catch {
    return undefined;
  }
  for (const preferred of ['openb_node_list_all_node.csv', 'openb_node_list_gpu_node.csv']) {
    if (names.includes(preferred)) return join(dir, preferred);
  }
  return names.length === 1 ? join(dir, names[0]!) : undefined;
}

/** A pod list with its node list: pods to create, and the nodes (or pools) they run on. */
export async function loadAlibabaTrace(podListPath: string, opts: AlibabaOptions = {}): Promise<AlibabaTrace> {
  const nodeList = opts.nodeList ?? findNodeList(podListPath);
  if (nodeList === undefined) {
    throw new UserInputError(`${podListPath}: an Alibaba pod list, but no openb_node_list_*.csv was found next to it (expected one in ${dirname(podListPath)}, or a node list given with --nodes)`);
  }
  if (!existsSync(nodeList)) throw new UserInputError(`${nodeList}: the node list does not exist (expected an openb_node_list_*.csv file)`);
  const objects: WorkloadObject[] = [];
  const podsInput = await readAlibabaPods(podListPath, (o) => objects.push(o));
  const { nodes, input: nodesInput } = await loadAlibabaNodes(nodeList);
  const inputs = [podsInput, nodesInput];
  if (opts.poolsFromNodes === true) return { objects, nodes: [], pools: poolsFromNodes(nodes), inputs };
  return { objects, nodes, inputs };
}

interface ColumnIndex {
  readonly [column: string]: number | undefined;
}

function headerIndex(fields: readonly string[], known: readonly string[], required: readonly string[], file: string, line: number, errors: ErrorList): ColumnIndex {
  const index: Record<string, number> = {};
  fields.forEach((f, i) => {
    if (!known.includes(f)) errors.add(`${file}:${line}: column ${JSON.stringify(f)}: unknown column (expected the trace's columns ${known.join(',')})`);
    else if (f in index) errors.add(`${file}:${line}: column ${JSON.stringify(f)}: given twice (expected each column once)`);
    else index[f] = i;
  });
  for (const r of required) if (!(r in index)) errors.add(`${file}:${line}: column ${JSON.stringify(r)}: missing from the header (expected ${required.join(',')} at least)`);
  return index;
}

/**
 * Streams an Alibaba pod list to `emit`, one Pod per row, and returns the file with its sha256. Throws one
 * UserInputError listing up to 20 problems.
 */
export async function readAlibabaPods(path: string, emit: (o: WorkloadObject) => void, opts: { file?: string } = {}): Promise<InputFile> {
  const file = opts.file ?? path;
  const errors = new ErrorList();
  let index: ColumnIndex | undefined;
  let width = 0;
  const names = new Map<string, number>();
  const input = await streamCsvRecords(path, file, errors, ({ fields, line }) => {
    if (index === undefined) {
      index = headerIndex(fields, ALIBABA_POD_COLUMNS, ALIBABA_POD_REQUIRED, file, line, errors);
      width = fields.length;
      return !errors.full;
    }
    if (fields.length !== width) {
      errors.add(`${file}:${line}: the row has ${fields.length} values and the header ${width} columns (expected one value per column)`);
      return !errors.full;
    }
    const pod = podFromRow(fields, index, file, line, errors, names);
    if (pod !== undefined) emit(pod);
    return !errors.full;
  });
  if (index === undefined) errors.add(`${file}:1: the file is empty (expected the header ${ALIBABA_POD_COLUMNS.join(',')})`);
  errors.throwIfAny();
  return input;
}

function podFromRow(fields: readonly string[], index: ColumnIndex, file: string, line: number, errors: ErrorList, names: Map<string, number>): WorkloadObject | undefined {
  let ok = true;
  const bad = (column: string, what: string): undefined => {
    errors.add(`${file}:${line}: column ${JSON.stringify(column)}: ${what}`);
    ok = false;
    return undefined;
  };
  const get = (column: string): string => {
    const i = index[column];
    return i === undefined ? '' : (fields[i] ?? '');
  };
  const count = (column: string, expected: string, emptyAs?: number): number | undefined => {
    const text = get(column);
    if (text === '' && emptyAs !== undefined) return emptyAs;
    if (!/^\d+$/.test(text)) return bad(column, `${JSON.stringify(text)} is not a whole number (expected ${expected})`);
    return Number(text);
  };
  const name = get('name');
  if (name === '' || name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    bad('name', `${JSON.stringify(name)} is not a valid pod name (expected e.g. openb-pod-0017)`);
  } else {
    const first = names.get(name);
    if (first !== undefined) bad('name', `${JSON.stringify(name)} is already used on line ${first} (expected unique pod names)`);
    else names.set(name, line);
  }
  const cpuMilli = count('cpu_milli', 'millicores, e.g. 4000');
  const memoryMib = count('memory_mib', 'MiB, e.g. 15258');
  const numGpu = count('num_gpu', 'GPUs from 0 to 8');
  const gpuMilli = count('gpu_milli', 'thousandths of a GPU, 0 to 1000');
  if (numGpu !== undefined && gpuMilli !== undefined && numGpu > 0) {
    if (numGpu > 1 && gpuMilli !== 1000) bad('gpu_milli', `${gpuMilli} with num_gpu ${numGpu} (expected 1000: only single-GPU pods share a GPU)`);
    else if (gpuMilli < 1 || gpuMilli > 1000) bad('gpu_milli', `${gpuMilli} is out of range for a GPU pod (expected 1 to 1000)`);
  }
  const models = get('gpu_spec') === '' ? [] : get('gpu_spec').split('|');
  for (const m of models) {
    const p = m === '' ? 'an empty model name' : labelValueProblem(m);
    if (p !== undefined) bad('gpu_spec', `${p} (expected GPU models separated by "|", e.g. V100M16|V100M32)`);
  }
  const qos = get('qos');
  if (qos !== '') {
    const p = labelValueProblem(qos);
    if (p !== undefined) bad('qos', `${p} (expected e.g. LS, BE, Burstable)`);
  }
  const created = count('creation_time', 'seconds, e.g. 9437497', 0);
  const deletedText = get('deletion_time');
  const deleted = deletedText === '' ? undefined : count('deletion_time', 'seconds, e.g. 10769854, or empty');
  if (!ok || cpuMilli === undefined || memoryMib === undefined || numGpu === undefined || gpuMilli === undefined || created === undefined) return undefined;

  const requests: Record<string, string> = { cpu: `${cpuMilli}m`, memory: `${memoryMib}Mi` };
  const limits: Record<string, string> = {};
  if (numGpu > 0 && gpuMilli === 1000) requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = String(numGpu);
  else if (numGpu === 1) requests[GPU_MILLI_RESOURCE] = limits[GPU_MILLI_RESOURCE] = String(gpuMilli);
  const metadata: Json = { name, namespace: 'default' };
  if (qos !== '') metadata['labels'] = { [QOS_LABEL]: qos };
  if (deleted !== undefined && deleted >= created) metadata['annotations'] = { [DURATION_SECONDS_ANNOTATION]: String(deleted - created) };
  const spec: Json = {
    containers: [{ name: CONTAINER_NAME, image: DEFAULT_IMAGE, resources: Object.keys(limits).length > 0 ? { requests, limits } : { requests } }],
    restartPolicy: 'Never',
  };
  if (models.length > 0) spec['affinity'] = { nodeAffinity: gpuModelAffinity(models) };
  return { arrivalMs: created * 1000, resource: 'pods', source: `${file}:${line}`, object: { apiVersion: 'v1', kind: 'Pod', metadata, spec } };
}

/** Reads an Alibaba node list into Nodes. Throws one UserInputError listing up to 20 problems. */
export async function loadAlibabaNodes(path: string, opts: { file?: string } = {}): Promise<{ nodes: Node[]; input: InputFile }> {
  const file = opts.file ?? path;
  const errors = new ErrorList();
  let index: ColumnIndex | undefined;
  let width = 0;
  const nodes: Node[] = [];
  const names = new Map<string, number>();
  const input = await streamCsvRecords(path, file, errors, ({ fields, line }) => {
    if (index === undefined) {
      index = headerIndex(fields, ALIBABA_NODE_COLUMNS, ALIBABA_NODE_COLUMNS.slice(0, 4), file, line, errors);
      width = fields.length;
      return !errors.full;
    }
    if (fields.length !== width) {
      errors.add(`${file}:${line}: the row has ${fields.length} values and the header ${width} columns (expected one value per column)`);
      return !errors.full;
    }
    const idx = index;
    const get = (c: string): string => (idx[c] === undefined ? '' : (fields[idx[c]!] ?? ''));
    let ok = true;
    const num = (c: string, expected: string): number => {
      const t = get(c);
      if (/^\d+$/.test(t)) return Number(t);
      errors.add(`${file}:${line}: column ${JSON.stringify(c)}: ${JSON.stringify(t)} is not a whole number (expected ${expected})`);
      ok = false;
      return 0;
    };
    const name = get('sn');
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 63) {
      errors.add(`${file}:${line}: column "sn": ${JSON.stringify(name)} is not a valid node name (expected e.g. openb-node-0227)`);
      ok = false;
    } else if (names.has(name)) {
      errors.add(`${file}:${line}: column "sn": ${JSON.stringify(name)} is already used on line ${names.get(name)} (expected unique node names)`);
      ok = false;
    } else names.set(name, line);
    const cpu = num('cpu_milli', 'millicores, e.g. 96000');
    const mem = num('memory_mib', 'MiB, e.g. 393216');
    const gpu = num('gpu', 'GPUs, e.g. 8');
    const model = get('model');
    const p = model === '' ? undefined : labelValueProblem(model);
    if (p !== undefined) {
      errors.add(`${file}:${line}: column "model": ${p} (expected a GPU model such as V100M32, or empty)`);
      ok = false;
    }
    if (ok) nodes.push(alibabaNode(name, cpu, mem, gpu, model));
    return !errors.full;
  });
  if (index === undefined) errors.add(`${file}:1: the file is empty (expected the header ${ALIBABA_NODE_COLUMNS.join(',')})`);
  errors.throwIfAny();
  return { nodes, input };
}

/** The Node for one node-list row. */
export function alibabaNode(name: string, cpuMilli: number, memoryMib: number, gpus: number, model: string): Node {
  const capacity: Record<string, string> = { cpu: `${cpuMilli}m`, memory: `${memoryMib}Mi`, pods: String(ALIBABA_NODE_MAX_PODS) };
  if (gpus > 0) capacity[GPU_RESOURCE] = String(gpus);
  const labels: Record<string, string> = { [HOSTNAME_LABEL]: name };
  if (model !== '') labels[GPU_MODEL_LABEL] = model;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    // An explicit empty taint list: the API server adds the control-plane taint only to nodes that list none.
    spec: { taints: [] },
    status: { capacity, allocatable: { ...capacity } },
  } as Node;
}

/** One pool per distinct (cpu, memory, GPUs, model), in order of first appearance. */
export function poolsFromNodes(nodes: readonly Node[]): NodePoolDescription[] {
  const byKey = new Map<string, { name: string; count: number; shape: NodeShape }>();
  for (const n of nodes) {
    const cap = (n.status?.capacity ?? {}) as Record<string, string>;
    const cpu = cap['cpu'] ?? '0';
    const memory = cap['memory'] ?? '0';
    const gpu = Number(cap[GPU_RESOURCE] ?? '0');
    const model = n.metadata?.labels?.[GPU_MODEL_LABEL] ?? '';
    const key = `${cpu}|${memory}|${gpu}|${model}`;
    const entry = byKey.get(key);
    if (entry !== undefined) {
      entry.count++;
      continue;
    }
    const shape: NodeShape = { cpu, memory, pods: ALIBABA_NODE_MAX_PODS, ...(gpu > 0 ? { gpu } : {}), ...(model !== '' ? { gpuModel: model } : {}) };
    byKey.set(key, { name: poolName(cpu, memory, gpu, model), count: 1, shape });
  }
  return [...byKey.values()];
}

/** "g2-8gpu-96c-384gi" from cpu "96000m", memory "393216Mi", 8 GPUs, model G2. */
function poolName(cpu: string, memory: string, gpu: number, model: string): string {
  const milli = Number(cpu.replace(/m$/, ''));
  const cores = milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
  const mib = Number(memory.replace(/Mi$/, ''));
  const mem = mib % 1024 === 0 ? `${mib / 1024}gi` : `${mib}mi`;
  const prefix = model === '' ? 'cpu' : model.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${prefix}-${gpu}gpu-${cores}c-${mem}`;
}

