// drydock simulate: a workload (drydock CSV, Alibaba trace, Kubernetes manifests) goes through the whole
// virtual cluster on its manual clock; the summary goes to stdout and the files asked for are written whole
// at the end. Every input is read and checked before the run starts, so bad input ends it with one
// UserInputError (exit 2) and no output file.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseAllDocuments } from 'yaml';
import type { Json } from '../../apiserver/strategy.js';
import { defaultCatalogPath, loadCatalog } from '../../cloud/catalog.js';
import { loadNodePools, parseNodePools, type ClusterAutoscalerSettings, type ResolvedNodePool } from '../../cloud/nodepool.js';
import { formatSummaryTable, writeEventsJsonl, writeFileAtomic, writeHtmlReport, writeJson, writeMetricsCsv, writePlacementsCsv } from '../../report/index.js';
import { ConfigError } from '../../scheduler/framework.js';
import { inTreeRegistry, parseSchedulerConfiguration, type SchedulerConfiguration } from '../../scheduler/index.js';
import { simulate } from '../../sim/simulate.js';
import type { SimulationResult, WorkloadObject } from '../../sim/types.js';
import { detectFormat, loadWorkload, type NodePoolDescription } from '../../workload/index.js';
import { checkObjects, type CheckedObject } from '../../workload/check.js';
import { parseTimeSeconds } from '../../workload/csv.js';
import { DEFAULT_STORAGE_PREFIX } from '../../apiserver/apiserver.js';
import type { Store } from '../../store/types.js';
import { prefixEnd } from '../../store/mvcc.js';
import { connectEtcdLockstep, ETCD_ENDPOINTS_FLAG, ETCD_PREFIX_FLAG, parseEtcdEndpoints, parseEtcdPrefix } from '../etcd.js';
import { UserInputError } from '../errors.js';
import { checkSeed } from '../flags.js';
import { prepareOutput, writeOutput } from '../output.js';

interface SimulateArgs {
  workload?: string[];
  pools?: string;
  nodes?: string;
  'pools-from-nodes': boolean;
  'scheduler-config'?: string;
  seed: number;
  until?: string;
  'sample-every': string;
  json?: string;
  placements?: string;
  events?: string;
  metrics?: string;
  prometheus?: string;
  report?: string;
  quiet: boolean;
  'etcd-endpoints'?: string;
  'etcd-prefix'?: string;
}

/** --sample-every's default: the metrics interval of every run that does not set it (drydock compare's too). */
export const DEFAULT_SAMPLE_EVERY = '60s';

/** datasets/ of this checkout: where the bundled instance catalog lives. */
export function datasetsDir(): string {
  return dirname(defaultCatalogPath());
}

/** The bundled example: what `drydock simulate` runs without arguments (and the baseline `npm start` compares against). */
export function bundledExample(): { workload: string; pools: string } {
  const dir = datasetsDir();
  return { workload: join(dir, 'example-workload.csv'), pools: join(dir, 'example-pools.yaml') };
}

/**
 * A duration flag in milliseconds: the workload CSV's time syntax (90, 90s, 5m, 1h30m), plus whole days ("2d")
 * for long trace replays; anything else, or 0, is one UserInputError naming the flag.
 */
export function durationMs(flag: string, text: string): number {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text);
  const s = days !== null ? Number(days[1]) * 86_400 : parseTimeSeconds(text);
  if (typeof s !== 'number' || !(s > 0)) throw new UserInputError(`${flag} ${text}: not a duration (expected seconds or a duration such as 90s, 30m, 6h, 2d)`);
  return Math.round(s * 1000);
}

/** --nodes as YAML: Node objects, one per document or in a List's items. */
async function readNodesYaml(path: string): Promise<Json[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${path}: cannot read the node list: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const nodes: Json[] = [];
  const checked: CheckedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const line = (pos: number) => text.slice(0, pos).split('\n').length;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new UserInputError(`${path}:${line(e.pos[0])}: YAML error: ${e.message.split('\n')[0]} (expected Node objects)`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const where = `${path}:${line(doc.range[0])}`;
    const obj = value as Json;
    const items = obj['kind'] === 'List' || obj['kind'] === 'NodeList' ? (obj['items'] as unknown) : [obj];
    if (!Array.isArray(items)) throw new UserInputError(`${where}: field "items": not a list (expected a list of Node objects)`);
    for (const item of items as Json[]) {
      if (item === null || typeof item !== 'object' || item['kind'] !== 'Node') {
        throw new UserInputError(`${where}: field "kind": ${JSON.stringify((item as Json | null)?.['kind'] ?? null)} (expected Node)`);
      }
      const name = (item['metadata'] as Json | undefined)?.['name'];
      if (typeof name !== 'string' || name === '') throw new UserInputError(`${where}: field "metadata.name": missing (expected the node's name)`);
      nodes.push(item);
      checked.push({ resource: 'nodes', object: item, source: where });
    }
  }
  // As the API server would take them (quantities, names, a node given twice): one line with file and line.
  await checkObjects(checked);
  return nodes;
}

/** The node list's shapes as fixed-size pools (min = max = initial = the shape's count), priced at 0. */
function poolsFromDescriptions(descriptions: readonly NodePoolDescription[], file: string): ResolvedNodePool[] {
  const docs = descriptions.map((d) => ({
    apiVersion: 'drydock.io/v1',
    kind: 'NodePool',
    metadata: { name: d.name },
    spec: {
      shape: { cpu: d.shape.cpu, memory: d.shape.memory, ...(d.shape.pods !== undefined ? { pods: d.shape.pods } : {}), ...(d.shape.gpu !== undefined ? { gpu: d.shape.gpu } : {}), ...(d.shape.gpuModel !== undefined ? { gpuModel: d.shape.gpuModel } : {}) },
      pricePerHour: 0,
      minSize: d.count,
      maxSize: d.count,
      initialSize: d.count,
    },
  }));
  return [...parseNodePools(docs.map((d) => JSON.stringify(d)).join('\n---\n'), `${file} (pools from its node shapes)`, loadCatalog()).pools];
}

/**
 * Workloads whose arrivals span more than a day (trace replays) run without kubelet heartbeats and node
 * lifecycle: no node fails in a replay, and a heartbeat per node every 10 s would be most of the work.
 */
export function heartbeatsFor(objects: readonly WorkloadObject[]): boolean {
  const span = objects.length > 0 ? objects[objects.length - 1]!.arrivalMs : 0;
  return span <= 24 * 3_600_000;
}

export interface SimulateInputs {
  readonly paths: readonly string[];
  readonly pools: readonly ResolvedNodePool[];
  readonly autoscaler?: ClusterAutoscalerSettings;
  readonly nodes: readonly Json[];
  readonly schedulerConfig?: SchedulerConfiguration;
}

/** A progress line on stderr, redrawn in place; only on a terminal, and only once the run has taken a second. */
function progressReporter(enabled: boolean): { update: (simMs: number, done: number, total: number) => void; end: () => void } {
  const started = Date.now();
  let shown = false;
  let last = 0;
  return {
    update: (simMs, done, total) => {
      if (!enabled) return;
      const now = Date.now();
      if (now - started < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      const width = 30;
      const filled = total === 0 ? 0 : Math.round((done / total) * width);
      const h = Math.floor(simMs / 3_600_000);
      const m = Math.floor((simMs % 3_600_000) / 60_000);
      const s = Math.floor((simMs % 60_000) / 1000);
      const t = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] simulated ${t}  pods done ${done}/${total} `);
    },
    end: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: 'simulate',
  describe: 'Run a workload (CSV, Alibaba trace, manifests) through a simulated cluster and report where every pod went',
  builder: (y: Argv) =>
    y
      .option('workload', { type: 'string', array: true, describe: 'Workload files or folders (default: the bundled datasets/example-workload.csv)' })
      .option('pools', { type: 'string', describe: 'Node pools and autoscaler settings (YAML; default with the bundled workload: datasets/example-pools.yaml)' })
      .option('nodes', { type: 'string', describe: 'A static node list: an Alibaba openb_node_list CSV or YAML Node objects' })
      .option('pools-from-nodes', { type: 'boolean', default: false, describe: 'Turn an Alibaba node list into one fixed-size pool per node shape' })
      .option('scheduler-config', { type: 'string', describe: 'A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed for every random choice (same inputs and seed, same output)' })
      .option('until', { type: 'string', describe: 'Stop at this simulated time (e.g. 6h; default: when the workload is done)' })
      .option('sample-every', { type: 'string', default: DEFAULT_SAMPLE_EVERY, describe: 'Metrics sampling interval in simulated time' })
      .option('json', { type: 'string', describe: 'Write the summary as JSON to FILE' })
      .option('placements', { type: 'string', describe: 'Write one CSV row per pod to FILE' })
      .option('events', { type: 'string', describe: 'Write every Event object as JSON lines to FILE' })
      .option('metrics', { type: 'string', describe: 'Write the per-pool time series as CSV to FILE' })
      .option('prometheus', { type: 'string', describe: "Write the scheduler's, the autoscaler's and the requested/allocatable Prometheus metrics at the end of the run to FILE" })
      .option('report', { type: 'string', describe: 'Write a self-contained HTML report to FILE' })
      .option('quiet', { type: 'boolean', default: false, describe: 'No summary on stdout, no progress on stderr' })
      .option('etcd-endpoints', { ...ETCD_ENDPOINTS_FLAG, describe: 'Keep the simulated cluster in etcd at these client URLs (slower; the same results)' })
      .option('etcd-prefix', { ...ETCD_PREFIX_FLAG, describe: 'The key prefix in etcd; it must be empty when the run starts' })
      .conflicts('pools', 'nodes') as unknown as Argv<SimulateArgs>,
  handler: async (args: ArgumentsCamelCase<SimulateArgs>) => {
    const result = await runSimulateCommand(args);
    if (!args.quiet) process.stdout.write(formatSummaryTable(result.summary));
  },
};

/** Everything `drydock simulate` does except printing the summary; returns the result (tests call it directly). */
export async function runSimulateCommand(args: Omit<SimulateArgs, 'quiet'> & { quiet?: boolean }): Promise<SimulationResult> {
  checkSeed(args.seed);
  const untilMs = args.until !== undefined ? durationMs('--until', args.until) : undefined;
  const sampleEveryMs = durationMs('--sample-every', args['sample-every']);
  const example = bundledExample();
  const workloadPaths = args.workload !== undefined && args.workload.length > 0 ? args.workload : [example.workload];
  const poolsPath = args.pools ?? (args.workload === undefined && args.nodes === undefined ? example.pools : undefined);

  // Read everything before the run: a bad file stops it here.
  const alibabaNodes = args.nodes !== undefined && detectFormat(args.nodes) === 'alibaba-nodes';
  // With --pools the pools are the cluster: the node list next to an Alibaba pod list is not read.
  const loaded = await loadWorkload(workloadPaths, {
    ...(args.nodes !== undefined ? { nodeList: args.nodes } : {}),
    poolsFromNodes: args['pools-from-nodes'],
    noNodeList: args.pools !== undefined,
  });
  const nodes: Json[] = [...loaded.nodes];
  if (args.nodes !== undefined && !alibabaNodes) nodes.push(...(await readNodesYaml(args.nodes)));
  let pools: ResolvedNodePool[] = [];
  let autoscaler: ClusterAutoscalerSettings | undefined;
  if (poolsPath !== undefined) {
    const file = loadNodePools(poolsPath, loadCatalog());
    pools = [...file.pools];
    autoscaler = file.autoscaler;
  }
  if (loaded.pools.length > 0) pools.push(...poolsFromDescriptions(loaded.pools, args.nodes ?? workloadPaths[0]!));
  let schedulerConfig: SchedulerConfiguration | undefined;
  if (args['scheduler-config'] !== undefined) {
    let text: string;
    try {
      text = readFileSync(args['scheduler-config'], 'utf8');
    } catch (err) {
      throw new UserInputError(`--scheduler-config ${args['scheduler-config']}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      schedulerConfig = parseSchedulerConfiguration(text, args['scheduler-config'], inTreeRegistry);
    } catch (err) {
      if (err instanceof ConfigError) throw new UserInputError(err.message);
      throw err;
    }
  }
  // Output folders exist before the run, so a bad path fails now rather than after it.
  const outputs: [string, string, (file: string, r: SimulationResult, title: string) => Promise<void>][] = [];
  const want = (flag: string, file: string | undefined, write: (file: string, r: SimulationResult, title: string) => Promise<void>) => {
    if (file === undefined) return;
    prepareOutput(flag, file);
    outputs.push([flag, file, write]);
  };
  want('--json', args.json, (f, r) => writeJson(f, r.summary));
  want('--placements', args.placements, (f, r) => writePlacementsCsv(f, r.placements));
  want('--events', args.events, (f, r) => writeEventsJsonl(f, r.events));
  want('--metrics', args.metrics, (f, r) => writeMetricsCsv(f, r.metrics));
  want('--prometheus', args.prometheus, (f, r) => writeFileAtomic(f, [r.prometheus ?? '']));
  want('--report', args.report, (f, r, title) => writeHtmlReport(f, r, { title }));
  if (pools.length === 0 && nodes.length === 0) {
    if (args.nodes !== undefined && !alibabaNodes) throw new UserInputError(`${args.nodes}: no Node objects (expected YAML Node objects for --nodes)`);
    throw new UserInputError(`${workloadPaths[0]}: no nodes to run on (expected --pools FILE, --nodes FILE, or an Alibaba trace with its node list)`);
  }

  // On etcd: in lockstep (each request answered, and its watch events delivered, before the call returns), so
  // the run makes the same calls in the same order as in memory, under a prefix nothing else uses (another
  // cluster's objects there would join the simulation).
  let store: Store | undefined;
  let storagePrefix: string | undefined;
  if (args['etcd-endpoints'] !== undefined) {
    const endpoints = parseEtcdEndpoints(args['etcd-endpoints']);
    storagePrefix = parseEtcdPrefix(args['etcd-prefix'] ?? DEFAULT_STORAGE_PREFIX);
    store = connectEtcdLockstep(endpoints);
    const held = (await store.range({ key: `${storagePrefix}/`, rangeEnd: prefixEnd(`${storagePrefix}/`), countOnly: true })).count;
    if (held > 0) {
      await store.close();
      throw new UserInputError(`--etcd-prefix ${storagePrefix}: etcd at ${endpoints.join(',')} already holds ${held} keys under ${storagePrefix}/ (expected an empty prefix for a simulation; pass another --etcd-prefix, e.g. /drydock-sim-${args.seed})`);
    }
  }

  const progress = progressReporter(args.quiet !== true && process.stderr.isTTY === true);
  const workload = { objects: loaded.objects, nodes, inputs: loaded.inputs };
  const heartbeats = heartbeatsFor(loaded.objects);
  const result = await simulate({
    workload,
    pools,
    ...(autoscaler !== undefined ? { autoscaler } : {}),
    ...(schedulerConfig !== undefined ? { schedulerConfig } : {}),
    seed: args.seed,
    ...(untilMs !== undefined ? { untilMs } : {}),
    sampleEveryMs,
    heartbeats,
    wallNow: () => performance.now(),
    onProgress: progress.update,
    ...(args.prometheus !== undefined ? { metricsRegistry: new (await import('prom-client')).Registry() } : {}),
    ...(store !== undefined ? { store } : {}),
    ...(storagePrefix !== undefined ? { storagePrefix } : {}),
  }).finally(() => store?.close());
  progress.end();

  const title = `drydock simulate — ${loaded.inputs.map((i) => i.file).join(', ')}`;
  for (const [flag, file, write] of outputs) await writeOutput(flag, file, (f) => write(f, result, title));
  return result;
}
