// drydock explain: one scheduling cycle for one pod against a cluster described in YAML, with every node's
// filter results in kube-scheduler's words and every score plugin's raw, normalised and weighted score.
import { readFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseAllDocuments } from 'yaml';
import { lookupKind, kinds, type Pod } from '../../api/index.js';
import { ApiServer } from '../../apiserver/apiserver.js';
import { ApiError } from '../../apiserver/errors.js';
import { SharedInformerFactory } from '../../apiserver/informer.js';
import { isRecord, type Json } from '../../apiserver/strategy.js';
import { asyncStore } from '../../store/embedded.js';
import { MvccStore } from '../../store/mvcc.js';
import { ConfigError } from '../../scheduler/framework.js';
import { createScheduler, inTreeRegistry, parseSchedulerConfiguration } from '../../scheduler/index.js';
import { explainPod, type ExplainOutput } from '../../scheduler/explain.js';
import type { Explanation } from '../../scheduler/runtime.js';
import { ManualClock } from '../../util/clock.js';
import { seededRng } from '../../util/rng.js';
import { UserInputError } from '../errors.js';
import { checkSeed } from '../flags.js';

interface ExplainArgs {
  cluster: string;
  pod: string;
  config?: string;
  json?: boolean;
  seed: number;
}

/** Kinds a cluster file may hold, in the order they are created (namespaces before what lives in them). */
const CLUSTER_KINDS = ['Namespace', 'PriorityClass', 'RuntimeClass', 'Node', 'PodDisruptionBudget', 'Pod'] as const;

interface Doc {
  readonly obj: Json;
  readonly where: string;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${flag} ${path}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The documents of a multi-document YAML file, each with "FILE: document N" for messages. */
function readDocs(path: string, flag: string): Doc[] {
  const text = readText(path, flag);
  const docs: Doc[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    const err = d.errors[0];
    if (err !== undefined) {
      const line = err.linePos?.[0];
      throw new UserInputError(`${path}:${line ? `${line.line}:${line.col}` : ''} ${err.message.split('\n')[0]}`);
    }
    const obj = d.toJS() as unknown;
    if (obj === null || obj === undefined) return;
    const line = d.contents ? text.slice(0, d.contents.range[0]).split('\n').length : 1;
    if (!isRecord(obj)) throw new UserInputError(`${path}:${line}: document ${i + 1} is not an object (expected a Kubernetes object with kind)`);
    docs.push({ obj, where: `${path}:${line}` });
  });
  return docs;
}

function kindOf(doc: Doc, allowed: readonly string[]): (typeof CLUSTER_KINDS)[number] {
  const kind = doc.obj['kind'];
  const k = typeof kind === 'string' ? lookupKind(kind) : undefined;
  if (k === undefined || !allowed.includes(k)) {
    throw new UserInputError(`${doc.where}: kind ${JSON.stringify(kind ?? null)} is not something explain reads (expected one of ${allowed.join(', ')})`);
  }
  return k as (typeof CLUSTER_KINDS)[number];
}

function nameOf(obj: Json): string {
  return isRecord(obj['metadata']) ? String(obj['metadata']['name'] ?? '') : '';
}

function namespaceOf(obj: Json): string {
  return isRecord(obj['metadata']) && typeof obj['metadata']['namespace'] === 'string' ? obj['metadata']['namespace'] : 'default';
}

/** A PDB without status gets the one the disruption controller would compute from the file's pods. */
function withPdbStatus(pdb: Json, pods: readonly Json[]): Json {
  if (isRecord(pdb['status']) && typeof pdb['status']['disruptionsAllowed'] === 'number') return pdb;
  const spec = isRecord(pdb['spec']) ? pdb['spec'] : {};
  const selector = isRecord(spec['selector']) && isRecord(spec['selector']['matchLabels']) ? spec['selector']['matchLabels'] : {};
  const ns = namespaceOf(pdb);
  const matching = pods.filter((p) => {
    const labels = isRecord(p['metadata']) && isRecord(p['metadata']['labels']) ? p['metadata']['labels'] : {};
    return namespaceOf(p) === ns && Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
  const expected = matching.length;
  const amount = (v: unknown) => (typeof v === 'string' && v.endsWith('%') ? Math.ceil((Number(v.slice(0, -1)) * expected) / 100) : Number(v ?? 0));
  const desired = spec['minAvailable'] !== undefined ? amount(spec['minAvailable']) : spec['maxUnavailable'] !== undefined ? expected - amount(spec['maxUnavailable']) : expected;
  return { ...pdb, status: { currentHealthy: expected, desiredHealthy: desired, expectedPods: expected, disruptionsAllowed: Math.max(0, expected - desired) } };
}

/** Runs the explanation (exported for tests): everything through the API server, as a real cluster would. */
export async function explain(clusterFile: string, podFile: string, configFile: string | undefined, seed = 1): Promise<ExplainOutput> {
  const clusterDocs = readDocs(clusterFile, '--cluster');
  const podDocs = readDocs(podFile, '--pod');
  if (podDocs.length !== 1) throw new UserInputError(`--pod ${podFile}: expected exactly one Pod, found ${podDocs.length} documents`);
  const podDoc = podDocs[0]!;
  kindOf(podDoc, ['Pod']);
  const config = configFile !== undefined ? parseConfig(configFile) : undefined;

  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const api = new ApiServer({ store: asyncStore(new MvccStore({ clock })), clock, rng: seededRng(seed) });
  await api.bootstrap();
  const byKind = new Map<string, Doc[]>();
  for (const d of clusterDocs) {
    const k = kindOf(d, CLUSTER_KINDS);
    byKind.set(k, [...(byKind.get(k) ?? []), d]);
  }
  const pods = (byKind.get('Pod') ?? []).map((d) => d.obj);
  const namespaces = new Set([...pods, podDoc.obj, ...(byKind.get('PodDisruptionBudget') ?? []).map((d) => d.obj)].map(namespaceOf));
  for (const d of byKind.get('Namespace') ?? []) namespaces.delete(nameOf(d.obj));
  const create = async (d: Doc, kind: string, obj: Json) => {
    try {
      await api.create(kinds[kind as keyof typeof kinds].resource, obj);
    } catch (err) {
      if (err instanceof ApiError) throw new UserInputError(`${d.where}: ${kind} ${JSON.stringify(nameOf(obj))}: ${err.message}`);
      throw err;
    }
  };
  for (const kind of CLUSTER_KINDS) {
    if (kind === 'Pod') {
      // Namespaces the file's pods live in but does not declare are created for them.
      for (const ns of namespaces) {
        if (ns !== 'default') await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
      }
    }
    for (const d of byKind.get(kind) ?? []) {
      if (kind === 'Pod' && !(isRecord(d.obj['spec']) && typeof d.obj['spec']['nodeName'] === 'string' && d.obj['spec']['nodeName'] !== '')) {
        throw new UserInputError(`${d.where}: Pod ${JSON.stringify(nameOf(d.obj))}: pods in the cluster file must be bound (spec.nodeName); the pod to place goes in --pod`);
      }
      await create(d, kind, kind === 'PodDisruptionBudget' ? withPdbStatus(d.obj, pods) : d.obj);
    }
  }
  // The pod goes through validation, defaulting and admission (priority, tolerations) without being stored.
  let pod: Pod;
  try {
    pod = await api.create<Pod>('pods', podDoc.obj, { dryRun: true });
  } catch (err) {
    if (err instanceof ApiError) throw new UserInputError(`${podDoc.where}: Pod ${JSON.stringify(nameOf(podDoc.obj))}: ${err.message}`);
    throw err;
  }
  if (pod.spec.nodeName !== undefined && pod.spec.nodeName !== '') throw new UserInputError(`${podDoc.where}: the pod to explain must not be bound (spec.nodeName is set)`);

  const informers = new SharedInformerFactory(api);
  const scheduler = createScheduler({ api, informers, clock, rng: seededRng(seed), percentageOfNodesToScore: 100, recordEvents: false, updatePodConditions: false, ...(config ? { config } : {}) });
  await scheduler.start();
  scheduler.stop();
  const schedulerName = pod.spec.schedulerName ?? 'default-scheduler';
  if (!scheduler.hasProfile(schedulerName)) throw new UserInputError(`${podDoc.where}: no profile for schedulerName ${JSON.stringify(schedulerName)} (profiles: check --config)`);
  return explainPod(scheduler, pod, schedulerName);
}

function parseConfig(file: string) {
  try {
    return parseSchedulerConfiguration(readText(file, '--config'), file, inTreeRegistry);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserInputError(err.message);
    throw err;
  }
}

/** The human-readable form: one block per node, then the choice. */
export function formatExplanation(out: ExplainOutput, _e?: Explanation): string {
  const lines: string[] = [`pod ${out.pod}`];
  const plugins = [...new Set(out.nodes.flatMap((n) => Object.keys(n.scores)))];
  const width = Math.max(4, ...out.nodes.map((n) => n.name.length));
  for (const n of out.nodes) {
    if (!n.feasible) {
      lines.push(`  ${n.name.padEnd(width)}  infeasible: ${n.reasons.join('; ')}`);
      continue;
    }
    lines.push(`  ${n.name.padEnd(width)}  feasible, total ${n.total}${out.selectedNode === n.name ? '  <- selected' : ''}`);
    for (const p of plugins) {
      const s = n.scores[p];
      if (s !== undefined) lines.push(`  ${''.padEnd(width)}    ${p.padEnd(32)} raw ${String(s.raw).padStart(5)}  normalized ${String(s.normalized).padStart(3)}  weighted ${String(s.weighted).padStart(4)}`);
    }
  }
  if (out.selectedNode !== null) lines.push(`selected node: ${out.selectedNode}`);
  else lines.push(`no node fits: ${out.message ?? ''}`);
  if (out.preemption !== null) {
    const p = out.preemption;
    if (p.choice !== null) {
      const chosen = p.candidates.find((c) => c.node === p.choice!.node);
      const victims = (chosen?.victims ?? []).map((v) => `${v.pod} (priority ${v.priority})`).join(', ');
      lines.push(`preemption: would nominate ${p.choice.node} (decided by ${p.choice.decidedBy}), evicting ${victims || 'nothing'}`);
      for (const d of p.dryRun) {
        if (d.node !== p.choice.node) lines.push(`  ${d.node}: ${d.outcome}${d.reasons.length > 0 ? `: ${d.reasons.join('; ')}` : ''}`);
      }
    } else {
      lines.push(`preemption: ${p.message}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain',
  describe: 'Explain where one pod would be scheduled in a cluster described in YAML, node by node',
  builder: (y: Argv) =>
    y
      .option('cluster', { type: 'string', demandOption: true, describe: 'Multi-document YAML: Nodes, bound Pods, PriorityClasses, PodDisruptionBudgets, Namespaces, RuntimeClasses' })
      .option('pod', { type: 'string', demandOption: true, describe: 'YAML of the one Pod to place' })
      .option('config', { type: 'string', describe: 'A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of text' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed for tie-breaking and preemption' }) as unknown as Argv<ExplainArgs>,
  handler: async (args: ArgumentsCamelCase<ExplainArgs>) => {
    checkSeed(args.seed);
    const out = await explain(args.cluster, args.pod, args.config, args.seed);
    process.stdout.write(args.json ? JSON.stringify(out, null, 2) + '\n' : formatExplanation(out));
  },
};
