// Output files named on the command line (--out, --json, --placements, ...): their folders are made before a
// run starts, so a path that cannot be written fails at once, and a write that fails later is one line that
// names the flag and the file (exit 2). The writing itself is src/report/files.ts's writeFileAtomic.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserInputError } from './errors.js';

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Creates FILE's folder (and its parents) if needed. A flag given no file (`--json` last on the line, or
 * `--json ''`) and a path that is a folder fail here, before the run, not when its results are written.
 */
export function prepareOutput(flag: string, file: string): void {
  if (file.trim() === '') throw new UserInputError(`${flag}: no file named (expected ${flag} FILE)`);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new UserInputError(`${flag} ${file}: cannot create its folder: ${reason(err)} (expected a writable path)`);
  }
  let folder = false;
  try {
    folder = statSync(file).isDirectory();
  } catch {
    // Absent: it is written later.
  }
  if (folder) throw new UserInputError(`${flag} ${file}: is a folder (expected a file path)`);
}

/** Runs a writer for FILE; a failure becomes one UserInputError line naming the flag. */
export async function writeOutput(flag: string, file: string, write: (file: string) => Promise<void>): Promise<void> {
  try {
    await write(file);
  } catch (err) {
    throw new UserInputError(`${flag} ${file}: cannot write it: ${reason(err)} (expected a writable path)`);
  }
}
