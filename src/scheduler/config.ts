// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) as kube-scheduler reads it: decode (strict, like
// the scheduler's codec), default, validate, and resolve every profile's plugins per extension point.
//
// Upstream sources this follows (kubernetes/kubernetes):
//   pkg/scheduler/apis/config/v1/default_plugins.go  getDefaultPlugins, mergePlugins / mergePluginSet
//   pkg/scheduler/apis/config/v1/defaults.go         SetDefaults_KubeSchedulerConfiguration, DefaultPreemptionArgs
//   pkg/scheduler/apis/config/validation/validation.go  ValidateKubeSchedulerConfiguration, validateCommonQueueSort
//   pkg/scheduler/apis/config/validation/validation_pluginargs.go  ValidateDefaultPreemptionArgs
//   pkg/scheduler/framework/runtime/framework.go     NewFramework, updatePluginList, expandMultiPointPlugins,
//                                                    getScoreWeights
//   pkg/scheduler/profile/profile.go                 cfgValidator (same queue sort for all profiles)
//   staging/src/k8s.io/kube-scheduler/config/v1/types.go (field names)
// Reference: /work/shared/reference/kube-scheduler.md §1.5 (defaults) and §2.1 (default plugins and weights).
//
// Plugins are not imported here: the caller passes a registry of factories with the extension points each
// plugin implements (upstream derives them from the Go type; here the registration says them, and the loader
// checks the instance it builds agrees).
//
// Errors are one line: `<file>: <field path>: <what is wrong>`; YAML syntax errors are `<file>:<line>:<col>: ...`.
import { parseDocument } from 'yaml';
import type { Json } from '../apiserver/strategy.js';
import { ConfigError, type Plugin, type PluginFactory } from './framework.js';

export const API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const KIND = 'KubeSchedulerConfiguration';
/** v1.DefaultSchedulerName: pods without spec.schedulerName go to this profile. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** defaults.go / types.go: adaptive percentage, 1 s and 10 s backoff, parallelism 16. */
export const DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE = 0;
export const DEFAULT_POD_INITIAL_BACKOFF_SECONDS = 1;
export const DEFAULT_POD_MAX_BACKOFF_SECONDS = 10;
export const DEFAULT_PARALLELISM = 16;

/** The extension points, in the order of the v1 `Plugins` fields (types.go). */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

/** framework.go getExtensionPoints: the order in which lists are built and MultiPoint is expanded. */
const FRAMEWORK_ORDER: readonly ExtensionPoint[] = [
  'preFilter',
  'filter',
  'postFilter',
  'reserve',
  'preScore',
  'score',
  'preBind',
  'bind',
  'postBind',
  'permit',
  'preEnqueue',
  'queueSort',
];

/** The method(s) a plugin instance must have for each extension point it is registered for (framework.ts). */
const METHODS: Record<ExtensionPoint, readonly string[]> = {
  preEnqueue: ['preEnqueue'],
  queueSort: ['less'],
  preFilter: ['preFilter'],
  filter: ['filter'],
  postFilter: ['postFilter'],
  preScore: ['preScore'],
  score: ['score'],
  reserve: ['reserve', 'unreserve'],
  permit: ['permit'],
  preBind: ['preBind'],
  bind: ['bind'],
  postBind: ['postBind'],
};

/** A plugin the registry can build, and the extension points it implements. */
export interface PluginRegistration {
  factory: PluginFactory;
  extensionPoints: readonly ExtensionPoint[];
}
export type PluginRegistry = ReadonlyMap<string, PluginRegistration>;

/** A plugin as the configuration names it (v1 Plugin; weight is used only at score, 0/absent means 1). */
export interface PluginEntry {
  readonly name: string;
  readonly weight?: number;
}

/**
 * The default MultiPoint list (default_plugins.go getDefaultPlugins, reference §2.1), restricted to the
 * plugins drydock implements, in upstream order. The volume plugins (VolumeRestrictions, NodeVolumeLimits,
 * VolumeBinding, VolumeZone) and DynamicResources sit between NodeResourcesFit and PodTopologySpread /
 * before DefaultPreemption upstream; drydock has no volumes or resource claims, so leaving them out changes
 * no decision. Upstream max total score: 100 * (3 + 2 + 1 + 2 + 2 + 1 + 1) = 1200.
 *
 * DataLocality and GpuDevices are drydock's own plugins. They are enabled by default with weight 1 each but
 * are inert (PreFilter/PreScore return Skip) unless a pod names datasets or asks for GPUs, so pods that use
 * neither score exactly as under kube-scheduler. They come last so that every upstream plugin keeps its
 * upstream position at each extension point (filter order decides which failure reason a node reports).
 */
export const DEFAULT_PLUGINS: readonly PluginEntry[] = Object.freeze([
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
  { name: 'DataLocality', weight: 1 }, // drydock: inert unless the pod names datasets
  { name: 'GpuDevices', weight: 1 }, // drydock: inert unless the pod asks for GPUs
].map((e) => Object.freeze(e)));

/**
 * In-tree kube-scheduler plugins drydock does not implement (it has no volumes or resource claims). A config
 * may disable them or give them pluginConfig (both are no-ops here), so real kube-scheduler configs load;
 * enabling one is an error.
 */
const UPSTREAM_ONLY_PLUGINS: ReadonlySet<string> = new Set([
  'VolumeRestrictions',
  'NodeVolumeLimits',
  'VolumeBinding',
  'VolumeZone',
  'DynamicResources',
]);

/** Removed from v1 (validation.go invalidPluginsByVersion): naming them anywhere is an error upstream too. */
const INVALID_IN_V1: ReadonlySet<string> = new Set(['AzureDiskLimits', 'CinderLimits', 'EBSLimits', 'GCEPDLimits']);

/** One resolved plugin at one extension point; `weight` is the score weight (0 at the other points). */
export interface ConfiguredPlugin {
  readonly name: string;
  readonly weight: number;
}

export interface Profile {
  readonly schedulerName: string;
  /** Overrides the global value when set (0 = adaptive). */
  readonly percentageOfNodesToScore?: number;
  /** Plugins per extension point, in the order they run. */
  readonly plugins: Readonly<Record<ExtensionPoint, readonly ConfiguredPlugin[]>>;
  /** Plugin args as written (without apiVersion/kind); plugins without an entry use their defaults. */
  readonly pluginConfig: ReadonlyMap<string, Json>;
}

export interface SchedulerConfiguration {
  /** 0 = adaptive (50 - nodes/125, at least 5). */
  readonly percentageOfNodesToScore: number;
  readonly podInitialBackoffSeconds: number;
  readonly podMaxBackoffSeconds: number;
  readonly parallelism: number;
  readonly profiles: readonly Profile[];
}

// ---- reading values with a field path ---------------------------------------------------------------------

const INT32_MAX = 2147483647;

/** `got ...` text for a value: numbers bare, strings quoted, collections by kind. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

function isMapping(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws `<file>: <path>: <message>`. */
class Reader {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new ConfigError(path === '' ? `${this.file}: ${message}` : `${this.file}: ${path}: ${message}`);
  }

  /** A mapping (null/absent → undefined) whose keys are all in `fields` (the codec decodes strictly). */
  mapping(v: unknown, path: string, fields: readonly string[]): Json | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isMapping(v)) this.fail(path, `must be a mapping, got ${describe(v)}`);
    for (const key of Object.keys(v)) {
      if (!fields.includes(key)) this.fail(join(path, key), `unknown field (expected one of ${fields.join(', ')})`);
    }
    return v;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, `must be a list, got ${describe(v)}`);
    return v;
  }

  string(v: unknown, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(path, `must be a string, got ${describe(v)}`);
    return v;
  }

  /** An integer in [min, max] (absent → undefined); the range message names both ends. */
  int(v: unknown, path: string, min: number, max: number, rangeText = `must be in the range ${min}-${max}`): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) this.fail(path, `${rangeText}, got ${v}`);
    return v;
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// ---- DefaultPreemption args ---------------------------------------------------------------------------------

export interface DefaultPreemptionArgs {
  /** Share of nodes to dry-run preemption on, 0..100 (default 10). */
  readonly minCandidateNodesPercentage: number;
  /** At least this many candidates, >= 0 (default 100). */
  readonly minCandidateNodesAbsolute: number;
}

/**
 * Defaults and validates DefaultPreemptionArgs (defaults.go SetDefaults_DefaultPreemptionArgs,
 * validation_pluginargs.go ValidateDefaultPreemptionArgs). Throws ConfigError whose message starts with the
 * field path relative to the args, as plugin factories do.
 */
export function validateDefaultPreemptionArgs(args: Json | undefined): DefaultPreemptionArgs {
  const fields = ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute'];
  const fail = (path: string, message: string): never => {
    throw new ConfigError(`${path}: ${message}`);
  };
  if (args !== undefined) {
    if (!isMapping(args)) throw new ConfigError(`must be a mapping, got ${describe(args)}`);
    for (const key of Object.keys(args)) {
      if (!fields.includes(key)) fail(key, `unknown field (expected one of ${fields.join(', ')})`);
    }
  }
  const read = (key: string, dflt: number, min: number, max: number, rangeText: string): number => {
    const v = args?.[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(key, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) fail(key, `${rangeText}, got ${v}`);
    return v;
  };
  const minCandidateNodesPercentage = read('minCandidateNodesPercentage', 10, 0, 100, 'must be in the range 0-100');
  const minCandidateNodesAbsolute = read('minCandidateNodesAbsolute', 100, 0, INT32_MAX, 'must be 0 or more');
  if (minCandidateNodesPercentage === 0 && minCandidateNodesAbsolute === 0) {
    fail('minCandidateNodesPercentage', 'cannot be zero at the same time as minCandidateNodesAbsolute');
  }
  return { minCandidateNodesPercentage, minCandidateNodesAbsolute };
}

// ---- decoding ------------------------------------------------------------------------------------------

const TOP_FIELDS = [
  'apiVersion',
  'kind',
  'parallelism',
  'leaderElection',
  'clientConnection',
  'enableProfiling',
  'enableContentionProfiling',
  'percentageOfNodesToScore',
  'podInitialBackoffSeconds',
  'podMaxBackoffSeconds',
  'profiles',
  'extenders',
  'delayCacheUntilActive',
];
const PROFILE_FIELDS = ['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig'];
const PLUGINS_FIELDS: readonly string[] = [...EXTENSION_POINTS, 'multiPoint'];
const PLUGIN_SET_FIELDS = ['enabled', 'disabled'];
const PLUGIN_FIELDS = ['name', 'weight'];
const PLUGIN_CONFIG_FIELDS = ['name', 'args'];

/** A plugin named in the config (or a default), with the path of its entry ('' for a default). */
interface Entry {
  readonly name: string;
  readonly weight: number | undefined;
  readonly path: string;
}
interface PluginSet {
  readonly enabled: readonly Entry[];
  readonly disabled: readonly Entry[];
}
const EMPTY_SET: PluginSet = { enabled: [], disabled: [] };

interface RawPluginConfig {
  readonly name: string;
  readonly path: string;
  /** Args without apiVersion/kind; undefined when absent or null. */
  readonly args: Json | undefined;
}

interface RawProfile {
  readonly path: string;
  readonly schedulerName: string | undefined;
  readonly percentageOfNodesToScore: number | undefined;
  readonly sets: ReadonlyMap<ExtensionPoint | 'multiPoint', PluginSet>;
  readonly pluginConfig: readonly RawPluginConfig[];
}

function readPluginSet(r: Reader, v: unknown, path: string): PluginSet {
  const m = r.mapping(v, path, PLUGIN_SET_FIELDS);
  if (m === undefined) return EMPTY_SET;
  const entries = (key: 'enabled' | 'disabled'): Entry[] =>
    r.list(m[key], join(path, key)).map((e, i) => {
      const p = `${path}.${key}[${i}]`;
      const pm = r.mapping(e, p, PLUGIN_FIELDS) ?? r.fail(p, 'must be a mapping with a name, got null');
      const name = r.string(pm['name'], `${p}.name`);
      if (name === undefined || name === '') r.fail(`${p}.name`, 'required');
      // v1 Plugin.Weight is *int32; upstream never rejects a negative weight, drydock does (it would invert
      // the plugin's preference and break the non-negative total the node choice relies on).
      const weight = r.int(pm['weight'], `${p}.weight`, 0, INT32_MAX, 'must be an integer 0 or more (0 means the default, 1)');
      return { name, weight, path: p };
    });
  return { enabled: entries('enabled'), disabled: entries('disabled') };
}

function readProfile(r: Reader, v: unknown, path: string): RawProfile {
  const m = r.mapping(v, path, PROFILE_FIELDS) ?? {};
  const schedulerName = r.string(m['schedulerName'], `${path}.schedulerName`);
  const percentageOfNodesToScore = r.int(m['percentageOfNodesToScore'], `${path}.percentageOfNodesToScore`, 0, 100);
  const sets = new Map<ExtensionPoint | 'multiPoint', PluginSet>();
  const plugins = r.mapping(m['plugins'], `${path}.plugins`, PLUGINS_FIELDS);
  for (const point of PLUGINS_FIELDS as readonly (ExtensionPoint | 'multiPoint')[]) {
    sets.set(point, readPluginSet(r, plugins?.[point], `${path}.plugins.${point}`));
  }
  const pluginConfig = r.list(m['pluginConfig'], `${path}.pluginConfig`).map((e, j): RawPluginConfig => {
    const p = `${path}.pluginConfig[${j}]`;
    const pm = r.mapping(e, p, PLUGIN_CONFIG_FIELDS) ?? r.fail(p, 'must be a mapping with a name, got null');
    const name = r.string(pm['name'], `${p}.name`);
    if (name === undefined || name === '') r.fail(`${p}.name`, 'required');
    return { name, path: p, args: readArgs(r, name, pm['args'], `${p}.args`) };
  });
  return { path, schedulerName, percentageOfNodesToScore, sets, pluginConfig };
}

/**
 * Plugin args: a mapping, optionally with apiVersion/kind, which must then be v1 and `<Name>Args`
 * (types.go PluginConfig.decodeNestedObjects). They are dropped; the factory sees only the fields.
 */
function readArgs(r: Reader, name: string, v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) r.fail(path, `must be a mapping, got ${describe(v)}`);
  const { apiVersion, kind, ...rest } = v;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    r.fail(`${path}.apiVersion`, `expected ${API_VERSION}, got ${describe(apiVersion)}`);
  }
  if (kind !== undefined && kind !== `${name}Args`) r.fail(`${path}.kind`, `expected ${name}Args, got ${describe(kind)}`);
  return rest;
}

// ---- resolution (default_plugins.go mergePluginSet, framework.go) ---------------------------------------

/**
 * default_plugins.go mergePluginSet: defaults minus the disabled ones (all of them for '*'); a default that
 * the custom set enables again is replaced in place (keeping its position, taking the custom weight, even an
 * absent one); the other custom plugins follow in their order. Enabled wins over disabled.
 */
function mergePluginSet(defaults: readonly Entry[], custom: PluginSet): PluginSet {
  const disabled = new Set(custom.disabled.map((e) => e.name));
  // Go map: with a plugin enabled twice, the later index wins the replacement.
  const customIndex = new Map<string, number>();
  custom.enabled.forEach((e, i) => customIndex.set(e.name, i));
  const replaced = new Set<number>();
  const enabled: Entry[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const i = customIndex.get(d.name);
      if (i !== undefined) {
        enabled.push(custom.enabled[i]!);
        replaced.add(i);
      } else {
        enabled.push(d);
      }
    }
  }
  custom.enabled.forEach((e, i) => {
    if (!replaced.has(i)) enabled.push(e);
  });
  return { enabled, disabled: custom.disabled };
}

function implementsPoint(reg: PluginRegistration, point: ExtensionPoint): boolean {
  return reg.extensionPoints.includes(point);
}

/**
 * The plugins of one profile per extension point, with score weights (framework.go NewFramework):
 * 1. updatePluginList: each point's own enabled list, in order (must implement the point, no duplicates);
 * 2. expandMultiPointPlugins, per point unless that point disables '*': MultiPoint plugins implementing the
 *    point and not disabled there; one also enabled at the point itself is an override and keeps its
 *    point-specific position. Order: overrides (in the point's order), then MultiPoint-only plugins (in
 *    MultiPoint order), then the point's other plugins;
 * 3. getScoreWeights: the weight from score.enabled first, else from MultiPoint; 0 or absent → 1.
 */
function resolvePlugins(
  r: Reader,
  raw: RawProfile,
  registry: PluginRegistry,
): { plugins: Record<ExtensionPoint, ConfiguredPlugin[]>; needed: Entry[] } {
  const setOf = (p: ExtensionPoint | 'multiPoint'): PluginSet => raw.sets.get(p) ?? EMPTY_SET;
  const defaults: Entry[] = DEFAULT_PLUGINS.map((d) => ({ name: d.name, weight: d.weight, path: '' }));
  const multi = mergePluginSet(defaults, setOf('multiPoint'));

  // Names: v1 removed plugins, plugins drydock lacks, typos.
  const checkName = (e: Entry, enabled: boolean): void => {
    if (e.name === '*' && !enabled) return;
    if (INVALID_IN_V1.has(e.name)) r.fail(`${e.path}.name`, `plugin "${e.name}" was removed in ${API_VERSION}`);
    if (registry.has(e.name)) return;
    if (e.path === '') {
      r.fail(`${raw.path}.plugins.multiPoint`, `default plugin "${e.name}" is not registered`);
    }
    // Disabling a default plugin that is not registered, or a kube-scheduler plugin drydock lacks, is a no-op.
    if (!enabled && DEFAULT_PLUGINS.some((d) => d.name === e.name)) return;
    if (UPSTREAM_ONLY_PLUGINS.has(e.name)) {
      if (!enabled) return;
      r.fail(`${e.path}.name`, `plugin "${e.name}" is a kube-scheduler plugin that drydock does not implement`);
    }
    r.fail(`${e.path}.name`, `unknown plugin "${e.name}"`);
  };
  for (const point of PLUGINS_FIELDS as readonly (ExtensionPoint | 'multiPoint')[]) {
    const set = setOf(point);
    for (const e of set.enabled) checkName(e, true);
    for (const e of set.disabled) checkName(e, false);
  }
  for (const e of multi.enabled) checkName(e, true);

  const reg = (name: string): PluginRegistration => registry.get(name)!; // names checked above

  // 1. updatePluginList
  const lists = {} as Record<ExtensionPoint, Entry[]>;
  for (const point of FRAMEWORK_ORDER) {
    const seen = new Set<string>();
    const list: Entry[] = [];
    for (const e of setOf(point).enabled) {
      const g = reg(e.name);
      if (!implementsPoint(g, point)) {
        r.fail(`${e.path}.name`, `plugin "${e.name}" does not implement ${point} (it implements ${g.extensionPoints.join(', ') || 'no extension point'})`);
      }
      if (seen.has(e.name)) r.fail(`${e.path}.name`, `plugin "${e.name}" is already enabled at ${point}`);
      seen.add(e.name);
      list.push(e);
    }
    lists[point] = list;
  }

  // 2. expandMultiPointPlugins
  if (multi.enabled.length > 0) {
    for (const point of FRAMEWORK_ORDER) {
      const own = setOf(point);
      const disabled = new Set(own.disabled.map((e) => e.name));
      if (disabled.has('*')) continue;
      const ownNames = new Set(own.enabled.map((e) => e.name));
      const overrides = new Set<string>();
      const fromMulti: Entry[] = [];
      const fromMultiNames = new Set<string>();
      for (const e of multi.enabled) {
        if (!implementsPoint(reg(e.name), point)) continue;
        if (disabled.has(e.name)) continue;
        if (ownNames.has(e.name)) {
          overrides.add(e.name);
          continue;
        }
        if (fromMultiNames.has(e.name)) r.fail(`${e.path}.name`, `plugin "${e.name}" is already enabled at multiPoint`);
        fromMultiNames.add(e.name);
        fromMulti.push(e);
      }
      const ownList = lists[point];
      lists[point] = [
        ...ownList.filter((e) => overrides.has(e.name)),
        ...fromMulti,
        ...ownList.filter((e) => !overrides.has(e.name)),
      ];
    }
  }

  // 3. getScoreWeights: score.enabled first, then MultiPoint; the first entry of a plugin wins.
  const weights = new Map<string, number>();
  let totalWeight = 0;
  for (const e of [...setOf('score').enabled, ...multi.enabled]) {
    if (!implementsPoint(reg(e.name), 'score') || weights.has(e.name)) continue;
    const w = e.weight === undefined || e.weight === 0 ? 1 : e.weight;
    weights.set(e.name, w);
    totalWeight += w;
  }
  // framework.go checks the sum of weight * MaxNodeScore against MaxInt64; drydock adds totals in float64,
  // exact only up to 2^53.
  if (totalWeight * 100 > Number.MAX_SAFE_INTEGER) r.fail(`${raw.path}.plugins`, 'total score of Score plugins could overflow');

  const plugins = {} as Record<ExtensionPoint, ConfiguredPlugin[]>;
  for (const point of EXTENSION_POINTS) {
    plugins[point] = lists[point].map((e) => Object.freeze({ name: e.name, weight: point === 'score' ? weights.get(e.name)! : 0 }));
  }

  if (plugins.queueSort.length !== 1) {
    const names = plugins.queueSort.map((p) => p.name).join(', ');
    r.fail(`${raw.path}.plugins.queueSort`, `exactly one queue sort plugin must be enabled, got ${plugins.queueSort.length}${names ? ` (${names})` : ''}`);
  }
  if (plugins.bind.length === 0) r.fail(`${raw.path}.plugins.bind`, 'at least one bind plugin must be enabled');

  // framework.go pluginsNeeded: every plugin enabled anywhere is instantiated, even if disabled at every point.
  const needed: Entry[] = [];
  const neededNames = new Set<string>();
  for (const e of [...multi.enabled, ...FRAMEWORK_ORDER.flatMap((p) => setOf(p).enabled)]) {
    if (neededNames.has(e.name)) continue;
    neededNames.add(e.name);
    needed.push(e);
  }
  return { plugins, needed };
}

/** Whether a factory's message starts with a field path (`a.b[0].c: ...`). */
const LEADING_FIELD_PATH = /^(?:[A-Za-z_$][\w$]*|\[\d+\])(?:\.[A-Za-z_$][\w$]*|\[\d+\])*: /;

/**
 * Builds each plugin of the profile once with its args, so bad args fail at start-up with the args' path
 * (framework.go NewFramework calls every needed factory; validation.go also validates pluginConfig of plugins
 * that are not enabled, so those are built too). Checks each instance implements what it was registered for.
 */
function validatePluginInstances(r: Reader, raw: RawProfile, schedulerName: string, needed: readonly Entry[], registry: PluginRegistry): Map<string, Json> {
  const pluginConfig = new Map<string, Json>();
  const configured = new Map<string, RawPluginConfig>();
  for (const pc of raw.pluginConfig) {
    if (configured.has(pc.name)) r.fail(`${pc.path}.name`, `duplicate "${pc.name}"`);
    if (INVALID_IN_V1.has(pc.name)) r.fail(`${pc.path}.name`, `plugin "${pc.name}" was removed in ${API_VERSION}`);
    if (!registry.has(pc.name) && !UPSTREAM_ONLY_PLUGINS.has(pc.name)) r.fail(`${pc.path}.name`, `unknown plugin "${pc.name}"`);
    configured.set(pc.name, pc);
  }

  const build = (name: string, pc: RawPluginConfig | undefined): void => {
    const reg = registry.get(name)!;
    let plugin: Plugin;
    try {
      plugin = reg.factory({ args: pc?.args, profileName: schedulerName });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (pc === undefined) r.fail(raw.path, `plugin "${name}" with default args: ${err.message}`);
      const path = `${pc.path}.args`;
      if (!LEADING_FIELD_PATH.test(err.message)) r.fail(path, err.message);
      throw new ConfigError(`${r.file}: ${path}${err.message.startsWith('[') ? '' : '.'}${err.message}`);
    }
    checkInstance(name, reg, plugin);
  };

  // Configured plugins first, in pluginConfig order, so the first bad args reported is the first written.
  for (const pc of raw.pluginConfig) {
    if (!registry.has(pc.name)) continue; // an upstream-only plugin's args: accepted, unused
    build(pc.name, pc);
    if (pc.args !== undefined) pluginConfig.set(pc.name, pc.args);
  }
  for (const e of needed) {
    if (!configured.has(e.name)) build(e.name, undefined);
  }
  return pluginConfig;
}

/** The registration must match the instance both ways (upstream reads the extension points off the Go type). */
function checkInstance(name: string, reg: PluginRegistration, plugin: Plugin): void {
  if (plugin.name !== name) throw new Error(`plugin factory registered as "${name}" built a plugin named "${plugin.name}"`);
  const methods = plugin as unknown as Record<string, unknown>;
  for (const point of EXTENSION_POINTS) {
    const has = METHODS[point].every((m) => typeof methods[m] === 'function');
    const registered = reg.extensionPoints.includes(point);
    if (registered && !has) throw new Error(`plugin "${name}" is registered for ${point} but has no ${METHODS[point].join('/')}()`);
    if (!registered && has) throw new Error(`plugin "${name}" implements ${point} but its registration does not list it`);
  }
}

function sameSet(a: PluginSet, b: PluginSet): boolean {
  const key = (s: PluginSet): string =>
    JSON.stringify([s.enabled.map((e) => [e.name, e.weight ?? 0]), s.disabled.map((e) => e.name)]);
  return key(a) === key(b);
}

/** Structural equality of decoded YAML values (key order ignored). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function decodeConfiguration(r: Reader, doc: unknown, registry: PluginRegistry): SchedulerConfiguration {
  if (doc === undefined || doc === null) r.fail('apiVersion', `expected ${API_VERSION}, got nothing (the file is empty)`);
  if (!isMapping(doc)) r.fail('', `expected a ${KIND} mapping, got ${describe(doc)}`);
  // The codec needs the type first (apiVersion, kind), then decodes the fields strictly.
  if (doc['apiVersion'] !== API_VERSION) r.fail('apiVersion', `expected ${API_VERSION}, got ${describe(doc['apiVersion'])}`);
  if (doc['kind'] !== KIND) r.fail('kind', `expected ${KIND}, got ${describe(doc['kind'])}`);
  const top = r.mapping(doc, '', TOP_FIELDS)!;

  const parallelism = r.int(top['parallelism'], 'parallelism', 1, INT32_MAX, 'must be greater than 0') ?? DEFAULT_PARALLELISM;
  const percentageOfNodesToScore = r.int(top['percentageOfNodesToScore'], 'percentageOfNodesToScore', 0, 100) ?? DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE;
  const podInitialBackoffSeconds =
    r.int(top['podInitialBackoffSeconds'], 'podInitialBackoffSeconds', 1, Number.MAX_SAFE_INTEGER, 'must be greater than 0') ??
    DEFAULT_POD_INITIAL_BACKOFF_SECONDS;
  const podMaxBackoffSeconds =
    r.int(
      top['podMaxBackoffSeconds'],
      'podMaxBackoffSeconds',
      podInitialBackoffSeconds,
      Number.MAX_SAFE_INTEGER,
      `must be greater than or equal to podInitialBackoffSeconds (${podInitialBackoffSeconds})`,
    ) ?? DEFAULT_POD_MAX_BACKOFF_SECONDS;
  if (podMaxBackoffSeconds < podInitialBackoffSeconds) {
    // Only the default max (10) can get here, with an initial backoff above it.
    r.fail('podMaxBackoffSeconds', `must be greater than or equal to podInitialBackoffSeconds (${podInitialBackoffSeconds}), got ${podMaxBackoffSeconds} (the default)`);
  }
  if (r.list(top['extenders'], 'extenders').length > 0) r.fail('extenders', 'scheduler extenders are not supported by drydock');
  for (const key of ['leaderElection', 'clientConnection']) {
    if (top[key] !== undefined && top[key] !== null && !isMapping(top[key])) r.fail(key, `must be a mapping, got ${describe(top[key])}`);
  }

  // defaults.go: no profiles → one empty profile; the default name only when there is exactly one profile.
  const rawList = r.list(top['profiles'], 'profiles');
  const raws = (rawList.length === 0 ? [{}] : rawList).map((p, i) => readProfile(r, p, `profiles[${i}]`));

  const profiles: Profile[] = [];
  const names = new Set<string>();
  for (const raw of raws) {
    let schedulerName = raw.schedulerName;
    if (schedulerName === undefined && raws.length === 1) schedulerName = DEFAULT_SCHEDULER_NAME;
    if (schedulerName === undefined || schedulerName === '') r.fail(`${raw.path}.schedulerName`, 'required when there are several profiles');
    if (names.has(schedulerName)) r.fail(`${raw.path}.schedulerName`, `duplicate "${schedulerName}"`);
    names.add(schedulerName);

    const { plugins, needed } = resolvePlugins(r, raw, registry);
    const pluginConfig = validatePluginInstances(r, raw, schedulerName, needed, registry);
    profiles.push(
      Object.freeze({
        schedulerName,
        ...(raw.percentageOfNodesToScore === undefined ? {} : { percentageOfNodesToScore: raw.percentageOfNodesToScore }),
        plugins: Object.freeze(plugins),
        pluginConfig,
      }),
    );
  }

  // The queue is shared, so every profile must sort it the same way: the same queueSort section
  // (validation.go validateCommonQueueSort), the same resolved plugin and the same args (profile.go).
  const first = profiles[0]!;
  const firstQueueSort = first.plugins.queueSort[0]!.name;
  const firstArgs = first.pluginConfig.get(firstQueueSort);
  for (let i = 1; i < profiles.length; i++) {
    const raw = raws[i]!;
    const p = profiles[i]!;
    if (!sameSet(raws[0]!.sets.get('queueSort')!, raw.sets.get('queueSort')!)) {
      r.fail(`${raw.path}.plugins.queueSort`, 'must be the same for all profiles');
    }
    const queueSort = p.plugins.queueSort[0]!.name;
    if (queueSort !== firstQueueSort) {
      r.fail(`${raw.path}.plugins`, `queue sort plugin "${queueSort}" differs from profiles[0]'s "${firstQueueSort}"; it must be the same for all profiles`);
    }
    if (!deepEqual(firstArgs, p.pluginConfig.get(queueSort))) {
      const j = raw.pluginConfig.findIndex((pc) => pc.name === queueSort);
      r.fail(j < 0 ? `${raw.path}.pluginConfig` : `${raw.path}.pluginConfig[${j}].args`, `args of queue sort plugin "${queueSort}" must be the same for all profiles`);
    }
  }

  return Object.freeze({
    percentageOfNodesToScore,
    podInitialBackoffSeconds,
    podMaxBackoffSeconds,
    parallelism,
    profiles: Object.freeze(profiles),
  });
}

/**
 * Parses a KubeSchedulerConfiguration YAML file into validated, defaulted profiles with their plugins
 * resolved per extension point. Throws ConfigError naming `file` and the field.
 */
export function parseSchedulerConfiguration(text: string, file: string, registry: PluginRegistry): SchedulerConfiguration {
  const doc = parseDocument(text, { prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const pos = syntax.linePos?.[0];
    const message = syntax.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    throw new ConfigError(pos === undefined ? `${file}: ${message}` : `${file}:${pos.line}:${pos.col}: ${message}`);
  }
  return decodeConfiguration(new Reader(file), doc.toJS({ maxAliasCount: 100 }) as unknown, registry);
}

/** The configuration kube-scheduler runs with no config file: one "default-scheduler" profile. */
export function defaultSchedulerConfiguration(registry: PluginRegistry): SchedulerConfiguration {
  return decodeConfiguration(new Reader('default configuration'), { apiVersion: API_VERSION, kind: KIND }, registry);
}
