// Where each scheduler_perf case spends its time: profiles the case's measured phase (the span its
// throughput is measured over: V8's sampling profiler, started and stopped by the worker) — or with --whole
// the whole worker under `node --cpu-prof` (cluster start, nodes and initial pods too) — and reads the
// profile back: the functions with the most self time, and the share of a few subsystems (inclusive time of
// their entry points), so a case below target names its hot spots.
// Run: npm run bench:profile [-- --case SchedulingBasic ...] [--top 12] [--whole] [--json FILE]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from '../src/bench/cases.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'bench', 'worker.js');

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Entry points whose inclusive time is reported as a subsystem's share. */
const SUBSYSTEMS: Readonly<Record<string, string>> = {
  'scheduling cycle (scheduleOne)': 'scheduleOne scheduler/scheduler.js',
  'node search: filters (filterChunk)': 'filterChunk scheduler/runtime.js',
  'scoring (prioritize)': 'prioritize scheduler/runtime.js',
  'preemption (PostFilter)': 'postFilter plugins/defaultpreemption.js',
  'API create (ApiServer.create)': 'create apiserver/apiserver.js',
  'pods/binding (ApiServer.bind)': 'bind apiserver/apiserver.js',
  'store commit + watch fan-out (MvccStore.commit)': 'commit store/mvcc.js',
  'informer deliveries (upsert)': 'upsert apiserver/informer.js',
  'garbage collector': '(garbage collector) ',
};

function frameName(f: CallFrame): string {
  const file = f.url.split('/').slice(-2).join('/');
  return `${f.functionName || '(anonymous)'} ${file}`;
}

export interface CaseProfile {
  case: string;
  /** What the profile covers. */
  span: 'measured phase' | 'whole worker';
  profiledMs: number;
  /** Functions by self time, with their line, as % of the profile. */
  selfTop: { function: string; percent: number }[];
  /** Inclusive % of each subsystem's entry point. */
  subsystems: Record<string, number>;
}

export function summarise(name: string, p: CpuProfile, top: number, span: CaseProfile['span'] = 'measured phase'): CaseProfile {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  let total = 0;
  // The inspector's own calls (starting the profiler in-process) are not the case's time.
  const inspector = new Set<number>();
  const mark = (id: number, inside: boolean): void => {
    const n = byId.get(id)!;
    const now = inside || n.callFrame.url.startsWith('node:inspector');
    if (now) inspector.add(id);
    for (const c of n.children ?? []) mark(c, now);
  };
  if (p.nodes.length > 0) mark(p.nodes[0]!.id, false);
  p.samples.forEach((id, i) => {
    if (inspector.has(id)) return;
    const dt = p.timeDeltas[i] ?? 0;
    selfById.set(id, (selfById.get(id) ?? 0) + dt);
    total += dt;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of selfById) {
    const f = byId.get(id)!.callFrame;
    const key = `${frameName(f)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = frameName(byId.get(cur)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const pct = (t: number) => Math.round((1000 * t) / total) / 10;
  const selfTop = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, t]) => ({ function: fn, percent: pct(t) }));
  const subsystems: Record<string, number> = {};
  for (const [label, key] of Object.entries(SUBSYSTEMS)) subsystems[label] = pct(inclusive.get(key) ?? 0);
  return { case: name, span, profiledMs: Math.round(total / 1000), selfTop, subsystems };
}

function profileCase(name: string, top: number, whole: boolean): CaseProfile {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-profile-'));
  try {
    // 100 µs samples for the measured phase (a second or less in most cases); V8's default 1 ms for --whole.
    const args = whole
      ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, WORKER, JSON.stringify({ case: name })]
      : [WORKER, JSON.stringify({ case: name, profile: join(dir, 'measured.cpuprofile'), profileIntervalUs: 100 })];
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`${name}: node wrote no profile`);
    return summarise(name, JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, top, whole ? 'whole worker' : 'measured phase');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const names: string[] = [];
  let top = 12;
  let whole = false;
  let json: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--top') {
      const text = args[++i];
      top = Number(text);
      if (text === undefined || !Number.isSafeInteger(top) || top < 1) {
        process.stderr.write(`bench:profile: --top ${text ?? ''}: not a count (expected a whole number ≥ 1)\n`);
        process.exit(2);
      }
    } else if (a === '--whole') whole = true;
    else if (a === '--json' && args[i + 1] === undefined) {
      process.stderr.write('bench:profile: --json: no file named (expected --json FILE)\n');
      process.exit(2);
    }
    else if (a === '--json') json = args[++i];
    else if (a === '--case') while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) names.push(args[++i]!);
    else {
      process.stderr.write(`bench:profile: unknown argument ${a} (expected --case NAME..., --top N, --whole, --json FILE)\n`);
      process.exit(2);
    }
  }
  const known = new Set(CASES.map((c) => c.name));
  for (const n of names) {
    if (!known.has(n)) {
      process.stderr.write(`bench:profile: --case ${n}: unknown case (expected one of ${[...known].join(', ')})\n`);
      process.exit(2);
    }
  }
  const results: CaseProfile[] = [];
  for (const name of names.length > 0 ? names : [...known]) {
    const r = profileCase(name, top, whole);
    results.push(r);
    process.stdout.write(`\n${r.case} (${r.profiledMs} ms profiled, ${r.span})\n`);
    for (const [label, p] of Object.entries(r.subsystems)) if (p > 0) process.stdout.write(`  ${String(p).padStart(5)}%  ${label}\n`);
    process.stdout.write('  self time:\n');
    for (const s of r.selfTop) process.stdout.write(`  ${String(s.percent).padStart(5)}%  ${s.function}\n`);
  }
  if (json !== undefined) writeFileSync(json, JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
