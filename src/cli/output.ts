// Output files named on the command line (--out, --json, --placements, ...): their folders are made before a
// run starts, so a path that cannot be written fails at once, and a write that fails later is one line that
// names the flag and the file (exit 2). The writing itself is src/report/files.ts's writeFileAtomic.
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserInputError } from './errors.js';

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Creates FILE's folder (and its parents) if needed and checks that a file can be written there. A flag
 * given no file (`--json ''`), a path that is a folder and a folder that takes no files fail here, before
 * the run, not when its results are written.
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
  // A folder that exists but takes no files (read-only, /proc): found now, before the run and before any
  // other output is written, by making and removing the temporary file the writer will use.
  const probe = `${file}.tmp-${process.pid}`;
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    throw new UserInputError(`${flag} ${file}: cannot write it: ${reason(err)} (expected a writable path)`);
  }
  unlinkSync(probe);
}

/** Runs a writer for FILE; a failure becomes one UserInputError line naming the flag. */
export async function writeOutput(flag: string, file: string, write: (file: string) => Promise<void>): Promise<void> {
  try {
    await write(file);
  } catch (err) {
    throw new UserInputError(`${flag} ${file}: cannot write it: ${reason(err)} (expected a writable path)`);
  }
}
