// Reading a /metrics body back as a Prometheus server would: parsed by prom2javascript (an npm parser of
// the text exposition format, not ours), then looked up by name and labels.
import { Readable } from 'node:stream';
import { getMetricsFromStream, type PromData, type PromHistogramData, type PromMetrics } from 'prom2javascript';

export type { PromMetrics };

export function parseExposition(text: string): Promise<PromMetrics> {
  return getMetricsFromStream(Readable.from([text]));
}

function has(labels: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

/** Every sample of a counter or gauge whose labels include `want`. */
export function samples(m: PromMetrics, name: string, want: Record<string, string> = {}): PromData[] {
  const family = m[name];
  if (family === undefined) return [];
  return (family.data as PromData[]).filter((d) => has(d.labels, want));
}

/** The one sample with these labels (0 when absent, as an unset counter reads); throws if several match. */
export function value(m: PromMetrics, name: string, want: Record<string, string> = {}): number {
  const found = samples(m, name, want);
  if (found.length > 1) throw new Error(`${name}${JSON.stringify(want)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

/** Σ of the samples whose labels include `want` (PromQL's sum over a selector). */
export function total(m: PromMetrics, name: string, want: Record<string, string> = {}): number {
  return samples(m, name, want).reduce((s, d) => s + d.value, 0);
}

/** The one histogram series with these labels. */
export function histogram(m: PromMetrics, name: string, want: Record<string, string>): PromHistogramData {
  const family = m[name];
  if (family === undefined) throw new Error(`no metric family ${name}`);
  const found = (family.data as PromHistogramData[]).filter((d) => has(d.labels, want));
  if (found.length !== 1) throw new Error(`${name}${JSON.stringify(want)} matches ${found.length} series`);
  return found[0]!;
}
