// checkFlagValues: flags that take a value, as typed on the command line — given twice, or given no value
// (last on the line, or followed by another flag) — are one line naming the flag; lists may repeat, negative
// numbers are values, `--flag=value` needs no next word, and nothing after `--` is a flag.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkFlagValues, type FlagKinds } from '../../src/cli/flags.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'datasets', 'examples');
const CLUSTER = join(EXAMPLES, 'cluster.yaml');
const POD = join(EXAMPLES, 'pod.yaml');
const kinds: FlagKinds = { valued: ['seed', 'sample-every', 'workload', 'json'], lists: ['workload'], aliases: { seed: ['s'] } };
const error = (tokens: string[]): string | undefined => {
  try {
    checkFlagValues(tokens, kinds);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

test('accepted: one value each, lists repeated, negative numbers, --flag=value, booleans and unknown flags left to yargs', () => {
  for (const tokens of [
    ['--seed', '3', '--json', 'out.json'],
    ['--workload', 'a.csv', '--workload', 'b.csv', 'c.csv'],
    ['--seed', '-1'],
    ['--seed=-2', '--sample-every=-5m'],
    ['--verbose', '--seed', '1', '--other'],
    ['--seed', '1', '--', '--seed'],
    ['--json', '-'],
  ]) {
    assert.is(error(tokens), undefined, tokens.join(' '));
  }
});

test('refused: a flag given twice, or with no value, named as typed', () => {
  assert.is(error(['--seed', '1', '--seed', '2']), '--seed: given more than once (expected one value)');
  assert.is(error(['--seed', '1', '-s', '2']), '-s: given more than once (expected one value)');
  assert.is(error(['--sampleEvery', '1m', '--sample-every', '2m']), '--sample-every: given more than once (expected one value)');
  assert.is(error(['--json']), '--json: no value given (expected --json VALUE)');
  assert.is(error(['--workload', '--seed', '1']), '--workload: no value given (expected --workload VALUE)');
  assert.is(error(['--seed', '--']), '--seed: no value given (expected --seed VALUE)');
  // A word starting with "-" that is not a number is a flag to yargs: the hint shows the form that works.
  assert.is(error(['--sample-every', '-5m']), '--sample-every: no value given (expected --sample-every VALUE; a value that starts with "-" is written --sample-every=-5m)');
});

test('drydock: the check runs before any command, one line, exit 2', () => {
  for (const [args, line] of [
    [['simulate', '--json', 'a.json', '--json', 'b.json'], 'drydock: --json: given more than once (expected one value)'],
    [['simulate', '--seed'], 'drydock: --seed: no value given (expected --seed VALUE)'],
    [['gpu-frag', '--seeds', '42', '--seeds', '1'], 'drydock: --seeds: given more than once (expected one value)'],
    [['explain', '--seed'], 'drydock: --seed: no value given (expected --seed VALUE)'],
    // A seed as typed, not yargs' NaN; explain and serve took junk seeds before.
    [['simulate', '--seed', 'abc'], 'drydock: --seed abc: not a seed (expected a whole number ≥ 0)'],
    [['explain', '--cluster', CLUSTER, '--pod', POD, '--seed', '1.5'], 'drydock: --seed 1.5: not a seed (expected a whole number ≥ 0)'],
    [['serve', '--port', '0', '--seed=-3'], 'drydock: --seed -3: not a seed (expected a whole number ≥ 0)'],
    [['gpu-frag', '--seeds', '1-1000000000'], 'drydock: --seeds 1-1000000000: 1000000000 seeds (expected at most 10000, e.g. 42-51)'],
    // A value outside an option's choices: yargs' two-line message, made one line naming the flag.
    [['plan', '--solver', 'cplex'], 'drydock: --solver "cplex": not one of its values (expected one of "highs", "javascript-lp-solver")'],
  ] as [string[], string][]) {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim(), line);
    assert.is(r.stdout, '');
  }
});

test.run();
