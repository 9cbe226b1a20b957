// Validation with Kubernetes' field paths and wording (k8s.io/kubernetes pkg/apis/core/validation,
// apps/validation, batch/validation; k8s.io/apimachinery pkg/util/validation). A validator returns every
// problem it finds as a FieldError list; an empty list means valid.
import { labelKeyProblem, labelValueProblem, tryParseQuantity } from '../api/index.js';
import type { FieldError } from './errors.js';

export type Errs = FieldError[];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

export type NameRule = 'subdomain' | 'label' | 'dns1035';

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}
export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, detail };
}
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, value, detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` };
}
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value, detail: '' };
}

export function checkName(field: string, name: string, rule: NameRule, errs: Errs): void {
  if (rule === 'subdomain') {
    if (name.length > 253) errs.push(invalid(field, name, 'must be no more than 253 characters'));
    if (!DNS1123_SUBDOMAIN.test(name)) errs.push(invalid(field, name, DNS1123_SUBDOMAIN_MSG));
  } else {
    if (name.length > 63) errs.push(invalid(field, name, 'must be no more than 63 characters'));
    if (!(rule === 'label' ? DNS1123_LABEL : DNS1035_LABEL).test(name)) errs.push(invalid(field, name, rule === 'label' ? DNS1123_LABEL_MSG : DNS1035_LABEL_MSG));
  }
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/**
 * The keys of a ConfigMap's data/binaryData and a Secret's data (apimachinery pkg/util/validation
 * IsConfigMapKey): at most 253 characters (DNS1123SubdomainMaxLength), the config-key regex, and not ".",
 * ".." or a "..name" (hasChDirPrefix: the keys become file names in volumes).
 */
export function checkConfigKeys(field: string, map: unknown, errs: Errs): void {
  if (!isRecord(map)) return;
  for (const key of Object.keys(map)) {
    const at = `${field}[${key}]`;
    if (key.length > 253) errs.push(invalid(at, key, 'must be no more than 253 characters'));
    if (!CONFIG_KEY.test(key)) errs.push(invalid(at, key, CONFIG_KEY_MSG));
    if (key === '.') errs.push(invalid(at, key, "must not be '.'"));
    else if (key === '..') errs.push(invalid(at, key, "must not be '..'"));
    else if (key.startsWith('..')) errs.push(invalid(at, key, "must not start with '..'"));
  }
}

/** Is a []byte field's value base64 (standard alphabet, padded), as encoding/json decodes it? */
export function isBase64(v: unknown): v is string {
  return typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
}

/** The number of bytes a valid base64 string decodes to (len([]byte) in Go). */
export function base64ByteLength(v: string): number {
  const padding = v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0;
  return (v.length / 4) * 3 - padding;
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Label maps (metadata.labels, nodeSelector, matchLabels): keys are qualified names, values short. */
export function checkLabels(field: string, labels: unknown, errs: Errs): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) return void errs.push(invalid(field, labels, 'must be a map of string keys to string values'));
  for (const [k, v] of Object.entries(labels)) {
    const kp = labelKeyProblem(k);
    if (kp !== undefined) errs.push(invalid(field, k, kp));
    if (typeof v !== 'string') errs.push(invalid(`${field}.${k}`, v, 'must be a string'));
    else {
      const vp = labelValueProblem(v);
      if (vp !== undefined) errs.push(invalid(`${field}.${k}`, v, vp));
    }
  }
}

export function checkAnnotations(field: string, annotations: unknown, errs: Errs): void {
  if (annotations === undefined || annotations === null) return;
  if (!isRecord(annotations)) return void errs.push(invalid(field, annotations, 'must be a map of string keys to string values'));
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const kp = labelKeyProblem(k);
    if (kp !== undefined) errs.push(invalid(field, k, kp));
    if (typeof v !== 'string') errs.push(invalid(`${field}.${k}`, v, 'must be a string'));
    total += k.length + (typeof v === 'string' ? v.length : 0);
  }
  // apimachinery ValidateAnnotations: TotalAnnotationSizeLimitB = 256 KiB.
  if (total > 256 * 1024) errs.push({ type: 'FieldValueTooLong', field, detail: 'must have at most 262144 bytes' });
}

/** What checkResourceList answers for an absent or empty list (shared, never written). */
const NO_QUANTITIES: ReadonlyMap<string, bigint> = new Map();

/** A resource list (requests, limits, capacity, overhead): every value a non-negative quantity; returns nano-units. */
export function checkResourceList(field: string, list: unknown, errs: Errs): ReadonlyMap<string, bigint> {
  if (list === undefined || list === null) return NO_QUANTITIES;
  if (!isRecord(list)) {
    errs.push(invalid(field, list, 'must be a map of resource names to quantities'));
    return NO_QUANTITIES;
  }
  let values: Map<string, bigint> | undefined;
  // for-in over a decoded JSON object: its own keys, without Object.entries' pairs.
  for (const name in list) {
    const raw = list[name];
    const text = typeof raw === 'number' ? String(raw) : raw;
    const q = typeof text === 'string' ? tryParseQuantity(text) : undefined;
    if (q === undefined) {
      errs.push(invalid(`${field}.${name}`, raw, 'must be a quantity'));
      continue;
    }
    if (q.nano < 0n) errs.push(invalid(`${field}.${name}`, raw, 'must be greater than or equal to 0'));
    (values ??= new Map()).set(name, q.nano);
  }
  return values ?? NO_QUANTITIES;
}

export function checkNonNegative(field: string, v: unknown, errs: Errs): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) errs.push(invalid(field, v, 'must be an integer'));
  else if (v < 0) errs.push(invalid(field, v, 'must be greater than or equal to 0'));
}

export function checkEnum(field: string, v: unknown, allowed: readonly string[], errs: Errs): void {
  if (v === undefined || v === null || v === '') return;
  if (typeof v !== 'string' || !allowed.includes(v)) errs.push(notSupported(field, v, allowed));
}

/** metav1.LabelSelector: operators and their values (apimachinery metav1validation.ValidateLabelSelector). */
export function checkLabelSelector(field: string, sel: unknown, errs: Errs): void {
  if (sel === undefined || sel === null) return;
  if (!isRecord(sel)) return void errs.push(invalid(field, sel, 'must be a label selector'));
  checkLabels(`${field}.matchLabels`, sel['matchLabels'], errs);
  const exprs = sel['matchExpressions'];
  if (exprs === undefined || exprs === null) return;
  if (!Array.isArray(exprs)) return void errs.push(invalid(`${field}.matchExpressions`, exprs, 'must be a list'));
  exprs.forEach((e: unknown, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    if (!isRecord(e)) return void errs.push(invalid(at, e, 'must be an object'));
    const op = e['operator'];
    const values = e['values'];
    const n = Array.isArray(values) ? values.length : 0;
    if (typeof e['key'] !== 'string' || e['key'] === '') errs.push(required(`${at}.key`));
    else {
      const kp = labelKeyProblem(e['key']);
      if (kp !== undefined) errs.push(invalid(`${at}.key`, e['key'], kp));
    }
    if (op === 'In' || op === 'NotIn') {
      if (n === 0) errs.push(required(`${at}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (n > 0) errs.push(forbidden(`${at}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else {
      errs.push(notSupported(`${at}.operator`, op, ['In', 'NotIn', 'Exists', 'DoesNotExist']));
    }
  });
}

/** core/v1 NodeSelector (required node affinity). */
export function checkNodeSelector(field: string, ns: unknown, errs: Errs): void {
  if (!isRecord(ns)) return void errs.push(invalid(field, ns, 'must be an object'));
  const terms = ns['nodeSelectorTerms'];
  if (!Array.isArray(terms) || terms.length === 0) return void errs.push(required(`${field}.nodeSelectorTerms`, 'must have at least one node selector term'));
  terms.forEach((t: unknown, i) => checkNodeSelectorTerm(`${field}.nodeSelectorTerms[${i}]`, t, errs));
}

export function checkNodeSelectorTerm(field: string, t: unknown, errs: Errs): void {
  if (!isRecord(t)) return void errs.push(invalid(field, t, 'must be an object'));
  const check = (list: unknown, at: string, fields: boolean) => {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) return void errs.push(invalid(at, list, 'must be a list'));
    list.forEach((r: unknown, j) => {
      const rat = `${at}[${j}]`;
      if (!isRecord(r)) return void errs.push(invalid(rat, r, 'must be an object'));
      const op = r['operator'];
      const n = Array.isArray(r['values']) ? (r['values'] as unknown[]).length : 0;
      if (fields) {
        if (r['key'] !== 'metadata.name') errs.push(invalid(`${rat}.key`, r['key'], 'not a valid field selector key'));
        if (op !== 'In' && op !== 'NotIn') errs.push(notSupported(`${rat}.operator`, op, ['In', 'NotIn']));
        else if (n !== 1) errs.push(required(`${rat}.values`, 'must be only one value when `operator` is \'In\' or \'NotIn\' for node field selector'));
        return;
      }
      if (typeof r['key'] !== 'string' || r['key'] === '') errs.push(required(`${rat}.key`));
      switch (op) {
        case 'In':
        case 'NotIn':
          if (n === 0) errs.push(required(`${rat}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (n > 0) errs.push(forbidden(`${rat}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
          break;
        case 'Gt':
        case 'Lt': {
          const values = r['values'] as unknown[] | undefined;
          if (n !== 1) errs.push(required(`${rat}.values`, 'must be specified single value when `operator` is \'Lt\' or \'Gt\''));
          else if (!/^-?\d+$/.test(String(values![0]))) errs.push(invalid(`${rat}.values[0]`, values![0], 'must be an integer'));
          break;
        }
        default:
          errs.push(notSupported(`${rat}.operator`, op, ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn']));
      }
    });
  };
  check(t['matchExpressions'], `${field}.matchExpressions`, false);
  check(t['matchFields'], `${field}.matchFields`, true);
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function checkTolerations(field: string, tolerations: unknown, errs: Errs): void {
  if (tolerations === undefined || tolerations === null) return;
  if (!Array.isArray(tolerations)) return void errs.push(invalid(field, tolerations, 'must be a list'));
  tolerations.forEach((t: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(t)) return void errs.push(invalid(at, t, 'must be an object'));
    const op = t['operator'] ?? 'Equal';
    const key = t['key'];
    if (typeof key === 'string' && key !== '') {
      const kp = labelKeyProblem(key);
      if (kp !== undefined) errs.push(invalid(`${at}.key`, key, kp));
    }
    if ((key === undefined || key === '') && op !== 'Exists') {
      errs.push(invalid(`${at}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (op === 'Exists' && t['value'] !== undefined && t['value'] !== '') {
      errs.push(invalid(`${at}.operator`, t['value'], 'value must be empty when `operator` is \'Exists\''));
    }
    if (op !== 'Equal' && op !== 'Exists' && op !== '') errs.push(notSupported(`${at}.operator`, op, ['Equal', 'Exists']));
    if (t['effect'] !== undefined && t['effect'] !== '') checkEnum(`${at}.effect`, t['effect'], TAINT_EFFECTS, errs);
    if (t['tolerationSeconds'] !== undefined && t['effect'] !== 'NoExecute') {
      errs.push(invalid(`${at}.effect`, t['effect'] ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
}

export function checkTaints(field: string, taints: unknown, errs: Errs): void {
  if (taints === undefined || taints === null) return;
  if (!Array.isArray(taints)) return void errs.push(invalid(field, taints, 'must be a list'));
  const seen = new Set<string>();
  taints.forEach((t: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(t)) return void errs.push(invalid(at, t, 'must be an object'));
    if (typeof t['key'] !== 'string' || t['key'] === '') errs.push(required(`${at}.key`));
    else {
      const kp = labelKeyProblem(t['key']);
      if (kp !== undefined) errs.push(invalid(`${at}.key`, t['key'], kp));
    }
    if (t['value'] !== undefined && typeof t['value'] === 'string') {
      const vp = labelValueProblem(t['value']);
      if (vp !== undefined) errs.push(invalid(`${at}.value`, t['value'], vp));
    }
    if (t['effect'] === undefined || t['effect'] === '') errs.push(required(`${at}.effect`));
    else checkEnum(`${at}.effect`, t['effect'], TAINT_EFFECTS, errs);
    const id = `${String(t['key'])}:${String(t['effect'])}`;
    if (seen.has(id)) errs.push(duplicate(at, { key: t['key'], effect: t['effect'] }));
    seen.add(id);
  });
}

/** A percentage ("25%") or a non-negative integer (IntOrString fields such as maxUnavailable). */
export function checkIntOrPercent(field: string, v: unknown, errs: Errs): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') return checkNonNegative(field, v, errs);
  if (typeof v !== 'string' || !/^\d+%$/.test(v)) errs.push(invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  else if (Number(v.slice(0, -1)) > 100) errs.push(invalid(field, v, 'must not be greater than 100%'));
}
