// SVG chart builders: pure functions from data to an SVG string, drawn entirely here (no script, no fonts or
// styles from the network), so the static HTML report and a later live dashboard can share them.
// Output is deterministic: coordinates are rounded to 0.1 px and numbers are formatted without the locale.

/** One line (or stacked band) of a line chart. */
export interface Series {
  readonly name: string;
  /** [x, y] in the units of the axes, x ascending. Stacked charts need the same xs in every series. */
  readonly points: readonly (readonly [number, number])[];
  /** Overrides the palette colour. */
  readonly color?: string;
}

export interface Axis {
  /** The label with its unit, e.g. "Simulated time (h)". */
  readonly label: string;
  readonly min?: number;
  readonly max?: number;
  /** Tick label formatter (default: a plain number with as many decimals as the tick step needs). */
  readonly format?: (v: number) => string;
}

export interface LineChartSpec {
  readonly id: string;
  readonly title: string;
  /** A sentence for screen readers (the <desc>). */
  readonly description?: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly Series[];
  /** Draw filled bands stacked bottom-up (e.g. nodes per pool) instead of lines. */
  readonly stacked?: boolean;
  /** Values hold until the next point (sampled step functions) rather than being joined by slopes. */
  readonly step?: boolean;
  /** Dashed vertical reference lines (e.g. percentiles). */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  readonly width?: number;
  readonly height?: number;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text at the end of the bar (default: the formatted value). */
  readonly valueLabel?: string;
  /** Overrides the palette colour (e.g. to match a pool's colour in another chart). */
  readonly color?: string;
}

export interface BarChartSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  /** The value axis (horizontal). */
  readonly x: Axis;
  readonly bars: readonly Bar[];
  readonly width?: number;
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, dark enough on white. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#999999'] as const;

const FONT = 12;
/** Rough advance of one character at FONT px in a sans-serif face, for layout without measuring text. */
const CHAR_W = 7;
const TEXT = '#1f1f1f';
const GRID = '#d9d9d9';
const AXIS = '#555555';

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A coordinate rounded to 0.1 px, without "-0". */
function c(v: number): string {
  const r = Math.round(v * 10) / 10;
  return String(r === 0 ? 0 : r);
}

/** "Nice" ticks (1, 2 or 5 × 10^k, so counts of nodes and pods stay whole) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const start = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  if (ticks[ticks.length - 1]! < max - step * 1e-9) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks.map((t) => Number(t.toPrecision(12)));
}

/** A number with as many decimals as `step` needs, thousands grouped with a thin space-free comma. */
export function formatNumber(v: number, step = 1): string {
  const decimals = step > 0 && step < 1 ? Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
  const fixed = Math.abs(v).toFixed(decimals);
  const [int, frac] = fixed.split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (v < 0 && Number(fixed) !== 0 ? '-' : '') + grouped + (frac !== undefined ? `.${frac}` : '');
}

/** The unit to show simulated seconds in, by the span: s, min, h or d. */
export function timeUnit(maxSeconds: number): { readonly unit: string; readonly divisor: number } {
  if (maxSeconds >= 3 * 86400) return { unit: 'd', divisor: 86400 };
  if (maxSeconds >= 3 * 3600) return { unit: 'h', divisor: 3600 };
  if (maxSeconds >= 3 * 60) return { unit: 'min', divisor: 60 };
  return { unit: 's', divisor: 1 };
}

/**
 * Reduces aligned columns to at most `maxPoints` xs: each kept x stands for a bucket of consecutive xs and
 * carries each column's maximum over it, so spikes (a burst of pending pods) stay visible.
 */
export function downsampleMax(xs: readonly number[], columns: readonly (readonly number[])[], maxPoints: number): { xs: number[]; columns: number[][] } {
  if (xs.length <= maxPoints) return { xs: [...xs], columns: columns.map((col) => [...col]) };
  const per = Math.ceil(xs.length / maxPoints);
  const outX: number[] = [];
  const out = columns.map(() => [] as number[]);
  for (let i = 0; i < xs.length; i += per) {
    outX.push(xs[i]!);
    const end = Math.min(xs.length, i + per);
    columns.forEach((col, k) => {
      let m = -Infinity;
      for (let j = i; j < end; j++) m = Math.max(m, col[j]!);
      out[k]!.push(m);
    });
  }
  return { xs: outX, columns: out };
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

function svgOpen(id: string, title: string, description: string | undefined, width: number, height: number): string {
  const labelled = description !== undefined ? `${id}-title ${id}-desc` : `${id}-title`;
  return (
    `<svg id="${escapeXml(id)}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-labelledby="${escapeXml(labelled)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif" font-size="${FONT}">` +
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>` +
    (description !== undefined ? `<desc id="${escapeXml(id)}-desc">${escapeXml(description)}</desc>` : '') +
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`
  );
}

/** Legend entries laid out in rows across the top; returns the SVG and the height it takes. */
function legend(entries: readonly { name: string; color: string; dashed?: boolean }[], x0: number, y0: number, maxWidth: number): { svg: string; height: number } {
  if (entries.length === 0) return { svg: '', height: 0 };
  let x = x0, y = y0;
  const parts: string[] = ['<g class="legend">'];
  for (const e of entries) {
    const w = 18 + e.name.length * CHAR_W + 16;
    if (x > x0 && x + w > x0 + maxWidth) {
      x = x0;
      y += 18;
    }
    parts.push(
      `<rect x="${c(x)}" y="${c(y - 9)}" width="12" height="12" fill="${e.color}"/>` +
        `<text x="${c(x + 17)}" y="${c(y + 1)}" fill="${TEXT}">${escapeXml(e.name)}</text>`,
    );
    x += w;
  }
  parts.push('</g>');
  return { svg: parts.join(''), height: y - y0 + 22 };
}

function yAxis(f: Frame, ticks: readonly number[], scale: (v: number) => number, fmt: (v: number) => string, label: string): string {
  const parts: string[] = ['<g class="axis y-axis">'];
  for (const t of ticks) {
    const y = scale(t);
    parts.push(
      `<line x1="${c(f.left)}" x2="${c(f.width - f.right)}" y1="${c(y)}" y2="${c(y)}" stroke="${GRID}" stroke-width="1"/>` +
        `<text x="${c(f.left - 6)}" y="${c(y + 4)}" text-anchor="end" fill="${TEXT}">${escapeXml(fmt(t))}</text>`,
    );
  }
  const mid = (f.top + f.height - f.bottom) / 2;
  parts.push(`<text class="axis-label" x="14" y="${c(mid)}" text-anchor="middle" transform="rotate(-90 14 ${c(mid)})" fill="${TEXT}">${escapeXml(label)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

function xAxis(f: Frame, ticks: readonly number[], scale: (v: number) => number, fmt: (v: number) => string, label: string): string {
  const base = f.height - f.bottom;
  const parts: string[] = ['<g class="axis x-axis">', `<line x1="${c(f.left)}" x2="${c(f.width - f.right)}" y1="${c(base)}" y2="${c(base)}" stroke="${AXIS}" stroke-width="1"/>`];
  for (const t of ticks) {
    const x = scale(t);
    parts.push(
      `<line x1="${c(x)}" x2="${c(x)}" y1="${c(base)}" y2="${c(base + 5)}" stroke="${AXIS}" stroke-width="1"/>` +
        `<text x="${c(x)}" y="${c(base + 18)}" text-anchor="middle" fill="${TEXT}">${escapeXml(fmt(t))}</text>`,
    );
  }
  parts.push(`<text class="axis-label" x="${c((f.left + f.width - f.right) / 2)}" y="${c(f.height - 6)}" text-anchor="middle" fill="${TEXT}">${escapeXml(label)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

function noData(f: Frame): string {
  return `<text class="no-data" x="${c((f.left + f.width - f.right) / 2)}" y="${c((f.top + f.height - f.bottom) / 2)}" text-anchor="middle" fill="${TEXT}">No data</text>`;
}

/** Line chart, or stacked-area chart with `stacked`; y starts at 0 unless told otherwise. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const plotHeight = spec.height ?? 260;
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const lg = spec.series.length > 1 ? legend(spec.series.map((s, i) => ({ name: s.name, color: colors[i]! })), 64, 20, width - 80) : { svg: '', height: 0 };
  const f: Frame = { width, height: plotHeight + lg.height + 60, left: 64, right: 20, top: 16 + lg.height, bottom: 48 };

  // Stacked bands: each series' top is the running sum at the same index.
  const tops: number[][] = [];
  const bottoms: number[][] = [];
  spec.series.forEach((s, k) => {
    const below = spec.stacked === true && k > 0 ? tops[k - 1]! : s.points.map(() => 0);
    bottoms.push(below);
    tops.push(s.points.map(([, y], i) => (spec.stacked === true ? (below[i] ?? 0) + y : y)));
  });

  const allX = spec.series.flatMap((s) => s.points.map(([x]) => x));
  const allY = tops.flat();
  const xMin = spec.x.min ?? (allX.length > 0 ? Math.min(...allX) : 0);
  const xMaxData = spec.x.max ?? (allX.length > 0 ? Math.max(...allX) : 1);
  const xMax = xMaxData > xMin ? xMaxData : xMin + 1;
  const yMin = spec.y.min ?? 0;
  const yMaxData = spec.y.max ?? (allY.length > 0 ? Math.max(...allY) : 1);
  const yTicks = niceTicks(yMin, yMaxData > yMin ? yMaxData : yMin + 1);
  const yMax = spec.y.max ?? yTicks[yTicks.length - 1]!;
  const xTicks = niceTicks(xMin, xMax, 6).filter((t) => t >= xMin - 1e-9 && t <= xMax + 1e-9);
  const plotW = width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const sx = (v: number) => f.left + ((v - xMin) / (xMax - xMin)) * plotW;
  const sy = (v: number) => f.top + plotH - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  const fy = spec.y.format ?? ((v: number) => formatNumber(v, yStep));
  const fx = spec.x.format ?? ((v: number) => formatNumber(v, xStep));

  // The outline through (x_i, v_i); with `step` each value holds until the next x.
  const outline = (xs: readonly number[], vs: readonly number[]): string[] => {
    const pts: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      if (spec.step === true && i > 0) pts.push(`${c(sx(xs[i]!))},${c(sy(vs[i - 1]!))}`);
      pts.push(`${c(sx(xs[i]!))},${c(sy(vs[i]!))}`);
    }
    return pts;
  };

  const parts: string[] = [svgOpen(spec.id, spec.title, spec.description, width, f.height), lg.svg];
  parts.push(yAxis(f, yTicks, sy, fy, spec.y.label));
  parts.push(xAxis(f, xTicks, sx, fx, spec.x.label));
  const hasData = spec.series.some((s) => s.points.length > 0);
  if (!hasData) parts.push(noData(f));
  parts.push('<g class="series">');
  spec.series.forEach((s, k) => {
    if (s.points.length === 0) return;
    const xs = s.points.map(([x]) => x);
    const top = outline(xs, tops[k]!);
    const name = escapeXml(s.name);
    if (spec.stacked === true) {
      const bottom = outline(xs, bottoms[k]!).reverse();
      parts.push(`<path class="band" data-series="${name}" d="M${top.join('L')}L${bottom.join('L')}Z" fill="${colors[k]}" fill-opacity="0.85" stroke="${colors[k]}" stroke-width="1"><title>${name}</title></path>`);
    } else {
      // A single point still draws: a tiny segment with round caps.
      const d = top.length === 1 ? `M${top[0]}h0.1` : `M${top.join('L')}`;
      parts.push(`<path class="line" data-series="${name}" d="${d}" fill="none" stroke="${colors[k]}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"><title>${name}</title></path>`);
    }
  });
  parts.push('</g>');
  if (spec.markers !== undefined && spec.markers.length > 0) {
    parts.push('<g class="markers">');
    spec.markers.forEach((m, i) => {
      if (m.x < xMin || m.x > xMax) return;
      const x = sx(m.x);
      parts.push(
        `<line x1="${c(x)}" x2="${c(x)}" y1="${c(f.top)}" y2="${c(f.top + plotH)}" stroke="${AXIS}" stroke-width="1" stroke-dasharray="4 3"/>` +
          `<text x="${c(x + 3)}" y="${c(f.top + 12 + 14 * (i % 3))}" fill="${TEXT}">${escapeXml(m.label)}</text>`,
      );
    });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bar chart (labels on the left, values on a shared axis from 0). */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const maxLabel = 28;
  const shown = spec.bars.map((b) => (b.label.length > maxLabel ? `${b.label.slice(0, maxLabel - 1)}…` : b.label));
  const labelW = Math.min(maxLabel, Math.max(4, ...shown.map((s) => s.length))) * CHAR_W + 16;
  const rowH = 24;
  const plotH = Math.max(1, spec.bars.length) * rowH;
  const f: Frame = { width, height: plotH + 16 + 52, left: labelW, right: 90, top: 16, bottom: 52 };
  const vMax = Math.max(0, ...spec.bars.map((b) => b.value));
  const ticks = niceTicks(0, vMax > 0 ? vMax : 1, 5);
  const top = spec.x.max ?? ticks[ticks.length - 1]!;
  const plotW = width - f.left - f.right;
  const sx = (v: number) => f.left + (Math.max(0, Math.min(v, top)) / top) * plotW;
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const fmt = spec.x.format ?? ((v: number) => formatNumber(v, step));

  const parts: string[] = [svgOpen(spec.id, spec.title, spec.description, width, f.height)];
  // Vertical grid lines first, under the bars.
  parts.push('<g class="grid">');
  for (const t of ticks) parts.push(`<line x1="${c(sx(t))}" x2="${c(sx(t))}" y1="${c(f.top)}" y2="${c(f.top + plotH)}" stroke="${GRID}" stroke-width="1"/>`);
  parts.push('</g>');
  parts.push(xAxis(f, ticks, sx, fmt, spec.x.label));
  if (spec.bars.length === 0) parts.push(noData(f));
  parts.push('<g class="series">');
  spec.bars.forEach((b, i) => {
    const y = f.top + i * rowH + 4;
    const h = rowH - 8;
    const w = Math.max(1, sx(b.value) - f.left);
    const color = b.color ?? PALETTE[i % PALETTE.length]!;
    const full = escapeXml(b.label);
    const text = escapeXml(b.valueLabel ?? fmt(b.value));
    parts.push(
      `<text x="${c(f.left - 8)}" y="${c(y + h / 2 + 4)}" text-anchor="end" fill="${TEXT}">${escapeXml(shown[i]!)}<title>${full}</title></text>` +
        `<path class="bar" data-series="${full}" d="M${c(f.left)},${c(y)}h${c(w)}v${c(h)}h${c(-w)}Z" fill="${color}"><title>${full}: ${text}</title></path>` +
        `<text x="${c(f.left + w + 6)}" y="${c(y + h / 2 + 4)}" fill="${TEXT}">${text}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

/** One point of a scatter chart (one configuration, one run...). */
export interface ScatterPoint {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  /** Overrides the palette colour. */
  readonly color?: string;
  /** Drawn larger, with a ring (e.g. the chosen configuration). */
  readonly emphasis?: boolean;
  /** Drawn as an outline only (e.g. a configuration that misses a target). */
  readonly hollow?: boolean;
  /** The tooltip after the name (default: "x, y" to 2 decimals). */
  readonly valueLabel?: string;
}

/** A dashed reference line across the plot at a value of one axis (e.g. an SLO limit). */
export interface Guide {
  readonly axis: 'x' | 'y';
  readonly value: number;
  readonly label: string;
}

export interface ScatterChartSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  /** Both axes start at 0 unless told otherwise, and reach past every point and guide. */
  readonly x: Axis;
  readonly y: Axis;
  readonly points: readonly ScatterPoint[];
  readonly guides?: readonly Guide[];
  readonly width?: number;
  readonly height?: number;
}

/** Scatter chart: one labelled circle per point (class "point"), a legend when there are several. */
export function scatterChart(spec: ScatterChartSpec): string {
  const width = spec.width ?? 760;
  const plotHeight = spec.height ?? 300;
  const colors = spec.points.map((p, i) => p.color ?? PALETTE[i % PALETTE.length]!);
  const lg = spec.points.length > 1 ? legend(spec.points.map((p, i) => ({ name: p.name, color: colors[i]! })), 64, 20, width - 80) : { svg: '', height: 0 };
  const f: Frame = { width, height: plotHeight + lg.height + 60, left: 64, right: 20, top: 16 + lg.height, bottom: 48 };
  const guides = spec.guides ?? [];

  // Ranges cover every point and every guide, so a limit far above the points still shows.
  const range = (axis: Axis, values: readonly number[]) => {
    const min = axis.min ?? 0;
    const dataMax = axis.max ?? (values.length > 0 ? Math.max(min, ...values) : min + 1);
    const ticks = niceTicks(min, dataMax > min ? dataMax : min + 1, 5);
    return { min, max: axis.max ?? ticks[ticks.length - 1]!, ticks: ticks.filter((t) => t >= min - 1e-9) };
  };
  const xr = range(spec.x, [...spec.points.map((p) => p.x), ...guides.filter((g) => g.axis === 'x').map((g) => g.value)]);
  const yr = range(spec.y, [...spec.points.map((p) => p.y), ...guides.filter((g) => g.axis === 'y').map((g) => g.value)]);
  const plotW = width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const sx = (v: number) => f.left + ((clamp(v, xr.min, xr.max) - xr.min) / (xr.max - xr.min)) * plotW;
  const sy = (v: number) => f.top + plotH - ((clamp(v, yr.min, yr.max) - yr.min) / (yr.max - yr.min)) * plotH;
  const step = (ticks: readonly number[]) => (ticks.length > 1 ? ticks[1]! - ticks[0]! : 1);
  const fx = spec.x.format ?? ((v: number) => formatNumber(v, step(xr.ticks)));
  const fy = spec.y.format ?? ((v: number) => formatNumber(v, step(yr.ticks)));

  const parts: string[] = [svgOpen(spec.id, spec.title, spec.description, width, f.height), lg.svg];
  parts.push(yAxis(f, yr.ticks, sy, fy, spec.y.label));
  parts.push(xAxis(f, xr.ticks, sx, fx, spec.x.label));
  if (spec.points.length === 0) parts.push(noData(f));
  if (guides.length > 0) {
    parts.push('<g class="guides">');
    for (const g of guides) {
      if (g.axis === 'y') {
        const y = sy(g.value);
        parts.push(
          `<line class="guide" x1="${c(f.left)}" x2="${c(f.left + plotW)}" y1="${c(y)}" y2="${c(y)}" stroke="${AXIS}" stroke-width="1" stroke-dasharray="4 3"/>` +
            `<text x="${c(f.left + plotW - 4)}" y="${c(y - 5)}" text-anchor="end" fill="${TEXT}">${escapeXml(g.label)}</text>`,
        );
      } else {
        const x = sx(g.value);
        parts.push(
          `<line class="guide" x1="${c(x)}" x2="${c(x)}" y1="${c(f.top)}" y2="${c(f.top + plotH)}" stroke="${AXIS}" stroke-width="1" stroke-dasharray="4 3"/>` +
            `<text x="${c(x + 4)}" y="${c(f.top + 12)}" fill="${TEXT}">${escapeXml(g.label)}</text>`,
        );
      }
    }
    parts.push('</g>');
  }
  parts.push('<g class="points">');
  // Each label goes beside its point, at the first of four corners where it overlaps no label placed before
  // and no other point (two configurations with the same p99 and close costs would otherwise print on top of
  // each other); if every corner collides, the first.
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = spec.points.map((p) => {
    const x = sx(p.x), y = sy(p.y), r = p.emphasis === true ? 12 : 6;
    return { x0: x - r, y0: y - r, x1: x + r, y1: y + r };
  });
  const overlaps = (b: { x0: number; y0: number; x1: number; y1: number }, skip: number) =>
    placed.some((o, k) => k !== skip && b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
  spec.points.forEach((p, i) => {
    const x = sx(p.x), y = sy(p.y);
    const name = escapeXml(p.name);
    const r = p.emphasis === true ? 8 : 6;
    const fill = p.hollow === true ? '#ffffff' : colors[i]!;
    const ring = p.emphasis === true ? `<circle cx="${c(x)}" cy="${c(y)}" r="${r + 4}" fill="none" stroke="${colors[i]}" stroke-width="1.5"/>` : '';
    const w = p.name.length * CHAR_W;
    const gap = r + 4;
    const corners = [
      { right: true, top: true },
      { right: true, top: false },
      { right: false, top: true },
      { right: false, top: false },
    ].filter((k) => (k.right ? x + gap + w <= width - f.right : x - gap - w >= 0));
    const box = (k: { right: boolean; top: boolean }) => {
      const x0 = k.right ? x + gap : x - gap - w;
      const base = k.top ? y - r : y + r + FONT;
      return { x0, y0: base - FONT, x1: x0 + w, y1: base + 3, base };
    };
    const choice = corners.find((k) => !overlaps(box(k), i)) ?? corners[0] ?? { right: false, top: true };
    const b = box(choice);
    placed.push(b);
    parts.push(
      ring +
        `<circle class="point" data-series="${name}" cx="${c(x)}" cy="${c(y)}" r="${r}" fill="${fill}" stroke="${colors[i]}" stroke-width="2"><title>${name}: ${escapeXml(p.valueLabel ?? `${formatNumber(p.x, 0.01)}, ${formatNumber(p.y, 0.01)}`)}</title></circle>` +
        `<text class="point-label" x="${c(b.x0)}" y="${c(b.base)}" fill="${TEXT}">${name}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}
