// Label selectors (structured, as in object specs, and the string form of ?labelSelector=) and field
// selectors (?fieldSelector=), with Kubernetes' semantics:
// - k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector: an absent selector selects
//   nothing, an empty one everything;
// - k8s.io/apimachinery/pkg/labels/selector.go: Requirement.Matches, NewRequirement's validation, and the
//   string parser (Lexer/Parser);
// - k8s.io/apimachinery/pkg/fields/selector.go ParseSelector;
// - k8s.io/apimachinery/pkg/util/validation/validation.go: label key and value syntax.
// A selector is compiled once into a closure and then matched many times.

import type { LabelSelector, Labels } from './types.js';

/** A selector or field selector that cannot be used; the message says where and why. */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

/**
 * One label requirement. `=`/`==` in the string form become In with one value and `!=` becomes NotIn,
 * which is how labels.Requirement.Matches treats them. Gt/Lt come from node selectors and the string form.
 */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values: readonly string[];
}

export type LabelMatcher = (labels: Labels | undefined) => boolean;

export const matchEverything: LabelMatcher = () => true;
export const matchNothing: LabelMatcher = () => false;

// ---------------------------------------------------------------------------------------------------------
// Syntax of label keys and values (validation.go IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain)

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key, or undefined if it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix === '') return `${JSON.stringify(key)} is not a valid label key: the prefix before "/" is empty`;
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `${JSON.stringify(key)} is not a valid label key: the prefix must be a DNS subdomain of at most 253 characters (e.g. example.com)`;
    }
  }
  if (name === '') return `${JSON.stringify(key)} is not a valid label key: the name part is empty`;
  if (name.length > 63) return `${JSON.stringify(key)} is not a valid label key: the name part is longer than 63 characters`;
  if (!QUALIFIED_NAME.test(name)) {
    return `${JSON.stringify(key)} is not a valid label key: it must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, with an optional DNS-subdomain prefix and '/' (e.g. app, example.com/tier)`;
  }
  return undefined;
}

/** Why `value` is not a valid label value ('' is valid), or undefined if it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `${JSON.stringify(value)} is not a valid label value: longer than 63 characters`;
  if (!LABEL_VALUE.test(value)) {
    return `${JSON.stringify(value)} is not a valid label value: it must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

const INT64_MIN = -(1n << 63n);
/** An integer of at most 15 digits: exactly representable as a double. */
const SHORT_INT = /^[+-]?[0-9]{1,15}$/;
const INT64_MAX = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64; undefined otherwise. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Checks one requirement as labels.NewRequirement does and pushes `where: problem` lines onto `problems`.
 * `at(field)` names a field of the requirement, e.g. `spec.selector.matchExpressions[0].values`.
 */
export function checkRequirement(req: LabelRequirement, at: (field: string) => string, problems: string[]): void {
  const keyProblem = labelKeyProblem(req.key);
  if (keyProblem !== undefined) problems.push(`${at('key')}: ${keyProblem}`);
  const n = req.values.length;
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (n === 0) problems.push(`${at('values')}: operator ${req.operator} needs at least one value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (n !== 0) problems.push(`${at('values')}: operator ${req.operator} takes no values (got ${n})`);
      break;
    case 'Gt':
    case 'Lt':
      if (n !== 1) problems.push(`${at('values')}: operator ${req.operator} needs exactly one value (got ${n})`);
      req.values.forEach((v, i) => {
        if (parseInt64(v) === undefined) problems.push(`${at(`values[${i}]`)}: operator ${req.operator} needs an integer, not ${JSON.stringify(v)}`);
      });
      break;
  }
  req.values.forEach((v, i) => {
    const valueProblem = labelValueProblem(v);
    if (valueProblem !== undefined) problems.push(`${at(`values[${i}]`)}: ${valueProblem}`);
  });
}

function throwIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new SelectorError(problems.join('; '));
}

// ---------------------------------------------------------------------------------------------------------
// Matching (selector.go Requirement.Matches). Label values are strings, so `typeof v === 'string'` is the
// "has key" test; it also ignores inherited properties such as `constructor`.

function compileRequirement(req: LabelRequirement): LabelMatcher {
  const { key, values } = req;
  switch (req.operator) {
    case 'In': {
      if (values.length === 1) {
        const only = values[0] as string;
        return (labels) => labels?.[key] === only;
      }
      const set = new Set(values);
      return (labels) => {
        const v = labels?.[key];
        return typeof v === 'string' && set.has(v);
      };
    }
    case 'NotIn': {
      // NotIn matches when the key is absent.
      const set = new Set(values);
      return (labels) => {
        const v = labels?.[key];
        return typeof v !== 'string' || !set.has(v);
      };
    }
    case 'Exists':
      return (labels) => typeof labels?.[key] === 'string';
    case 'DoesNotExist':
      return (labels) => typeof labels?.[key] !== 'string';
    case 'Gt':
    case 'Lt': {
      const operand = values.length === 1 ? parseInt64(values[0] ?? '') : undefined;
      if (operand === undefined) return matchNothing;
      const greater = req.operator === 'Gt';
      // Up to 15 digits a label value is exact as a double: compare numbers without allocating a BigInt
      // (this runs once per node in the scheduler's node loop); longer values take the exact int64 path.
      const safe = operand >= -(10n ** 15n) && operand <= 10n ** 15n;
      const operandNumber = Number(operand);
      return (labels) => {
        const v = labels?.[key];
        if (typeof v !== 'string') return false;
        if (safe && SHORT_INT.test(v)) {
          const x = Number(v);
          return greater ? x > operandNumber : x < operandNumber;
        }
        // A label value that is not an int64 does not match (selector.go logs and returns false).
        const n = parseInt64(v);
        return n !== undefined && (greater ? n > operand : n < operand);
      };
    }
  }
}

/** ANDs already-validated requirements into one matcher; no requirements match everything. */
export function compileRequirements(reqs: readonly LabelRequirement[]): LabelMatcher {
  const tests = reqs.map(compileRequirement);
  if (tests.length === 0) return matchEverything;
  if (tests.length === 1) return tests[0] as LabelMatcher;
  return (labels) => {
    for (const test of tests) if (!test(labels)) return false;
    return true;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Structured selectors (meta/v1 LabelSelector)

/**
 * The requirements of a LabelSelector, validated (LabelSelectorAsSelector): null for an absent selector
 * (selects nothing), [] for `{}` (selects everything). `path` names the selector in error messages.
 */
export function labelSelectorRequirements(selector: LabelSelector | null | undefined, path = 'selector'): LabelRequirement[] | null {
  if (selector === null || selector === undefined) return null;
  const reqs: LabelRequirement[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) problems.push(`${path}.matchLabels: ${keyProblem}`);
    const valueProblem = labelValueProblem(value);
    if (valueProblem !== undefined) problems.push(`${path}.matchLabels[${key}]: ${valueProblem}`);
    reqs.push({ key, operator: 'In', values: [value] });
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const where = `${path}.matchExpressions[${i}]`;
    const op = expr.operator as string;
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
      problems.push(`${where}.operator: ${JSON.stringify(op)} is not a label selector operator (expected In, NotIn, Exists or DoesNotExist)`);
      return;
    }
    const req: LabelRequirement = { key: expr.key, operator: expr.operator, values: [...(expr.values ?? [])] };
    checkRequirement(req, (field) => `${where}.${field}`, problems);
    reqs.push(req);
  });
  throwIfAny(problems);
  return reqs;
}

/**
 * Compiles a LabelSelector once into a matcher. Kubernetes semantics: null/undefined selects nothing,
 * `{}` selects everything, requirements are ANDed. Throws SelectorError naming the bad field.
 */
export function compileLabelSelector(selector: LabelSelector | null | undefined, path = 'selector'): LabelMatcher {
  const reqs = labelSelectorRequirements(selector, path);
  return reqs === null ? matchNothing : compileRequirements(reqs);
}

/** A selector that matches exactly the given labels (labels.SelectorFromSet); empty or absent: everything. */
export function compileLabelSet(set: Labels | undefined): LabelMatcher {
  const entries = Object.entries(set ?? {});
  if (entries.length === 0) return matchEverything;
  return (labels) => {
    if (labels === undefined) return false;
    for (const [k, v] of entries) if (labels[k] !== v) return false;
    return true;
  };
}

// ---------------------------------------------------------------------------------------------------------
// The string form: "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3" (selector.go Lexer and Parser)

type TokenKind = 'end' | 'identifier' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset in the selector string, for error messages. */
  readonly at: number;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && WHITESPACE.has(s[i] as string)) i++;
    if (i >= s.length) {
      tokens.push({ kind: 'end', text: '', at: s.length });
      return tokens;
    }
    const c = s[i] as string;
    if (SPECIAL.has(c)) {
      // The longest operator wins: "!=" and "==" are the only two-character ones.
      const two = s.slice(i, i + 2);
      const kind = (two === '!=' || two === '==' ? two : c) as TokenKind;
      tokens.push({ kind, text: kind, at: i });
      i += kind.length;
      continue;
    }
    const start = i;
    while (i < s.length && !SPECIAL.has(s[i] as string) && !WHITESPACE.has(s[i] as string)) i++;
    const text = s.slice(start, i);
    tokens.push({ kind: text === 'in' || text === 'notin' ? text : 'identifier', text, at: start });
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end' : JSON.stringify(t.text);
}

/**
 * Parses the string form of a label selector (as in `?labelSelector=`): requirements separated by commas,
 * each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1)`,
 * `key>n` or `key<n`. The empty string has no requirements (selects everything).
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = lex(text);
  let pos = 0;
  const fail = (t: Token, expected: string): SelectorError =>
    new SelectorError(`label selector ${JSON.stringify(text)}: found ${describe(t)} at offset ${t.at}, expected ${expected}`);
  // The token list ends with an 'end' token and parsing stops there, so these never read past it.
  const next = (): Token => tokens[pos++] as Token;
  const peek = (): Token => tokens[pos] as Token;
  // Outside operator position the keywords in/notin are plain identifiers (selector.go ParserContext Values).
  const isIdentifier = (t: Token): boolean => t.kind === 'identifier' || t.kind === 'in' || t.kind === 'notin';

  const reqs: LabelRequirement[] = [];
  if (peek().kind === 'end') return reqs;
  for (;;) {
    let t = next();
    const negated = t.kind === '!';
    if (negated) t = next();
    if (!isIdentifier(t)) throw fail(t, 'a label key');
    const key = t.text;
    let req: LabelRequirement;
    const op = peek();
    if (op.kind === 'end' || op.kind === ',') {
      req = { key, operator: negated ? 'DoesNotExist' : 'Exists', values: [] };
    } else if (negated) {
      throw fail(op, "',' or the end after a negated key");
    } else {
      pos++;
      if (op.kind === 'in' || op.kind === 'notin') {
        const open = next();
        if (open.kind !== '(') throw fail(open, "'('");
        const values: string[] = [];
        // Empty entries are the empty value, as upstream: "x in ()" and "x in (a,)" include "".
        let expectValue = true;
        for (;;) {
          const v = next();
          if (v.kind === ')') {
            if (expectValue) values.push('');
            break;
          }
          if (v.kind === ',') {
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (isIdentifier(v) && expectValue) {
            values.push(v.text);
            expectValue = false;
            continue;
          }
          throw fail(v, expectValue ? "a value, ',' or ')'" : "',' or ')'");
        }
        req = { key, operator: op.kind === 'in' ? 'In' : 'NotIn', values: [...new Set(values)] };
      } else if (op.kind === '=' || op.kind === '==' || op.kind === '!=' || op.kind === '>' || op.kind === '<') {
        const v = peek();
        let value = '';
        if (isIdentifier(v)) {
          value = v.text;
          pos++;
        } else if (v.kind !== 'end' && v.kind !== ',') {
          throw fail(v, 'a value');
        }
        const operator = op.kind === '!=' ? 'NotIn' : op.kind === '>' ? 'Gt' : op.kind === '<' ? 'Lt' : 'In';
        req = { key, operator, values: [value] };
      } else {
        throw fail(op, 'an operator (=, ==, !=, in, notin, >, <), a comma or the end');
      }
    }
    const problems: string[] = [];
    checkRequirement(req, () => `label selector ${JSON.stringify(text)}`, problems);
    throwIfAny(problems);
    reqs.push(req);
    const sep = next();
    if (sep.kind === 'end') return reqs;
    if (sep.kind !== ',') throw fail(sep, "',' or the end");
    const after = peek();
    if (!isIdentifier(after) && after.kind !== '!') throw fail(after, "a label key or '!' after ','");
  }
}

/** parseLabelSelector, compiled. */
export function compileLabelSelectorString(text: string): LabelMatcher {
  return compileRequirements(parseLabelSelector(text));
}

// ---------------------------------------------------------------------------------------------------------
// Field selectors: "metadata.name=x,spec.nodeName=,status.phase!=Running" (fields/selector.go)

export interface FieldRequirement {
  readonly field: string;
  /** '==' is read as '='. */
  readonly op: '=' | '!=';
  readonly value: string;
}

/** Reads one field of an object as a string; undefined when the object has no such field. */
export type FieldAccessor<T> = (obj: T, field: string) => string | undefined;

/** Splits on commas not escaped with a backslash (fields/selector.go splitTerms). */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** Undoes \\ \, \= in a value; a bare ',' or '=' or another escape is an error (fields UnescapeValue). */
function unescapeValue(raw: string, selector: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      const e = raw[i + 1];
      if (e !== '\\' && e !== ',' && e !== '=') {
        throw new SelectorError(`field selector ${JSON.stringify(selector)}: ${JSON.stringify(`\\${e ?? ''}`)} is not a valid escape (use \\\\, \\, or \\=)`);
      }
      out += e;
      i++;
    } else if (c === ',' || c === '=') {
      throw new SelectorError(`field selector ${JSON.stringify(selector)}: the value ${JSON.stringify(raw)} contains an unescaped ${JSON.stringify(c)}`);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Parses `?fieldSelector=`: comma-separated `field=value`, `field==value` or `field!=value` terms (values
 * may be empty; `\,` `\=` `\\` escape). The first operator in a term splits it, as upstream's splitTerm.
 * Which fields a kind supports is the API server's business, not checked here.
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    let split = -1;
    let opText = '';
    for (let i = 0; i < term.length && split < 0; i++) {
      for (const candidate of ['!=', '==', '=']) {
        if (term.startsWith(candidate, i)) {
          split = i;
          opText = candidate;
          break;
        }
      }
    }
    if (split < 0) {
      throw new SelectorError(`field selector ${JSON.stringify(text)}: the term ${JSON.stringify(term)} has no operator (expected field=value, field==value or field!=value)`);
    }
    const field = term.slice(0, split);
    if (field === '') throw new SelectorError(`field selector ${JSON.stringify(text)}: the term ${JSON.stringify(term)} has no field name`);
    reqs.push({ field, op: opText === '!=' ? '!=' : '=', value: unescapeValue(term.slice(split + opText.length), text) });
  }
  return reqs;
}

/**
 * Whether `obj` satisfies every requirement. A field the object lacks reads as '' (fields.Set.Get), so
 * `spec.nodeName=` selects unscheduled pods.
 */
export function matchesFieldSelector<T>(reqs: readonly FieldRequirement[], obj: T, get: FieldAccessor<T>): boolean {
  for (const req of reqs) {
    const actual = get(obj, req.field) ?? '';
    if ((actual === req.value) !== (req.op === '=')) return false;
  }
  return true;
}

/**
 * A FieldAccessor that walks a dotted path (`status.phase`) through plain objects; numbers and booleans
 * read as their JSON text (`spec.hostNetwork=true`), anything else as absent.
 */
export function objectField(obj: unknown, field: string): string | undefined {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}
