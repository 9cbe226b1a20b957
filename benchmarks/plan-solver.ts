// Planner solver benchmark: javascript-lp-solver against HiGHS (WebAssembly) on the same capacity models —
// the size the plan issue calls realistic (100 instance types, 24 windows), with and without a pool limit,
// plus the bundled example. Reports, per solver and model, the LP relaxation's and the integer program's
// time, status and cost. Run: npm run bench:plan [-- --time-limit SECONDS] [--gap G] [--solver NAME]
//
// The 100-type catalog is synthetic but shaped like a real one: ten families with the vCPU:memory ratios
// and per-vCPU on-demand prices of datasets/instance-catalog.csv's AWS families (c5 2 GiB at $0.0425,
// m5 4 GiB at $0.048, r5 8 GiB at $0.063, m6g 4 GiB at $0.0385 per vCPU-hour; GPU families priced as
// g4dn/g5/p3), eight sizes each from 2 to 96 vCPU, every price moved by a seeded ±3 % (generations differ).
// The workload is `drydock generate` over a day (24 one-hour windows).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledExample, datasetsDir } from '../src/cli/commands/simulate.js';
import { loadCatalog, parseCatalog } from '../src/cloud/catalog.js';
import { buildModel, buildProblem, createSolver, DEFAULT_GAP, workloadDemand, type LinearSolver, type PlanningProblem } from '../src/plan/index.js';
import { seededRng } from '../src/util/rng.js';
import { loadWorkload } from '../src/workload/index.js';
import { generateWorkloadCsv, DEFAULT_GENERATE_OPTIONS } from '../src/workload/generate.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const timeLimitSeconds = Number(flag('--time-limit') ?? 30);
const jsonOut = flag('--json');
const gap = Number(flag('--gap') ?? DEFAULT_GAP);
const only = flag('--solver');

function syntheticCatalog(): string {
  const rng = seededRng(2023);
  const rand = () => rng.next();
  const families: [string, number, number, number, string][] = [
    // name, GiB per vCPU, USD per vCPU-hour, GPUs per 8 vCPU (0 = none), GPU model
    ['c', 2, 0.0425, 0, ''],
    ['cn', 2, 0.045, 0, ''],
    ['m', 4, 0.048, 0, ''],
    ['ma', 4, 0.0430, 0, ''],
    ['mg', 4, 0.0385, 0, ''],
    ['r', 8, 0.063, 0, ''],
    ['rg', 8, 0.0504, 0, ''],
    ['x', 16, 0.0834, 0, ''],
  ];
  const rows: string[] = ['name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour'];
  const sizes = [2, 4, 8, 16, 32, 48, 64, 96];
  for (const [f, gib, perCpu] of families) {
    for (const v of sizes) {
      const price = v * perCpu * (0.97 + 0.06 * rand());
      rows.push(`${f}${v},aws,us-east-1,${f},${v},${v * gib},0,,amd64,${price.toFixed(4)},`);
    }
  }
  // GPU types: T4 (g4dn-like, $0.526 for 4 vCPU + 1 GPU), A10G (g5-like), V100 (p3-like); 12 shapes each.
  const gpuFamilies: [string, string, number, number][] = [
    ['gt', 'T4', 0.526, 4],
    ['ga', 'A10G', 1.006, 4],
    ['gv', 'V100', 3.06, 8],
  ];
  for (const [f, model, base, baseCpu] of gpuFamilies) {
    for (const [mult, gpus] of [[1, 1], [2, 1], [4, 1], [8, 4], [12, 4], [16, 8]] as const) {
      const v = baseCpu * mult;
      const price = (base * (0.6 + 0.4 * mult) * (gpus / 1) ** 0.9) * (0.97 + 0.06 * rand());
      rows.push(`${f}${v}x${gpus},aws,us-east-1,${f},${v},${v * 4},${gpus},${model},amd64,${price.toFixed(4)},`);
    }
  }
  return rows.join('\n') + '\n';
}

interface Row {
  model: string;
  solver: string;
  types: number;
  windows: number;
  columns: number;
  rows: number;
  integers: number;
  lpSeconds: number;
  lpCost: number;
  milpSeconds: number;
  milpStatus: string;
  milpFeasible: boolean;
  milpCost: number | null;
  gapToLp: number | null;
}

function measure(label: string, problem: PlanningProblem, solver: LinearSolver, maxPools: number): Row {
  const layout = buildModel(problem, { allowance: 1, maxPools });
  const lp = solver.solve(layout.model, { timeLimitSeconds, relax: true });
  const milp = solver.solve(layout.model, { timeLimitSeconds, gap });
  const row: Row = {
    model: label,
    solver: solver.name,
    types: problem.candidates.length,
    windows: problem.windows.length,
    columns: layout.model.columns.length,
    rows: layout.model.rows.length,
    integers: layout.model.columns.filter((c) => c.integer).length,
    lpSeconds: Math.round(lp.seconds * 1000) / 1000,
    lpCost: Math.round(lp.objective * 100) / 100,
    milpSeconds: Math.round(milp.seconds * 1000) / 1000,
    milpStatus: milp.status,
    milpFeasible: milp.feasible,
    milpCost: milp.feasible ? Math.round(milp.objective * 100) / 100 : null,
    gapToLp: milp.feasible ? Math.round(((milp.objective - lp.objective) / milp.objective) * 1e4) / 1e4 : null,
  };
  console.log(
    `${label.padEnd(34)} ${solver.name.padEnd(21)} ${String(row.columns).padStart(5)} cols ${String(row.rows).padStart(5)} rows  LP ${row.lpSeconds.toFixed(2).padStart(6)}s $${row.lpCost}  MILP ${row.milpSeconds.toFixed(2).padStart(6)}s ${row.milpStatus}${row.milpFeasible ? ` $${row.milpCost} (gap ${((row.gapToLp ?? 0) * 100).toFixed(2)}%)` : ' (no integer plan)'}`,
  );
  return row;
}

const dir = mkdtempSync(join(tmpdir(), 'drydock-plan-bench-'));
try {
  const workloadFile = join(dir, 'day.csv');
  writeFileSync(workloadFile, generateWorkloadCsv({ ...DEFAULT_GENERATE_OPTIONS, seed: 5, services: 60, batch: 1500, gpu: 120, hours: 24, maxGpus: 4, gpuModels: ['T4', 'A10G', 'V100'] }, 'day.csv'));
  const day = workloadDemand((await loadWorkload([workloadFile])).objects);
  const big = buildProblem(day, parseCatalog(syntheticCatalog(), 'synthetic-100-types.csv'), { windowMs: 3_600_000, horizonMs: 24 * 3_600_000 });
  const example = buildProblem(workloadDemand((await loadWorkload([bundledExample().workload])).objects), loadCatalog(join(datasetsDir(), 'instance-catalog.csv')));
  const solvers = await Promise.all((['highs', 'javascript-lp-solver'] as const).filter((n) => only === undefined || n === only).map((n) => createSolver(n)));
  console.log(`time limit ${timeLimitSeconds}s per solve, relative gap ${gap}; node ${process.version}`);
  const rows: Row[] = [];
  for (const solver of solvers) {
    rows.push(measure('100 types × 24 windows, ≤ 5 pools', big, solver, 5));
    rows.push(measure('100 types × 24 windows, no limit', big, solver, Infinity));
    rows.push(measure('bundled example, ≤ 5 pools', example, solver, 5));
  }
  if (jsonOut !== undefined) writeFileSync(jsonOut, JSON.stringify({ node: process.version, timeLimitSeconds, gap, rows }, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
