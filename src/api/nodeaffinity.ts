// Node selectors (core/v1 NodeSelector, pod.spec.affinity.nodeAffinity) and pod.spec.nodeSelector, with the
// semantics of k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go:
// - terms are ORed; within a term, matchExpressions (on node labels) and matchFields (on node fields) are ANDed;
// - a term with neither expressions nor fields matches nothing, and is skipped;
// - operators In, NotIn, Exists, DoesNotExist, Gt, Lt on labels (Gt/Lt compare int64s; a label value that is
//   not an integer does not match); matchFields allows only metadata.name with In/NotIn and one value.
// Everything is validated and compiled once; the returned closures only compare strings.
//
// Upstream's LazyErrorNodeSelector skips invalid terms and still matches with the valid ones; drydock rejects
// the whole selector instead, because bad configuration must fail at start-up (STYLE.md §3) and the API
// server's validation rejects such pods anyway.

import type { Labels, Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, PreferredSchedulingTerm } from './types.js';
import { SelectorError, checkRequirement, compileLabelSet, compileRequirements, type LabelRequirement } from './labels.js';

/** Whether a node, given its labels and name, satisfies a compiled selector. */
export type NodeMatcher = (nodeLabels: Labels | undefined, nodeName: string) => boolean;

/** The sum of the weights of the preferred terms a node matches (PreferredSchedulingTerms.Score). */
export type NodeScorer = (nodeLabels: Labels | undefined, nodeName: string) => number;

const matchNoNode: NodeMatcher = () => false;
/** What a pod without nodeSelector or required node affinity matches: every node (one shared function). */
export const matchEveryNode: NodeMatcher = () => true;

const NODE_SELECTOR_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0;
}

/** Compiles a non-empty term, pushing problems instead of throwing so that all of them are reported. */
function compileTerm(term: NodeSelectorTerm, path: string, problems: string[]): NodeMatcher {
  const labelReqs: LabelRequirement[] = [];
  (term.matchExpressions ?? []).forEach((expr: NodeSelectorRequirement, i) => {
    const where = `${path}.matchExpressions[${i}]`;
    if (!NODE_SELECTOR_OPERATORS.has(expr.operator)) {
      problems.push(`${where}.operator: ${JSON.stringify(expr.operator)} is not a node selector operator (expected In, NotIn, Exists, DoesNotExist, Gt or Lt)`);
      return;
    }
    const req: LabelRequirement = { key: expr.key, operator: expr.operator, values: [...(expr.values ?? [])] };
    checkRequirement(req, (field) => `${where}.${field}`, problems);
    labelReqs.push(req);
  });

  // matchFields: node fields are only metadata.name (nodeaffinity.go extractNodeFields), and each
  // requirement becomes one field term, so In/NotIn take exactly one value.
  const namesIn: string[] = [];
  const namesNotIn: string[] = [];
  (term.matchFields ?? []).forEach((expr: NodeSelectorRequirement, i) => {
    const where = `${path}.matchFields[${i}]`;
    if (expr.key !== 'metadata.name') {
      problems.push(`${where}.key: ${JSON.stringify(expr.key)} is not a supported node field (only metadata.name)`);
    }
    if (expr.operator !== 'In' && expr.operator !== 'NotIn') {
      problems.push(`${where}.operator: ${JSON.stringify(expr.operator)} is not supported for node fields (expected In or NotIn)`);
      return;
    }
    const values = expr.values ?? [];
    if (values.length !== 1) {
      problems.push(`${where}.values: operator ${expr.operator} on a node field needs exactly one value (got ${values.length})`);
      return;
    }
    (expr.operator === 'In' ? namesIn : namesNotIn).push(values[0] as string);
  });

  const labelsMatch = labelReqs.length > 0 ? compileRequirements(labelReqs) : undefined;
  const hasFields = namesIn.length + namesNotIn.length > 0;
  const fieldsMatch = (name: string): boolean => namesIn.every((n) => n === name) && namesNotIn.every((n) => n !== name);
  return (nodeLabels, nodeName) => {
    if (labelsMatch !== undefined && !labelsMatch(nodeLabels)) return false;
    // Upstream quirk kept: a node without a name has no fields, and then matchFields is not checked.
    if (hasFields && nodeName !== '' && !fieldsMatch(nodeName)) return false;
    return true;
  };
}

function throwIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new SelectorError(problems.join('; '));
}

/**
 * Compiles a NodeSelector: its terms ORed, empty terms skipped; no usable term matches no node.
 * Throws SelectorError listing every invalid field under `path`.
 */
export function compileNodeSelector(selector: NodeSelector, path = 'nodeSelector'): NodeMatcher {
  const problems: string[] = [];
  const terms: NodeMatcher[] = [];
  selector.nodeSelectorTerms.forEach((term, i) => {
    if (!isEmptyTerm(term)) terms.push(compileTerm(term, `${path}.nodeSelectorTerms[${i}]`, problems));
  });
  throwIfAny(problems);
  if (terms.length === 0) return matchNoNode;
  if (terms.length === 1) return terms[0] as NodeMatcher;
  return (nodeLabels, nodeName) => {
    for (const term of terms) if (term(nodeLabels, nodeName)) return true;
    return false;
  };
}

/** A single NodeSelectorTerm; an empty term matches no node. */
export function compileNodeSelectorTerm(term: NodeSelectorTerm, path = 'nodeSelectorTerm'): NodeMatcher {
  if (isEmptyTerm(term)) return matchNoNode;
  const problems: string[] = [];
  const matcher = compileTerm(term, path, problems);
  throwIfAny(problems);
  return matcher;
}

/**
 * pod.spec.nodeSelector plus pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution,
 * both of which must hold (nodeaffinity.go GetRequiredNodeAffinity / RequiredNodeAffinity.Match).
 * A pod with neither matches every node. `path` prefixes error locations (e.g. "pod default/web-0: spec").
 */
export function compileRequiredNodeAffinity(spec: Pick<PodSpec, 'nodeSelector' | 'affinity'>, path = 'spec'): NodeMatcher {
  const selector = spec.nodeSelector !== undefined && Object.keys(spec.nodeSelector).length > 0 ? compileLabelSet(spec.nodeSelector) : undefined;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinity = required === undefined
    ? undefined
    : compileNodeSelector(required, `${path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`);
  if (selector === undefined && affinity === undefined) return matchEveryNode;
  if (selector === undefined) return affinity as NodeMatcher;
  if (affinity === undefined) return (nodeLabels) => selector(nodeLabels);
  return (nodeLabels, nodeName) => selector(nodeLabels) && affinity(nodeLabels, nodeName);
}

/**
 * Compiles preferred terms for scoring: terms with weight 0 or an empty preference are skipped
 * (NewPreferredSchedulingTerms); the score is the sum of the weights of the matching terms.
 */
export function compilePreferredSchedulingTerms(terms: readonly PreferredSchedulingTerm[] | undefined, path = 'preferredDuringSchedulingIgnoredDuringExecution'): NodeScorer {
  const problems: string[] = [];
  const compiled: { readonly weight: number; readonly match: NodeMatcher }[] = [];
  (terms ?? []).forEach((term, i) => {
    if (term.weight === 0 || isEmptyTerm(term.preference)) return;
    compiled.push({ weight: term.weight, match: compileTerm(term.preference, `${path}[${i}].preference`, problems) });
  });
  throwIfAny(problems);
  if (compiled.length === 0) return () => 0;
  return (nodeLabels, nodeName) => {
    let score = 0;
    for (const { weight, match } of compiled) if (match(nodeLabels, nodeName)) score += weight;
    return score;
  };
}

/** Applies a NodeMatcher to a Node object. */
export function matchesNode(matcher: NodeMatcher, node: Pick<Node, 'metadata'>): boolean {
  return matcher(node.metadata.labels, node.metadata.name ?? '');
}
