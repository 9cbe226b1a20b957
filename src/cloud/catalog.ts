// The instance catalog: machine shapes and prices of public clouds, read from datasets/instance-catalog.csv
// (sources and dates in datasets/instance-catalog.md). Every bad line is one UserInputError naming the
// file, the line and the column: `instance-catalog.csv:17: column "vcpu": "x" is not a number (expected e.g. 4)`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvError, parse } from 'csv-parse/sync';
import { UserInputError } from '../cli/errors.js';
import type { InstanceType } from './provider.js';

/** One catalog row: an InstanceType plus the region its price is for. */
export interface CatalogEntry extends InstanceType {
  readonly region: string;
  /** Line of the row in its file, for messages that point back at it. */
  readonly line: number;
}

export interface Catalog {
  /** Where the catalog was read from (for messages). */
  readonly source: string;
  readonly entries: readonly CatalogEntry[];
  get(name: string): CatalogEntry | undefined;
}

export const CATALOG_COLUMNS = [
  'name',
  'cloud',
  'region',
  'family',
  'vcpu',
  'memory_gib',
  'gpus',
  'gpu_model',
  'arch',
  'price_per_hour',
  'spot_price_per_hour',
] as const;

type Column = (typeof CATALOG_COLUMNS)[number];

const GIB = 1024 ** 3;

/** The catalog that ships with drydock: datasets/instance-catalog.csv next to dist/ or src/. */
export function defaultCatalogPath(): string {
  // src/cloud/catalog.ts → ../../datasets; dist/src/cloud/catalog.js → ../../../datasets.
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${join('dist', 'src')}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(up, 'datasets', 'instance-catalog.csv');
}

/** Reads and validates a catalog file; throws UserInputError (exit 2) on the first bad line. */
export function loadCatalog(path: string = defaultCatalogPath()): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${path}: cannot read the instance catalog: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseCatalog(text, path);
}

interface Row {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** Parses catalog CSV text; `source` names the file in messages. Lines starting with # are comments. */
export function parseCatalog(text: string, source: string): Catalog {
  let rows: Row[];
  try {
    rows = parse(text, { comment: '#', comment_no_infix: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as Row[];
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new UserInputError(`${source}:${line ?? '?'}: ${err.message.replace(/^Invalid Record Length: /, '')}`);
    }
    throw err;
  }
  const header = rows[0];
  if (header === undefined) throw new UserInputError(`${source}: the instance catalog is empty (expected a header line ${CATALOG_COLUMNS.join(',')})`);
  const index = new Map<string, number>();
  header.record.forEach((name, i) => index.set(name, i));
  for (const col of CATALOG_COLUMNS) {
    if (!index.has(col)) {
      throw new UserInputError(`${source}:${header.info.lines}: header: missing column "${col}" (expected ${CATALOG_COLUMNS.join(',')})`);
    }
  }
  const entries: CatalogEntry[] = [];
  const byName = new Map<string, CatalogEntry>();
  for (const row of rows.slice(1)) {
    const line = row.info.lines;
    const at = `${source}:${line}`;
    if (row.record.length !== header.record.length) {
      throw new UserInputError(`${at}: expected ${header.record.length} fields as in the header, found ${row.record.length}`);
    }
    const cell = (col: Column): string => row.record[index.get(col)!]!;
    const fail = (col: Column, what: string): never => {
      throw new UserInputError(`${at}: column "${col}": ${what}`);
    };
    const text = (col: Column, example: string): string => {
      const v = cell(col);
      if (v === '') fail(col, `is empty (expected e.g. ${example})`);
      return v;
    };
    const number = (col: Column, example: string, rule: 'positive' | 'non-negative' | 'count'): number => {
      const raw = cell(col);
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) fail(col, `${JSON.stringify(raw)} is not a number (expected e.g. ${example})`);
      if (rule === 'positive' && v <= 0) fail(col, `${JSON.stringify(raw)} must be greater than 0 (expected e.g. ${example})`);
      if (rule !== 'positive' && v < 0) fail(col, `${JSON.stringify(raw)} must not be negative (expected e.g. ${example})`);
      if (rule === 'count' && !Number.isInteger(v)) fail(col, `${JSON.stringify(raw)} is not a whole number (expected e.g. ${example})`);
      return v;
    };
    const name = text('name', 'm5.large');
    const first = byName.get(name);
    if (first !== undefined) fail('name', `${JSON.stringify(name)} is listed twice (first on line ${first.line})`);
    const cloud = text('cloud', 'aws');
    const region = text('region', 'us-east-1');
    const family = text('family', 'm5');
    const cpu = number('vcpu', '4', 'positive');
    const memoryGib = number('memory_gib', '16', 'positive');
    const gpus = number('gpus', '0', 'count');
    const gpuModel = cell('gpu_model');
    if (gpus > 0 && gpuModel === '') fail('gpu_model', `is empty but gpus is ${gpus} (expected e.g. A100)`);
    if (gpus === 0 && gpuModel !== '') fail('gpu_model', `${JSON.stringify(gpuModel)} given but gpus is 0 (leave it empty)`);
    const arch = cell('arch');
    if (arch !== 'amd64' && arch !== 'arm64') fail('arch', `${JSON.stringify(arch)} is not an architecture (expected amd64 or arm64)`);
    const pricePerHour = number('price_per_hour', '0.096', 'positive');
    const spotRaw = cell('spot_price_per_hour');
    const entry: CatalogEntry = {
      name,
      cloud,
      region,
      family,
      cpu,
      memoryBytes: Math.round(memoryGib * GIB),
      gpus,
      gpuModel,
      arch: arch as 'amd64' | 'arm64',
      pricePerHour,
      ...(spotRaw !== '' ? { spotPricePerHour: number('spot_price_per_hour', '0.03', 'positive') } : {}),
      line,
    };
    entries.push(entry);
    byName.set(name, entry);
  }
  return { source, entries, get: (name) => byName.get(name) };
}
