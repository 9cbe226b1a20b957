// Reading the Alibaba GPU trace (openb) for the fragmentation experiment: the pod list and the node list as
// plain numeric columns, straight from the CSV (no Kubernetes objects: the experiment needs only the numbers).
// Every mistake is one UserInputError naming the file, the line and the column.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserInputError } from '../cli/errors.js';
import { ALIBABA_NODE_COLUMNS, ALIBABA_POD_REQUIRED } from '../workload/alibaba.js';

/** One trace pod, as the reference's pod_csv_to_yaml.py turns it into a Pod (§1.2, §3.1). */
export interface TracePod {
  readonly name: string;
  /** CPU request, milli-cores. */
  readonly cpu: number;
  /** Memory request, MiB. */
  readonly memory: number;
  /** GPUs asked for (k); 0 for a CPU-only pod. */
  readonly gpus: number;
  /** Thousandths of each GPU (m), clamped to 0..1000; 0 for a CPU-only pod. */
  readonly gpuMilli: number;
  /** Allowed GPU models, `|`-separated; empty: any model. */
  readonly gpuSpec: string;
}

/** One node of the node list. */
export interface TraceNode {
  readonly name: string;
  readonly cpu: number;
  readonly memory: number;
  readonly gpus: number;
  readonly model: string;
}

/** Parser options shared with the workload reader (src/workload/csv.ts streamCsvRecords): "#" comment lines, BOM. */
const CSV_OPTIONS = { info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true, comment: '#', comment_no_infix: true } as const;

/** The rows with the line each ends on (1 = the header), so messages point at the file's own lines. */
function readRows(file: string, what: string): { rows: { fields: string[]; line: number }[]; header: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserInputError(`${file}: cannot read the ${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, CSV_OPTIONS) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new UserInputError(`${file}: not a CSV file: ${(err as Error).message}`);
  }
  const first = records.shift();
  if (first === undefined) throw new UserInputError(`${file}: the ${what} is empty (expected a header line and rows)`);
  return { header: first.record, rows: records.map((r) => ({ fields: r.record, line: r.info.lines })) };
}

function columnIndex(file: string, header: readonly string[], name: string, expected: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new UserInputError(`${basename(file)}:1: no column "${name}" (expected the ${expected}'s columns ${expected === 'pod list' ? ALIBABA_POD_REQUIRED.join(',') : ALIBABA_NODE_COLUMNS.join(',')})`);
  return i;
}

function wholeNumber(file: string, line: number, column: string, text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(v)) {
    throw new UserInputError(`${basename(file)}:${line}: column "${column}": ${JSON.stringify(text ?? '')} is not a whole number`);
  }
  return v;
}

/** The pod list: openb_pod_list_*.csv (gpu_spec and the time columns are optional, as in multigpu*). */
export function readTracePods(file: string): TracePod[] {
  const { rows, header } = readRows(file, 'pod list');
  const iName = columnIndex(file, header, 'name', 'pod list');
  const iCpu = columnIndex(file, header, 'cpu_milli', 'pod list');
  const iMem = columnIndex(file, header, 'memory_mib', 'pod list');
  const iGpu = columnIndex(file, header, 'num_gpu', 'pod list');
  const iMilli = columnIndex(file, header, 'gpu_milli', 'pod list');
  const iSpec = header.indexOf('gpu_spec');
  const pods: TracePod[] = [];
  for (let r = 0; r < rows.length; r++) {
    const { fields: row, line } = rows[r]!;
    const cpu = wholeNumber(file, line, 'cpu_milli', row[iCpu]);
    const memory = wholeNumber(file, line, 'memory_mib', row[iMem]);
    const gpus = wholeNumber(file, line, 'num_gpu', row[iGpu]);
    const milli = wholeNumber(file, line, 'gpu_milli', row[iMilli]);
    if (cpu < 0 || memory < 0) throw new UserInputError(`${basename(file)}:${line}: a negative cpu_milli or memory_mib`);
    if (gpus < 0 || gpus > 8) throw new UserInputError(`${basename(file)}:${line}: column "num_gpu": ${gpus} is not 0..8`);
    // pod_csv_to_yaml.py: GPU annotations only when num_gpu != 0, with gpu_milli clamped to 0..1000. A pod whose
    // clamped milli is 0 is CPU-only for the simulator (Open-Gpu-Share.Filter passes it anywhere).
    const gpuMilli = gpus === 0 ? 0 : Math.min(1000, Math.max(0, milli));
    if (gpus > 1 && gpuMilli !== 1000) throw new UserInputError(`${basename(file)}:${line}: column "gpu_milli": a ${gpus}-GPU pod must ask for whole GPUs (1000), not ${milli}`);
    pods.push({ name: row[iName] ?? '', cpu, memory, gpus: gpuMilli === 0 ? 0 : gpus, gpuMilli, gpuSpec: iSpec >= 0 ? (row[iSpec] ?? '') : '' });
  }
  if (pods.length === 0) throw new UserInputError(`${file}: the pod list has no pods`);
  return pods;
}

/** The node list: openb_node_list_*.csv. A list without any GPU is refused: there is nothing to fragment. */
export function readTraceNodes(file: string): TraceNode[] {
  const { rows, header } = readRows(file, 'node list');
  const iName = columnIndex(file, header, 'sn', 'node list');
  const iCpu = columnIndex(file, header, 'cpu_milli', 'node list');
  const iMem = columnIndex(file, header, 'memory_mib', 'node list');
  const iGpu = columnIndex(file, header, 'gpu', 'node list');
  const iModel = columnIndex(file, header, 'model', 'node list');
  const nodes: TraceNode[] = [];
  let gpus = 0;
  for (let r = 0; r < rows.length; r++) {
    const { fields: row, line } = rows[r]!;
    const g = wholeNumber(file, line, 'gpu', row[iGpu]);
    if (g < 0 || g > 8) throw new UserInputError(`${basename(file)}:${line}: column "gpu": ${g} is not 0..8 (the engine models at most 8 GPUs per node)`);
    gpus += g;
    const cpu = wholeNumber(file, line, 'cpu_milli', row[iCpu]);
    const memory = wholeNumber(file, line, 'memory_mib', row[iMem]);
    if (cpu < 0) throw new UserInputError(`${basename(file)}:${line}: column "cpu_milli": ${cpu} is negative (expected the node's milli-cores, 0 or more)`);
    if (memory < 0) throw new UserInputError(`${basename(file)}:${line}: column "memory_mib": ${memory} is negative (expected the node's MiB, 0 or more)`);
    nodes.push({ name: row[iName] ?? '', cpu, memory, gpus: g, model: row[iModel] ?? '' });
  }
  if (gpus === 0) throw new UserInputError(`${file}: the node list has no GPU (expected a GPU node list such as openb_node_list_gpu_node.csv)`);
  return nodes;
}
