// One interface over two mixed-integer linear solvers: javascript-lp-solver (pure JavaScript) and HiGHS
// (the `highs` package: HiGHS compiled to WebAssembly). The planner builds a LinearModel once and hands it
// to either; benchmarks/plan-solver.ts measures both on the same models (100 instance types × 24 windows),
// and the faster one is the default (see DEFAULT_SOLVER).
//
// A LinearModel is "minimise Σ cost·x subject to min ≤ Σ coef·x ≤ max, 0 ≤ x ≤ upper, some x integer".
// Column and row names are the model's own (for messages); solvers see generated names (c0, r0), so any
// name is safe in the LP text format.
import jsLpSolver from 'javascript-lp-solver';
import highsModule from 'highs';
import type { Highs, LegacyHighsOptions } from 'highs';

// highs' types.d.ts is read as CommonJS (its package.json has no "type": "module"), so TypeScript sees the
// default import as the module object; at run time the ESM build's default export is the loader itself.
const loadHighs = highsModule as unknown as () => Promise<Highs>;

export interface Column {
  readonly name: string;
  readonly cost: number;
  readonly integer: boolean;
  /** Upper bound (lower bound is 0); undefined = none. */
  readonly upper?: number;
}

export interface Row {
  readonly name: string;
  /** [column index, coefficient]; each column at most once. */
  readonly terms: readonly (readonly [number, number])[];
  readonly min?: number;
  readonly max?: number;
}

export interface LinearModel {
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
}

export type SolveStatus = 'optimal' | 'time-limit' | 'infeasible' | 'unbounded';

export interface SolveOptions {
  readonly timeLimitSeconds: number;
  /** Drop integrality: the LP relaxation. */
  readonly relax?: boolean;
  /** Relative optimality gap at which branch-and-bound may stop (default 1e-4). */
  readonly gap?: number;
}

export interface LinearSolution {
  readonly status: SolveStatus;
  /** True when `values` satisfy every row and bound (and integrality unless relaxed). */
  readonly feasible: boolean;
  readonly objective: number;
  readonly values: readonly number[];
  readonly seconds: number;
}

export interface LinearSolver {
  readonly name: SolverName;
  solve(model: LinearModel, options: SolveOptions): LinearSolution;
}

export const SOLVER_NAMES = ['highs', 'javascript-lp-solver'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];
/** The faster of the two on benchmarks/plan-solver.ts's models (benchmarks/results/plan-solver.json). */
export const DEFAULT_SOLVER: SolverName = 'highs';

const FEASIBILITY_TOLERANCE = 1e-6;
const INTEGRALITY_TOLERANCE = 1e-6;

/** Does `values` satisfy the model (rows, bounds, and integrality unless `relax`)? */
export function isFeasible(model: LinearModel, values: readonly number[], relax = false): boolean {
  for (let i = 0; i < model.columns.length; i++) {
    const c = model.columns[i]!;
    const v = values[i] ?? 0;
    if (!Number.isFinite(v) || v < -FEASIBILITY_TOLERANCE) return false;
    if (c.upper !== undefined && v > c.upper + FEASIBILITY_TOLERANCE) return false;
    if (!relax && c.integer && Math.abs(v - Math.round(v)) > INTEGRALITY_TOLERANCE) return false;
  }
  for (const r of model.rows) {
    let sum = 0;
    for (const [i, a] of r.terms) sum += a * (values[i] ?? 0);
    const scale = Math.max(1, Math.abs(r.min ?? 0), Math.abs(r.max ?? 0));
    if (r.min !== undefined && sum < r.min - FEASIBILITY_TOLERANCE * scale) return false;
    if (r.max !== undefined && sum > r.max + FEASIBILITY_TOLERANCE * scale) return false;
  }
  return true;
}

export function objectiveOf(model: LinearModel, values: readonly number[]): number {
  let z = 0;
  for (let i = 0; i < model.columns.length; i++) z += model.columns[i]!.cost * (values[i] ?? 0);
  return z;
}

/** Integer columns snapped to the nearest whole number (solvers return 2.9999999 for 3). */
function snap(model: LinearModel, values: number[], relax: boolean): number[] {
  if (relax) return values;
  return values.map((v, i) => (model.columns[i]!.integer && Math.abs(v - Math.round(v)) <= INTEGRALITY_TOLERANCE ? Math.round(v) : v));
}

// ---------------------------------------------------------------------------------------------------------
// HiGHS

type HighsModule = Highs;

/** A number as the CPLEX LP format reads it (no "e+" surprises for ordinary magnitudes). */
function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(15)));
}

/** The model in CPLEX LP format, the text HiGHS' solve() reads. */
export function toLpText(model: LinearModel, relax: boolean): string {
  const lines: string[] = ['Minimize', ' obj:'];
  const terms = (pairs: Iterable<readonly [number, number]>): string => {
    let s = '';
    for (const [i, a] of pairs) if (a !== 0) s += ` ${a < 0 ? '-' : '+'} ${num(Math.abs(a))} c${i}`;
    return s;
  };
  lines[1] += terms(model.columns.map((c, i) => [i, c.cost] as const)) || ' 0 c0';
  lines.push('Subject To');
  model.rows.forEach((r, k) => {
    const body = terms(r.terms);
    if (body === '') return;
    if (r.min !== undefined) lines.push(` r${k}_lo:${body} >= ${num(r.min)}`);
    if (r.max !== undefined) lines.push(` r${k}_hi:${body} <= ${num(r.max)}`);
  });
  lines.push('Bounds');
  model.columns.forEach((c, i) => lines.push(c.upper !== undefined ? ` 0 <= c${i} <= ${num(c.upper)}` : ` c${i} >= 0`));
  if (!relax) {
    const ints = model.columns.flatMap((c, i) => (c.integer ? [`c${i}`] : []));
    if (ints.length > 0) lines.push('Generals', ...chunk(ints, 20).map((g) => ` ${g.join(' ')}`));
  }
  lines.push('End', '');
  return lines.join('\n');
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

class HighsSolver implements LinearSolver {
  readonly name = 'highs' as const;
  constructor(private readonly highs: HighsModule) {}

  solve(model: LinearModel, options: SolveOptions): LinearSolution {
    const relax = options.relax === true;
    const started = performance.now();
    const emptyRow = model.rows.find((r) => r.terms.length === 0 && ((r.min ?? 0) > 0 || (r.max ?? 0) < 0));
    if (emptyRow !== undefined) return { status: 'infeasible', feasible: false, objective: NaN, values: [], seconds: 0 };
    const result = this.highs.solve(toLpText(model, relax), {
      output_flag: false,
      time_limit: options.timeLimitSeconds,
      mip_rel_gap: options.gap ?? 1e-4,
      // One thread and a fixed seed: the same model gives the same plan.
      threads: 1,
      random_seed: 0,
    } as Partial<LegacyHighsOptions>);
    const seconds = (performance.now() - started) / 1000;
    const status = String(result.Status);
    if (status === 'Infeasible') return { status: 'infeasible', feasible: false, objective: NaN, values: [], seconds };
    if (status === 'Unbounded' || status === 'Primal infeasible or unbounded') return { status: 'unbounded', feasible: false, objective: NaN, values: [], seconds };
    const columns = (result as unknown as { Columns: Record<string, { Primal?: number }> }).Columns;
    const values = snap(model, model.columns.map((_, i) => columns[`c${i}`]?.Primal ?? 0), relax);
    const feasible = isFeasible(model, values, relax);
    return { status: status === 'Optimal' ? 'optimal' : 'time-limit', feasible, objective: feasible ? objectiveOf(model, values) : NaN, values, seconds };
  }
}

// ---------------------------------------------------------------------------------------------------------
// javascript-lp-solver

interface JsLpModel {
  optimize: string;
  opType: 'min';
  constraints: Record<string, { min?: number; max?: number }>;
  variables: Record<string, Record<string, number>>;
  ints: Record<string, 1>;
  options: { timeout: number; tolerance: number };
}

class JsLpSolver implements LinearSolver {
  readonly name = 'javascript-lp-solver' as const;

  solve(model: LinearModel, options: SolveOptions): LinearSolution {
    const relax = options.relax === true;
    const m: JsLpModel = { optimize: 'cost', opType: 'min', constraints: {}, variables: {}, ints: {}, options: { timeout: options.timeLimitSeconds * 1000, tolerance: options.gap ?? 1e-4 } };
    model.columns.forEach((c, i) => {
      const v: Record<string, number> = { cost: c.cost };
      if (c.upper !== undefined) {
        v[`u${i}`] = 1;
        m.constraints[`u${i}`] = { max: c.upper };
      }
      m.variables[`c${i}`] = v;
      if (c.integer && !relax) m.ints[`c${i}`] = 1;
    });
    model.rows.forEach((r, k) => {
      const bound: { min?: number; max?: number } = {};
      if (r.min !== undefined) bound.min = r.min;
      if (r.max !== undefined) bound.max = r.max;
      m.constraints[`r${k}`] = bound;
      for (const [i, a] of r.terms) m.variables[`c${i}`]![`r${k}`] = a;
    });
    const started = performance.now();
    const result = (jsLpSolver as unknown as { Solve(m: JsLpModel): Record<string, number | boolean | undefined> }).Solve(m);
    const seconds = (performance.now() - started) / 1000;
    if (result['feasible'] !== true) return { status: 'infeasible', feasible: false, objective: NaN, values: [], seconds };
    if (result['bounded'] === false) return { status: 'unbounded', feasible: false, objective: NaN, values: [], seconds };
    const values = snap(model, model.columns.map((_, i) => Number(result[`c${i}`] ?? 0)), relax);
    const feasible = isFeasible(model, values, relax);
    // The library does not say whether branch-and-bound finished; it stopped early if it used the whole budget.
    const timedOut = !relax && seconds >= options.timeLimitSeconds * 0.98;
    return { status: timedOut || !feasible ? 'time-limit' : 'optimal', feasible, objective: feasible ? objectiveOf(model, values) : NaN, values, seconds };
  }
}

/** A solver by name (HiGHS' WebAssembly module is loaded here, once per solver). */
export async function createSolver(name: SolverName = DEFAULT_SOLVER): Promise<LinearSolver> {
  if (name === 'javascript-lp-solver') return new JsLpSolver();
  return new HighsSolver(await loadHighs());
}
