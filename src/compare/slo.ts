// Which configuration to recommend: the cheapest one that meets every SLO flag given. Pure functions of the
// summaries, so the marking is tested with hand-made numbers.
// - A configuration meets the SLO when each given flag holds: p99 pending ≤ --slo-p99-pending, and pods never
//   scheduled ≤ --max-unschedulable. With no flag given, every configuration meets it.
// - Cheapest = lowest cost.total; on a tie the configuration given first wins.
import type { SimulationSummary } from '../sim/types.js';

/** The SLO flags; an absent field is not checked. */
export interface Slo {
  /** --slo-p99-pending, in seconds. */
  readonly p99PendingSeconds?: number;
  /** --max-unschedulable: pods never scheduled. */
  readonly maxUnschedulable?: number;
}

/** What the SLO check reads of a summary. */
export type SloSummary = Pick<SimulationSummary, 'pendingSeconds' | 'pods' | 'cost'>;

export interface SloCheck {
  readonly meets: boolean;
  /** One phrase per flag that does not hold, with the numbers: "p99 pending 412.0s > 60s", "3 unschedulable > 0". */
  readonly violations: readonly string[];
}

export interface Verdict {
  /** Per configuration, in the order given. */
  readonly checks: readonly SloCheck[];
  /** Index of the cheapest configuration that meets the SLO; undefined when none does. */
  readonly cheapest?: number;
  /** The sentence that says which one and why (or why none). */
  readonly line: string;
}

export function hasSlo(slo: Slo): boolean {
  return slo.p99PendingSeconds !== undefined || slo.maxUnschedulable !== undefined;
}

/** A limit in seconds as given: "60s", "0.5s", "300s". */
function limitText(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

/** A measured time to 0.1 s, or to the millisecond when 0.1 s would hide that it differs from the limit. */
function measuredText(seconds: number, limit: number): string {
  const short = seconds.toFixed(1);
  return Number(short) === Number(limit.toFixed(1)) ? `${seconds.toFixed(3)}s` : `${short}s`;
}

/** "p99 pending ≤ 60s, unschedulable ≤ 0" (the flags given, in flag order). */
export function describeSlo(slo: Slo): string {
  const parts: string[] = [];
  if (slo.p99PendingSeconds !== undefined) parts.push(`p99 pending ≤ ${limitText(slo.p99PendingSeconds)}`);
  if (slo.maxUnschedulable !== undefined) parts.push(`unschedulable ≤ ${slo.maxUnschedulable}`);
  return parts.join(', ');
}

export function checkSlo(s: SloSummary, slo: Slo): SloCheck {
  const violations: string[] = [];
  const p99 = s.pendingSeconds.p99;
  if (slo.p99PendingSeconds !== undefined && p99 > slo.p99PendingSeconds) {
    violations.push(`p99 pending ${measuredText(p99, slo.p99PendingSeconds)} > ${limitText(slo.p99PendingSeconds)}`);
  }
  if (slo.maxUnschedulable !== undefined && s.pods.unschedulable > slo.maxUnschedulable) {
    violations.push(`${s.pods.unschedulable} unschedulable > ${slo.maxUnschedulable}`);
  }
  return { meets: violations.length === 0, violations };
}

/** Checks every configuration and picks the cheapest that meets the SLO. */
export function judge(rows: readonly { readonly name: string; readonly summary: SloSummary }[], slo: Slo): Verdict {
  const checks = rows.map((r) => checkSlo(r.summary, slo));
  let cheapest: number | undefined;
  rows.forEach((r, i) => {
    if (checks[i]!.meets && (cheapest === undefined || r.summary.cost.total < rows[cheapest]!.summary.cost.total)) cheapest = i;
  });
  const missed = rows.flatMap((r, i) => (checks[i]!.meets ? [] : [`${r.name} ${checks[i]!.violations.join(', ')}`]));
  let line: string;
  if (cheapest === undefined) {
    line = rows.length === 0 ? 'no configurations to compare' : `none meets the SLO: ${missed.join('; ')}`;
  } else {
    const pick = `${rows[cheapest]!.name} at ${rows[cheapest]!.summary.cost.total.toFixed(2)} ${rows[cheapest]!.summary.cost.currency}`;
    line = hasSlo(slo)
      ? `cheapest that meets the SLO (${describeSlo(slo)}): ${pick}` + (missed.length > 0 ? `; missing it: ${missed.join('; ')}` : '')
      : `cheapest: ${pick} (no SLO flags given, so every configuration meets the SLO)`;
  }
  return { checks, ...(cheapest !== undefined ? { cheapest } : {}), line };
}
