#!/usr/bin/env node
// The `drydock` command. Each subcommand lives in its own module under src/cli/commands/.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_FAILURE, EXIT_USAGE, RuntimeFailure, UserInputError } from './errors.js';
import { checkFlagValues } from './flags.js';
import { commands } from './commands/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(code: number, message: string): never {
  process.stderr.write(`drydock: ${message}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('drydock')
    .usage('drydock <command> [options]\n\nA Kubernetes-style control plane in one process: simulate workloads on node pools, plan capacity, benchmark scheduling.')
    .version(pkg.version)
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // yargs reports unknown commands and flags here; our own errors arrive as `err`.
      if (err instanceof UserInputError) fail(EXIT_USAGE, err.message);
      if (err) fail(EXIT_FAILURE, err.message);
      const text = msg ?? 'bad usage';
      // A value outside an option's choices: yargs puts the flag, the value and the choices on the next line.
      const choice = /^Invalid values:\s*Argument: ([^,]+), Given: (.*), Choices: (.*)$/s.exec(text);
      if (choice !== null) fail(EXIT_USAGE, `--${choice[1]} ${choice[2]!.trim()}: not one of its values (expected one of ${choice[3]!.trim()})`);
      fail(EXIT_USAGE, `${text.split('\n')[0]} (see drydock --help)`);
    });
  // Before yargs' own checks and any command: flags given twice or without their value (src/cli/flags.ts).
  cli = cli.middleware(() => {
    const o = (cli as unknown as { getOptions(): { string: string[]; number: string[]; array: string[]; alias: Record<string, string[]> } }).getOptions();
    checkFlagValues(argv, { valued: [...new Set([...o.string, ...o.number])], lists: o.array, aliases: o.alias });
  }, true);
  for (const command of commands) cli = cli.command(command);
  const parsed = await cli.parseAsync();
  if (parsed._.length === 0) cli.showHelp('log');
}

try {
  await main(hideBin(process.argv));
} catch (err) {
  if (err instanceof UserInputError) fail(EXIT_USAGE, err.message);
  if (err instanceof RuntimeFailure) fail(EXIT_FAILURE, err.message);
  fail(EXIT_FAILURE, err instanceof Error ? (err.stack ?? err.message) : String(err));
}
