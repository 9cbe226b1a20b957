// The workload loaders' public surface, and loadWorkload: it tells each input's format by what it holds and
// merges them into one Workload.
//   - a folder, or a .yaml / .yml file: Kubernetes manifests (manifests.ts)
//   - a CSV whose header starts name,cpu_milli,memory_mib,num_gpu,gpu_milli: an Alibaba pod list (alibaba.ts),
//     with its node list (options.nodeList, an openb_node_list_*.csv among the paths, or one found next to it)
//   - a CSV whose header is sn,cpu_milli,memory_mib,gpu,model: an Alibaba node list (its nodes are static nodes)
//   - any other CSV (or a file whose first line has commas): drydock's workload CSV (csv.ts), which reports
//     unknown and missing columns itself
// The objects of all inputs are ordered by arrival, then by the order they were read — except that at one
// instant Namespaces, PriorityClasses and RuntimeClasses come first, since the API server admits no pod that
// names a missing one. A Namespace or PriorityClass that a CSV loader made up (label
// app.kubernetes.io/managed-by: drydock-workload) is dropped when another input defines the same object.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isRecord, type Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import type { InputFile, Workload, WorkloadObject } from '../sim/types.js';
import { checkObjects } from './check.js';
import { findNodeList, isAlibabaNodeHeader, isAlibabaPodHeader, loadAlibabaNodes, poolsFromNodes, readAlibabaPods, type NodePoolDescription } from './alibaba.js';
import { MANAGED_BY_LABEL, MANAGED_BY_LOADER, readWorkloadCsv } from './csv.js';
import { loadManifests } from './manifests.js';

export {
  CONTAINER_NAME,
  DATASETS_ANNOTATION,
  DEFAULT_IMAGE,
  ErrorList,
  GPU_MILLI_RESOURCE,
  GPU_MODEL_LABEL,
  GPU_RESOURCE,
  IMAGE_SIZE_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_LOADER,
  MAX_REPORTED_ERRORS,
  REQUIRED_CSV_COLUMNS,
  WORKLOAD_CSV_COLUMNS,
  isWorkloadCsvHeader,
  loadWorkloadCsv,
  parseLabelList,
  parseTimeSeconds,
  parseTolerations,
  priorityClassNameFor,
  readWorkloadCsv,
  sortByArrival,
} from './csv.js';
export type { ReadCsvOptions, WorkloadCsvColumn } from './csv.js';
export {
  ALIBABA_NODE_COLUMNS,
  ALIBABA_NODE_MAX_PODS,
  ALIBABA_POD_COLUMNS,
  QOS_LABEL,
  alibabaNode,
  findNodeList,
  isAlibabaNodeHeader,
  isAlibabaPodHeader,
  loadAlibabaNodes,
  loadAlibabaTrace,
  poolsFromNodes,
  readAlibabaPods,
} from './alibaba.js';
export type { AlibabaOptions, AlibabaTrace, NodePoolDescription } from './alibaba.js';
export { MANIFEST_KINDS, loadManifests, manifestFiles, parseManifests } from './manifests.js';

export type WorkloadFormat = 'drydock-csv' | 'alibaba-pods' | 'alibaba-nodes' | 'manifests';

export interface LoadWorkloadOptions {
  /**
   * `--nodes`: an Alibaba node list is read here (static nodes, or pools with poolsFromNodes) and replaces the
   * one found next to the pod lists; any other file (a YAML list of Nodes) is the caller's to read, and then no
   * node list is looked for next to the pod lists.
   */
  readonly nodeList?: string;
  /** Alibaba node lists become pool descriptions (`pools`) instead of static nodes (`--pools-from-nodes`). */
  readonly poolsFromNodes?: boolean;
  /** Do not look for a node list next to an Alibaba pod list (the caller gives the cluster: `--pools`). */
  readonly noNodeList?: boolean;
}

/** A Workload plus, with poolsFromNodes, the pools to build from the node list's shapes. */
export interface LoadedWorkload extends Workload {
  readonly pools: readonly NodePoolDescription[];
}

/** The first line of a file that is not a "#" comment (within its first 64 KiB), without a byte-order mark. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65_536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.split(/\r?\n/);
    return lines.find((l) => !l.startsWith('#') && l.trim() !== '') ?? '';
  } finally {
    closeSync(fd);
  }
}

/** What kind of input a path is, from its contents (and, for YAML, its extension or being a folder). */
export function detectFormat(path: string): WorkloadFormat {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new UserInputError(`${path}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)} (expected a workload CSV, an Alibaba trace CSV, or Kubernetes YAML)`);
  }
  if (isDir || /\.ya?ml$/i.test(path)) return 'manifests';
  const line = firstLine(path);
  const fields = line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
  if (isAlibabaPodHeader(fields)) return 'alibaba-pods';
  if (isAlibabaNodeHeader(fields)) return 'alibaba-nodes';
  if (/\.csv$/i.test(path) || line.includes(',')) return 'drydock-csv';
  if (/^(---|apiVersion:|kind:)/.test(line)) return 'manifests';
  throw new UserInputError(
    `${path}:1: not a workload (expected a CSV with the columns name,cpu,memory,…, an Alibaba openb_pod_list CSV, or Kubernetes YAML in a .yaml file)`,
  );
}

/**
 * Loads every path (files or folders) into one Workload. Bad input throws one UserInputError: the problems of
 * the first bad file, one per line, up to 20; or the first object the API server would refuse (check.ts).
 */
export async function loadWorkload(paths: readonly string[], opts: LoadWorkloadOptions = {}): Promise<LoadedWorkload> {
  const formats = paths.map((p) => ({ path: p, format: detectFormat(p) }));
  const objects: WorkloadObject[] = [];
  const inputs: InputFile[] = [];
  const nodes: Json[] = [];
  const pools: NodePoolDescription[] = [];
  const nodeListsRead = new Set<string>();
  const explicitNodeLists = formats.filter((f) => f.format === 'alibaba-nodes').map((f) => f.path);

  const readNodeList = async (path: string): Promise<void> => {
    const key = resolve(path);
    if (nodeListsRead.has(key)) return;
    nodeListsRead.add(key);
    const { nodes: listed, input } = await loadAlibabaNodes(path);
    inputs.push(input);
    if (opts.poolsFromNodes === true) pools.push(...poolsFromNodes(listed));
    else nodes.push(...(listed as unknown as Json[]));
  };

  for (const { path, format } of formats) {
    switch (format) {
      case 'manifests': {
        const m = loadManifests(path);
        objects.push(...m.objects);
        inputs.push(...m.inputs);
        break;
      }
      case 'drydock-csv':
        inputs.push(await readWorkloadCsv(path, (o) => objects.push(o)));
        break;
      case 'alibaba-nodes':
        await readNodeList(path);
        break;
      case 'alibaba-pods': {
        inputs.push(await readAlibabaPods(path, (o) => objects.push(o)));
        if (opts.nodeList !== undefined || opts.noNodeList === true) break; // read below, the caller's own (YAML) node list, or pools instead
        const nodeList = explicitNodeLists[0] ?? findNodeList(path);
        if (nodeList === undefined) {
          throw new UserInputError(`${path}: an Alibaba pod list, but no openb_node_list_*.csv was found next to it (expected one in the same folder, or a node list given with --nodes)`);
        }
        await readNodeList(nodeList);
        break;
      }
    }
  }
  if (opts.nodeList !== undefined && detectFormat(opts.nodeList) === 'alibaba-nodes') await readNodeList(opts.nodeList);
  const ordered = orderObjects(dedupeGenerated(objects));
  await checkObjects(ordered);
  return { objects: ordered, nodes, pools, inputs };
}

const SETUP_RESOURCES = new Set(['namespaces', 'priorityclasses', 'runtimeclasses']);

/** By arrival; at one instant, setup kinds first; otherwise in the order read (the sort is stable). */
export function orderObjects(objects: WorkloadObject[]): WorkloadObject[] {
  const rank = (o: WorkloadObject) => (SETUP_RESOURCES.has(o.resource) ? 0 : 1);
  return objects.sort((a, b) => a.arrivalMs - b.arrivalMs || rank(a) - rank(b));
}

function isGenerated(o: WorkloadObject): boolean {
  const meta = isRecord(o.object['metadata']) ? (o.object['metadata'] as Json) : {};
  const labels = isRecord(meta['labels']) ? (meta['labels'] as Json) : {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_LOADER;
}

/** Drops a made-up cluster-scoped object (Namespace, PriorityClass) when another input defines it, or an earlier one made it up too. */
function dedupeGenerated(objects: WorkloadObject[]): WorkloadObject[] {
  const key = (o: WorkloadObject) => `${o.resource}/${String((o.object['metadata'] as Json | undefined)?.['name'] ?? '')}`;
  const defined = new Set<string>();
  for (const o of objects) if (SETUP_RESOURCES.has(o.resource) && !isGenerated(o)) defined.add(key(o));
  const made = new Set<string>();
  return objects.filter((o) => {
    if (!SETUP_RESOURCES.has(o.resource) || !isGenerated(o)) return true;
    const k = key(o);
    if (defined.has(k) || made.has(k)) return false;
    made.add(k);
    return true;
  });
}
