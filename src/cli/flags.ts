// Flag values checked on the command line as typed, before a command runs. yargs passes a flag given twice as
// an array, and one given no value (last on the line, or followed by another flag) as its default, an empty
// string or an empty list; commands would then run with a value nobody typed, or fail on an array with a
// JavaScript error. Here each is one line that names the flag (exit 2).
import { UserInputError } from './errors.js';

export interface FlagKinds {
  /** Flags that take a value (yargs' string and number options, lists included). */
  readonly valued: readonly string[];
  /** Of those, the lists (array options), which may be given more than once. */
  readonly lists: readonly string[];
  /** Other names of a flag (yargs' aliases and camelCase forms), by name. */
  readonly aliases?: Readonly<Record<string, readonly string[]>>;
}

/** A negative number, which yargs takes as a value (`--seed -1`), unlike other words that start with "-". */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Throws a UserInputError for the first flag given twice (lists aside) or given no value. */
export function checkFlagValues(tokens: readonly string[], kinds: FlagKinds): void {
  const canonical = new Map<string, string>();
  for (const name of kinds.valued) {
    canonical.set(name, name);
    canonical.set(kebab(name), name);
    for (const alias of kinds.aliases?.[name] ?? []) canonical.set(alias, name);
  }
  const lists = new Set(kinds.lists);
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') break; // the end of the flags
    const m = /^--?([^=]+)(=.*)?$/.exec(token);
    if (m === null || NEGATIVE_NUMBER.test(token)) continue;
    const name = canonical.get(m[1]!) ?? canonical.get(kebab(m[1]!));
    if (name === undefined) continue;
    const shown = token.startsWith('--') ? `--${m[1]}` : `-${m[1]}`;
    if (!lists.has(name)) {
      if (seen.has(name)) throw new UserInputError(`${shown}: given more than once (expected one value)`);
      seen.add(name);
    }
    if (m[2] !== undefined) continue; // --flag=value
    const next = tokens[i + 1];
    if (next === undefined || next === '--' || (next.startsWith('-') && next !== '-' && !NEGATIVE_NUMBER.test(next))) {
      const hint = next !== undefined && /^-\d/.test(next) ? `; a value that starts with "-" is written ${shown}=${next}` : '';
      throw new UserInputError(`${shown}: no value given (expected ${shown} VALUE${hint})`);
    }
  }
}

/**
 * The text typed for a flag (`--seed abc` or `--seed=abc`), for messages: yargs turns a number flag's
 * "abc" into NaN, which is not what anybody typed.
 */
export function typedValue(flag: string, tokens: readonly string[] = process.argv): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') break;
    if (t === flag) return tokens[i + 1];
    if (t.startsWith(`${flag}=`)) return t.slice(flag.length + 1);
  }
  return undefined;
}

/** A seed: a whole number ≥ 0, or one line naming the flag and what was typed. */
export function checkSeed(seed: number, flag = '--seed'): void {
  if (Number.isSafeInteger(seed) && seed >= 0) return;
  throw new UserInputError(`${flag} ${typedValue(flag) ?? String(seed)}: not a seed (expected a whole number ≥ 0)`);
}
