// `drydock generate`: a realistic synthetic workload in drydock's workload CSV, from a seed. The same options
// give the same bytes (mulberry32 from src/util/rng.ts, no clock, no Math.random), and the file's first line
// is a `#` comment with the canonical command line that made it, so the file says how to make it again.
//
// What is in it. Three kinds of row, each option counting rows (a row with replicas N stands for N pods):
//
// services (--services): long-running ReplicaSets.
//   arrival      70 % at 0 (already running when the window opens), the rest uniform over the window — chosen.
//   duration     empty: runs until the end.
//   replicas     uniform 2–6 — chosen.
//   cpu / memory per pod: 100m, 250m, 500m, 1, 2 cores with weights 15/30/30/18/7; memory 1, 2 or 4 GiB per
//                core (weights 3/5/2), at least 128Mi — chosen.
//   placement    exactly one of: anti_affinity on kubernetes.io/hostname (40 %), spread on
//                topology.kubernetes.io/zone with maxSkew 1 (40 %), spread on kubernetes.io/hostname with
//                maxSkew 1 (20 %) — chosen. Labels app=<name> so that the term matches the row's own pods.
//   namespace    web, checkout or search, uniformly — chosen.
// batch jobs (--batch): bursty.
//   arrival      bursts: a burst starts uniformly in the window, holds a geometric number of jobs (mean 6,
//                p = 1/6) of one shape and image, 1 + Exp(mean 10 s) seconds apart — chosen.
//   duration     the CPU-only pods' lifetimes (deletion_time − creation_time) in the Alibaba GPU trace
//                (openb_pod_list_default.csv, 1,088 pods; quantiles computed for this file): p5 94 s, p10 135,
//                p25 153, p50 459, p75 1,947, p90 12,870, p95 19,473 s; sampled by inverse CDF, log-linear
//                between those quantiles, so the 5 % tails on each side are cut; then at least 60 s, so
//                durations run from a minute to about 5.4 hours.
//   replicas     1: a bare Pod that Succeeds when its duration ends (a ReplicaSet would restart it; parallel
//                workers are the burst's separate rows).
//   cpu / memory 500m, 1, 2, 3 cores (weights 15/35/35/15) with 2 GiB per core; or, for a quarter of the
//                bursts (memory-heavy, label profile=memory), 500m, 1, 2 cores (30/40/30) with 8 GiB per core,
//                so that the 16Gi ones fit only a memory-optimised node — chosen. Everything fits 4 vCPUs.
//   namespace    batch.
// GPU work (--gpu):
//   share/whole  43.6 % share one GPU, 56.4 % take whole GPUs: the Alibaba default trace's 3,078 sharing
//                pods vs 3,986 whole-GPU pods (shared/reference/fgd-experiment.md §1.2).
//   gpu_milli    of sharing rows: the trace's empirical distribution of gpu_milli over its 3,078 sharing
//                pods (SHARE_MILLI below: 810 35 %, 470 24 %, 320 11 %, 650 8 %, ...).
//   gpu          of whole-GPU rows: 1, 2, 4, 8 GPUs in the trace's counts 3,911 / 16 / 15 / 44, keeping only
//                counts ≤ --max-gpus (renormalised).
//   gpu_model    a quarter of GPU rows name one of --gpu-models (uniformly): the trace's gpuspec25 variant has
//                24.9 % of its GPU pods with a model constraint (1,759 of 7,064). The rest take any model.
//   duration     the trace's lifetimes of sharing pods (p5 27 s, p10 55, p25 143, p50 440, p75 1,418,
//                p90 7,103, p95 16,521 s) and of whole-GPU pods (p5 57, p10 92, p25 200, p50 633, p75 2,248,
//                p90 5,641, p95 13,220 s), sampled as for batch, at least 60 s.
//   arrival      uniform over the window — chosen.
//   cpu / memory sharing: 500m, 1, 1500m or 2 cores; whole: 3 cores per GPU; 4 GiB per core — chosen so that
//                one-GPU pods fit 4-vCPU / 16 GiB single-GPU machines (g5.xlarge: 3920m and ~14.5Gi allocatable)
//                and 4-GPU pods 48-vCPU ones; the trace's own CPU asks (~3–12 cores per GPU) are for 96-core nodes.
//   namespace    ml.
// Images and sizes: a few public images per kind with sizes chosen to be about right for them (not measured).
// priority_class is left empty: which PriorityClasses exist is the simulation's input, not this file's.
import { seededRng, type Rng } from '../util/rng.js';

/** The columns, in the order written (a subset of the workload CSV's documented columns). */
export const GENERATED_COLUMNS = [
  'name',
  'namespace',
  'cpu',
  'memory',
  'arrival',
  'duration',
  'replicas',
  'priority_class',
  'gpu',
  'gpu_milli',
  'gpu_model',
  'labels',
  'anti_affinity',
  'spread',
  'image',
  'image_size',
] as const;
export type GeneratedColumn = (typeof GENERATED_COLUMNS)[number];
export type WorkloadRow = Record<GeneratedColumn, string>;

export type RowKind = 'service' | 'batch' | 'gpu';

export interface GenerateOptions {
  readonly seed: number;
  /** Rows of each kind. */
  readonly services: number;
  readonly batch: number;
  readonly gpu: number;
  /** The arrival window, in hours. */
  readonly hours: number;
  /** GPU models that constrained GPU rows name. */
  readonly gpuModels: readonly string[];
  /** The largest whole-GPU ask (1, 2, 4 or 8 in the trace). */
  readonly maxGpus: number;
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = Object.freeze({
  seed: 1,
  services: 30,
  batch: 250,
  gpu: 20,
  hours: 2,
  gpuModels: Object.freeze(['A10G']),
  maxGpus: 8,
});

/** Label keys the placement columns use (Kubernetes' well-known ones). */
export const HOSTNAME_KEY = 'kubernetes.io/hostname';
export const ZONE_KEY = 'topology.kubernetes.io/zone';

/** gpu_milli → number of sharing pods in the Alibaba default trace (openb_pod_list_default.csv, 3,078 pods). */
export const SHARE_MILLI: readonly (readonly [number, number])[] = [
  [50, 7], [110, 24], [140, 1], [160, 74], [220, 62], [230, 140], [270, 4], [290, 1], [320, 328], [330, 7],
  [350, 6], [370, 47], [440, 2], [460, 128], [470, 750], [480, 19], [550, 72], [590, 75], [650, 253], [810, 1078],
];
/** Whole GPUs per pod → pods in the same trace. */
export const WHOLE_GPUS: readonly (readonly [number, number])[] = [[1, 3911], [2, 16], [4, 15], [8, 44]];
/** Sharing vs whole-GPU pods in the same trace. */
export const SHARE_VS_WHOLE = [3078, 3986] as const;
/** Share of GPU pods with a model constraint in the gpuspec25 trace: 1,759 / 7,064. */
export const GPU_MODEL_FRACTION = 1759 / 7064;

/** Lifetime quantiles in seconds (p5, p10, p25, p50, p75, p90, p95) of the trace's pods, by kind. */
const QUANTILE_PS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95] as const;
export const LIFETIME_QUANTILES = {
  cpu: [94, 135, 153, 459, 1947, 12870, 19473],
  share: [27, 55, 143, 440, 1418, 7103, 16521],
  whole: [57, 92, 200, 633, 2248, 5641, 13220],
} as const;
const MIN_DURATION_SECONDS = 60;

const SERVICE_NAMESPACES = ['web', 'checkout', 'search'] as const;
const SERVICE_APPS = ['frontend', 'api', 'cart', 'catalog', 'auth', 'search', 'cache', 'gateway', 'orders', 'users'] as const;
/** image, size: sizes chosen to be about right for these public images, not measured. */
const SERVICE_IMAGES = [
  ['nginx:1.27', '190Mi'],
  ['redis:7.2', '140Mi'],
  ['node:20-slim', '240Mi'],
  ['eclipse-temurin:21-jre', '270Mi'],
  ['golang:1.22', '820Mi'],
] as const;
const BATCH_IMAGES = [
  ['python:3.12', '1Gi'],
  ['apache/spark:3.5.1', '1300Mi'],
  ['ghcr.io/example/etl:2.4', '600Mi'],
  ['rust:1.79', '1400Mi'],
] as const;
const GPU_IMAGES = [
  ['nvcr.io/nvidia/pytorch:24.05-py3', '9Gi'],
  ['nvcr.io/nvidia/tritonserver:24.05-py3', '7Gi'],
  ['vllm/vllm-openai:v0.5.0', '5Gi'],
] as const;

// ---------------------------------------------------------------------------------------------------------
// Sampling helpers

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

/** A value drawn with the given weights. */
function weighted<T>(rng: Rng, table: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let u = rng.next() * total;
  for (const [v, w] of table) {
    if (u < w) return v;
    u -= w;
  }
  return table[table.length - 1]![0];
}

function uniformInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Inverse CDF over quantile knots, log-linear between them; u in [p5, p95]. */
function fromQuantiles(rng: Rng, knots: readonly number[]): number {
  const lo = QUANTILE_PS[0];
  const hi = QUANTILE_PS[QUANTILE_PS.length - 1]!;
  const u = lo + rng.next() * (hi - lo);
  let i = 0;
  while (i < QUANTILE_PS.length - 2 && u > QUANTILE_PS[i + 1]!) i++;
  const p0 = QUANTILE_PS[i]!;
  const p1 = QUANTILE_PS[i + 1]!;
  const f = (u - p0) / (p1 - p0);
  return Math.exp(Math.log(knots[i]!) + f * (Math.log(knots[i + 1]!) - Math.log(knots[i]!)));
}

function lifetime(rng: Rng, kind: keyof typeof LIFETIME_QUANTILES): number {
  return Math.max(MIN_DURATION_SECONDS, Math.round(fromQuantiles(rng, LIFETIME_QUANTILES[kind])));
}

/** Millicores as a quantity: "2" for whole cores, else "500m". */
function cpuQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB as a quantity: "4Gi" when whole GiB, else "768Mi". */
function memoryQuantity(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function emptyRow(): WorkloadRow {
  return Object.fromEntries(GENERATED_COLUMNS.map((c) => [c, ''])) as WorkloadRow;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------------------
// The three kinds

interface Draft {
  readonly row: WorkloadRow;
  readonly kind: RowKind;
  readonly arrival: number;
}

function services(rng: Rng, n: number, windowSeconds: number): Draft[] {
  const out: Draft[] = [];
  const width = String(n).length;
  for (let i = 0; i < n; i++) {
    const app = pick(rng, SERVICE_APPS);
    const name = `${app}-${pad(i + 1, width)}`;
    const cpu = weighted(rng, [[100, 15], [250, 30], [500, 30], [1000, 18], [2000, 7]] as const);
    const perCore = weighted(rng, [[1024, 3], [2048, 5], [4096, 2]] as const);
    const mem = Math.max(128, Math.round((cpu * perCore) / 1000 / 64) * 64);
    const arrival = rng.next() < 0.7 ? 0 : Math.floor(rng.next() * windowSeconds);
    const [image, size] = pick(rng, SERVICE_IMAGES);
    const row = emptyRow();
    row.name = name;
    row.namespace = pick(rng, SERVICE_NAMESPACES);
    row.cpu = cpuQuantity(cpu);
    row.memory = memoryQuantity(mem);
    row.arrival = String(arrival);
    row.replicas = String(uniformInt(rng, 2, 6));
    row.labels = `app=${name};tier=${app === 'cache' ? 'cache' : 'web'}`;
    const placement = rng.next();
    if (placement < 0.4) row.anti_affinity = HOSTNAME_KEY;
    else if (placement < 0.8) row.spread = `${ZONE_KEY}:1`;
    else row.spread = `${HOSTNAME_KEY}:1`;
    row.image = image;
    row.image_size = size;
    out.push({ row, kind: 'service', arrival });
  }
  return out;
}

function batchJobs(rng: Rng, n: number, windowSeconds: number): Draft[] {
  const out: Draft[] = [];
  let burst = 0;
  while (out.length < n) {
    burst++;
    // Geometric with p = 1/6 on {1, 2, ...}: mean 6 jobs per burst.
    let size = 1;
    while (rng.next() >= 1 / 6) size++;
    size = Math.min(size, n - out.length);
    const memoryHeavy = rng.next() < 0.25;
    const cpu = memoryHeavy ? weighted(rng, [[500, 30], [1000, 40], [2000, 30]] as const) : weighted(rng, [[500, 15], [1000, 35], [2000, 35], [3000, 15]] as const);
    const mem = Math.round((cpu * (memoryHeavy ? 8192 : 2048)) / 1000);
    const [image, imageSize] = pick(rng, BATCH_IMAGES);
    let t = rng.next() * windowSeconds;
    for (let j = 0; j < size; j++) {
      if (j > 0) t += 1 + exponential(rng, 10);
      const arrival = Math.floor(t);
      const row = emptyRow();
      row.name = `job-${pad(burst, 3)}-${pad(j + 1, 2)}`;
      row.namespace = 'batch';
      row.cpu = cpuQuantity(cpu);
      row.memory = memoryQuantity(mem);
      row.arrival = String(arrival);
      row.duration = String(lifetime(rng, 'cpu'));
      row.replicas = '1';
      row.labels = `job=burst-${pad(burst, 3)};kind=batch${memoryHeavy ? ';profile=memory' : ''}`;
      row.image = image;
      row.image_size = imageSize;
      out.push({ row, kind: 'batch', arrival });
    }
  }
  return out;
}

function gpuWork(rng: Rng, n: number, windowSeconds: number, opts: GenerateOptions): Draft[] {
  const out: Draft[] = [];
  const width = String(n).length;
  const wholeTable = WHOLE_GPUS.filter(([k]) => k <= opts.maxGpus);
  for (let i = 0; i < n; i++) {
    const share = rng.next() < SHARE_VS_WHOLE[0] / (SHARE_VS_WHOLE[0] + SHARE_VS_WHOLE[1]);
    const row = emptyRow();
    let cpu: number;
    if (share) {
      row.name = `infer-${pad(i + 1, width)}`;
      row.gpu_milli = String(weighted(rng, SHARE_MILLI));
      cpu = pick(rng, [500, 1000, 1500, 2000]);
      row.duration = String(lifetime(rng, 'share'));
    } else {
      row.name = `train-${pad(i + 1, width)}`;
      const gpus = weighted(rng, wholeTable);
      row.gpu = String(gpus);
      cpu = 3000 * gpus;
      row.duration = String(lifetime(rng, 'whole'));
    }
    if (opts.gpuModels.length > 0 && rng.next() < GPU_MODEL_FRACTION) row.gpu_model = pick(rng, opts.gpuModels);
    const arrival = Math.floor(rng.next() * windowSeconds);
    const [image, size] = pick(rng, GPU_IMAGES);
    row.namespace = 'ml';
    row.cpu = cpuQuantity(cpu);
    row.memory = memoryQuantity((cpu * 4096) / 1000);
    row.arrival = String(arrival);
    row.replicas = '1';
    row.labels = `app=${row.name};kind=${share ? 'inference' : 'training'}`;
    row.image = image;
    row.image_size = size;
    out.push({ row, kind: 'gpu', arrival });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Entry points

/** Checks options; returns a problem in the words of the flag, or undefined. */
export function generateOptionsProblem(opts: GenerateOptions): string | undefined {
  for (const k of ['services', 'batch', 'gpu'] as const) {
    const v = opts[k];
    if (!Number.isInteger(v) || v < 0) return `--${k}: ${String(v)} is not a count (expected a whole number, 0 or more)`;
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) return `--seed: ${String(opts.seed)} is not a seed (expected a whole number from 0 to 4294967295)`;
  if (!(opts.hours > 0) || !Number.isFinite(opts.hours)) return `--hours: ${String(opts.hours)} is not a positive number of hours (expected e.g. 2 or 0.5)`;
  if (![1, 2, 4, 8].includes(opts.maxGpus)) return `--max-gpus: ${String(opts.maxGpus)} is not one of 1, 2, 4, 8`;
  for (const m of opts.gpuModels) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(m)) return `--gpu-models: ${JSON.stringify(m)} is not a GPU model name (expected e.g. A10G, a valid label value)`;
  }
  return undefined;
}

/**
 * The rows, in arrival order (ties in the order services, batch, GPU, then generation order). Each kind
 * draws from its own stream derived from the seed, so adding GPU rows does not change the services.
 */
export function generateWorkloadRows(opts: GenerateOptions): { row: WorkloadRow; kind: RowKind }[] {
  const problem = generateOptionsProblem(opts);
  if (problem !== undefined) throw new RangeError(problem);
  const windowSeconds = Math.round(opts.hours * 3600);
  const stream = (k: number) => seededRng((opts.seed * 3 + k) >>> 0);
  const drafts = [
    ...services(stream(0), opts.services, windowSeconds),
    ...batchJobs(stream(1), opts.batch, windowSeconds),
    ...gpuWork(stream(2), opts.gpu, windowSeconds, opts),
  ];
  // Array.prototype.sort is stable, so equal arrivals keep the order above.
  drafts.sort((a, b) => a.arrival - b.arrival);
  return drafts.map(({ row, kind }) => ({ row, kind }));
}

/** The canonical command line for these options: every option spelled out, so it regenerates the same file. */
export function generateCommandLine(opts: GenerateOptions, out?: string): string {
  const parts = [
    'drydock generate',
    `--seed ${opts.seed}`,
    `--services ${opts.services}`,
    `--batch ${opts.batch}`,
    `--gpu ${opts.gpu}`,
    `--hours ${opts.hours}`,
    `--max-gpus ${opts.maxGpus}`,
    `--gpu-models ${opts.gpuModels.length > 0 ? opts.gpuModels.join(',') : "''"}`,
  ];
  if (out !== undefined) parts.push(`--out ${out}`);
  return parts.join(' ');
}

/** One CSV field: quoted only when it has to be (no generated value has to, but the writer stays correct). */
function csvField(v: string): string {
  return /[",\r\n#]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * The whole file: a `# <command line>` comment (csv-parse skips it with `comment: '#'`), the header, one line
 * per row, LF line endings and a final newline.
 */
export function generateWorkloadCsv(opts: GenerateOptions, out?: string): string {
  const lines = [`# ${generateCommandLine(opts, out)}`, GENERATED_COLUMNS.join(',')];
  for (const { row } of generateWorkloadRows(opts)) lines.push(GENERATED_COLUMNS.map((c) => csvField(row[c])).join(','));
  return lines.join('\n') + '\n';
}
