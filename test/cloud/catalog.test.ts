// The instance catalog: the shipped CSV loads and says what its sources say; every kind of bad line is one
// UserInputError (exit 2) naming file, line and column.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserInputError } from '../../src/cli/errors.js';
import { CATALOG_COLUMNS, loadCatalog, parseCatalog } from '../../src/cloud/catalog.js';

const HEADER = CATALOG_COLUMNS.join(',');
const GOOD = 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096,';

function errorOf(text: string): string {
  try {
    parseCatalog(text, 'instance-catalog.csv');
  } catch (err) {
    assert.instance(err, UserInputError);
    return (err as Error).message;
  }
  throw new Error('expected a UserInputError');
}

test('the shipped catalog loads: two clouds, GPU shapes included, prices as published', () => {
  const c = loadCatalog();
  const clouds = new Set(c.entries.map((e) => `${e.cloud}/${e.region}`));
  assert.equal([...clouds].sort(), ['aws/us-east-1', 'gcp/us-central1']);
  // At least three families per cloud, GPU ones among them.
  const families = (cloud: string) => new Set(c.entries.filter((e) => e.cloud === cloud).map((e) => e.family));
  assert.ok(families('aws').size >= 3 && families('gcp').size >= 3);
  assert.ok(c.entries.some((e) => e.cloud === 'aws' && e.gpus > 0) && c.entries.some((e) => e.cloud === 'gcp' && e.gpus > 0));
  const m5 = c.get('m5.large')!;
  // Karpenter's us-east-1 table: "m5.large": 0.096000; CA's shape: 2 vCPU, 8192 MiB = 8 GiB = 8589934592 bytes.
  assert.equal([m5.cpu, m5.memoryBytes, m5.gpus, m5.arch, m5.pricePerHour, m5.spotPricePerHour], [2, 8 * 1024 ** 3, 0, 'amd64', 0.096, undefined]);
  const p4d = c.get('p4d.24xlarge')!;
  // 1179648 MiB / 1024 = 1152 GiB; 8 × A100 at 21.957642 USD/h.
  assert.equal([p4d.cpu, p4d.memoryBytes / 1024 ** 3, p4d.gpus, p4d.gpuModel, p4d.pricePerHour], [96, 1152, 8, 'A100', 21.957642]);
  const a2 = c.get('a2-highgpu-1g')!;
  assert.equal([a2.region, a2.cpu, a2.memoryBytes / 1024 ** 3, a2.gpus, a2.pricePerHour, a2.spotPricePerHour], ['us-central1', 12, 85, 1, 3.673385, 1.293355]);
  assert.is(c.get('m6g.large')!.arch, 'arm64');
  // The header comment points at the sources; its lines do not count as rows but do count as lines.
  assert.is(m5.line, 4);
});

test('a good minimal file parses; comments and blank lines are skipped; line numbers count every line', () => {
  const c = parseCatalog(`# source: somewhere\n${HEADER}\n\n${GOOD}\n`, 'x.csv');
  assert.is(c.entries.length, 1);
  assert.is(c.get('m5.large')!.line, 4);
});

// One case per kind of mistake; the row under test is always line 3 (comment, header, row).
const cases: [string, string, string][] = [
  ['vcpu not a number', 'm5.large,aws,us-east-1,m5,x,8,0,,amd64,0.096,', 'instance-catalog.csv:3: column "vcpu": "x" is not a number (expected e.g. 4)'],
  ['vcpu zero', 'm5.large,aws,us-east-1,m5,0,8,0,,amd64,0.096,', 'instance-catalog.csv:3: column "vcpu": "0" must be greater than 0 (expected e.g. 4)'],
  ['memory empty', 'm5.large,aws,us-east-1,m5,2,,0,,amd64,0.096,', 'instance-catalog.csv:3: column "memory_gib": "" is not a number (expected e.g. 16)'],
  ['gpus fractional', 'p3.2xlarge,aws,us-east-1,p3,8,61,1.5,V100,amd64,3.06,', 'instance-catalog.csv:3: column "gpus": "1.5" is not a whole number (expected e.g. 0)'],
  ['gpus negative', 'p3.2xlarge,aws,us-east-1,p3,8,61,-1,V100,amd64,3.06,', 'instance-catalog.csv:3: column "gpus": "-1" must not be negative (expected e.g. 0)'],
  ['gpu model missing', 'p3.2xlarge,aws,us-east-1,p3,8,61,1,,amd64,3.06,', 'instance-catalog.csv:3: column "gpu_model": is empty but gpus is 1 (expected e.g. A100)'],
  ['gpu model without gpus', 'm5.large,aws,us-east-1,m5,2,8,0,T4,amd64,0.096,', 'instance-catalog.csv:3: column "gpu_model": "T4" given but gpus is 0 (leave it empty)'],
  ['arch', 'm5.large,aws,us-east-1,m5,2,8,0,,x86_64,0.096,', 'instance-catalog.csv:3: column "arch": "x86_64" is not an architecture (expected amd64 or arm64)'],
  ['price', 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,$0.096,', 'instance-catalog.csv:3: column "price_per_hour": "$0.096" is not a number (expected e.g. 0.096)'],
  ['spot price', 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096,cheap', 'instance-catalog.csv:3: column "spot_price_per_hour": "cheap" is not a number (expected e.g. 0.03)'],
  ['name empty', ',aws,us-east-1,m5,2,8,0,,amd64,0.096,', 'instance-catalog.csv:3: column "name": is empty (expected e.g. m5.large)'],
  ['region empty', 'm5.large,aws,,m5,2,8,0,,amd64,0.096,', 'instance-catalog.csv:3: column "region": is empty (expected e.g. us-east-1)'],
  ['field count', 'm5.large,aws,us-east-1,m5,2,8,0,,amd64,0.096', 'instance-catalog.csv:3: expected 11 fields as in the header, found 10'],
  ['unclosed quote', 'm5.large,"aws,us-east-1,m5,2,8,0,,amd64,0.096,', 'instance-catalog.csv:3: Quote Not Closed: the parsing is finished with an opening quote at line 3'],
];

for (const [what, row, message] of cases) {
  test(`bad line: ${what}`, () => {
    assert.is(errorOf(`# comment\n${HEADER}\n${row}\n`), message);
  });
}

test('bad header and duplicate names name their line', () => {
  assert.is(
    errorOf(`name,cloud,region,family,cpus,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour\n${GOOD}\n`),
    `instance-catalog.csv:1: header: missing column "vcpu" (expected ${HEADER})`,
  );
  assert.is(errorOf(`${HEADER}\n${GOOD}\n${GOOD}\n`), 'instance-catalog.csv:3: column "name": "m5.large" is listed twice (first on line 2)');
  assert.is(errorOf('# only a comment\n'), 'instance-catalog.csv: the instance catalog is empty (expected a header line ' + HEADER + ')');
});

test('a missing file is a UserInputError naming it', () => {
  try {
    loadCatalog('/nonexistent/instance-catalog.csv');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserInputError);
    assert.is((err as Error).message, '/nonexistent/instance-catalog.csv: cannot read the instance catalog: ENOENT');
  }
});

test.run();
