// KubeSchedulerConfiguration loading: defaults, MultiPoint expansion, weights, profiles and every error message.
// Plugins are fakes built from a registration table with the extension points of the upstream plugins
// (pkg/scheduler/apis/config/testing/defaults/defaults.go ExpandedPluginsV1 lists them per point).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from '../../src/apiserver/strategy.js';
import {
  DEFAULT_PLUGINS,
  defaultSchedulerConfiguration,
  parseSchedulerConfiguration,
  validateDefaultPreemptionArgs,
  type ExtensionPoint,
  type PluginRegistration,
  type Profile,
} from '../../src/scheduler/config.js';
import { ConfigError, SUCCESS, type Plugin } from '../../src/scheduler/framework.js';

// ---- fake plugins ---------------------------------------------------------------------------------------

const METHOD_OF: Record<ExtensionPoint, readonly string[]> = {
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

/** Factory calls per plugin name, and the args each call got. */
const calls = new Map<string, (Json | undefined)[]>();

function fake(name: string, points: ExtensionPoint[], validate?: (args: Json | undefined) => void): [string, PluginRegistration] {
  return [
    name,
    {
      extensionPoints: points,
      factory: (handle) => {
        calls.set(name, [...(calls.get(name) ?? []), handle.args]);
        validate?.(handle.args);
        const p: Record<string, unknown> = { name };
        for (const point of points) for (const m of METHOD_OF[point]) p[m] = () => SUCCESS;
        return p as unknown as Plugin;
      },
    },
  ];
}

/** A stand-in for NodeResourcesFit's args check (validation_pluginargs.go ValidateNodeResourcesFitArgs). */
function fitArgs(args: Json | undefined): void {
  const strategy = args?.['scoringStrategy'] as { type?: string; resources?: { name: string; weight?: number }[] } | undefined;
  if (strategy === undefined) return;
  const supported = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];
  if (strategy.type !== undefined && !supported.includes(strategy.type)) {
    throw new ConfigError(`scoringStrategy.type: unsupported value "${strategy.type}" (supported: ${supported.join(', ')})`);
  }
  (strategy.resources ?? []).forEach((r, i) => {
    const w = r.weight ?? 1; // defaults.go: 0 or absent → 1
    if (w === 0) return;
    if (w < 1 || w > 100) throw new ConfigError(`scoringStrategy.resources[${i}].weight: must be in the range 1-100, got ${w}`);
  });
}

function preemptionArgs(args: Json | undefined): void {
  validateDefaultPreemptionArgs(args);
}

// Extension points as in ExpandedPluginsV1 (NodeAffinity has PreFilter, NodeResourcesFit and BalancedAllocation
// have PreScore in current code); DataLocality and GpuDevices are drydock's.
const upstream: [string, PluginRegistration][] = [
  fake('SchedulingGates', ['preEnqueue']),
  fake('PrioritySort', ['queueSort']),
  fake('NodeUnschedulable', ['filter']),
  fake('NodeName', ['filter']),
  fake('TaintToleration', ['filter', 'preScore', 'score']),
  fake('NodeAffinity', ['preFilter', 'filter', 'preScore', 'score']),
  fake('NodePorts', ['preFilter', 'filter']),
  fake('NodeResourcesFit', ['preFilter', 'filter', 'preScore', 'score'], fitArgs),
  fake('PodTopologySpread', ['preFilter', 'filter', 'preScore', 'score']),
  fake('InterPodAffinity', ['preFilter', 'filter', 'preScore', 'score']),
  fake('DefaultPreemption', ['postFilter'], preemptionArgs),
  fake('NodeResourcesBalancedAllocation', ['preScore', 'score']),
  fake('ImageLocality', ['score']),
  fake('DefaultBinder', ['bind']),
];
const drydock: [string, PluginRegistration][] = [
  fake('DataLocality', ['preFilter', 'filter', 'preScore', 'score']),
  fake('GpuDevices', ['preFilter', 'filter', 'preScore', 'score', 'reserve']),
];
// framework_test.go's test plugins: testPlugin implements every point but PreEnqueue; scorePlugin1 PreScore+Score.
const everyPoint: ExtensionPoint[] = ['queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind'];
const testPlugins: [string, PluginRegistration][] = [
  fake('test-plugin', everyPoint),
  fake('score-plugin-1', ['preScore', 'score']),
  fake('score-plugin-2', ['score']),
  fake('score-with-normalize-plugin-1', ['score']),
  fake('queue-sort-plugin', ['queueSort']),
  fake('bind-plugin', ['bind']),
  fake('OtherSort', ['queueSort']),
];
const registry = new Map([...upstream, ...drydock, ...testPlugins]);

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

function parse(body: string, reg: ReadonlyMap<string, PluginRegistration> = registry) {
  calls.clear();
  return parseSchedulerConfiguration(HEAD + body, 'sched.yaml', reg);
}

function names(p: Profile, point: ExtensionPoint): string[] {
  return p.plugins[point].map((x) => x.name);
}
function weights(p: Profile): string[] {
  return p.plugins.score.map((x) => `${x.name}=${x.weight}`);
}
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

// ---- defaults ---------------------------------------------------------------------------------------------

const defaults = suite('default configuration (default_plugins.go, defaults.go)');

const EXPECTED_DEFAULT: Record<ExtensionPoint, string[]> = {
  // ExpandedPluginsV1 without the volume plugins drydock lacks, plus DataLocality/GpuDevices at the end.
  preEnqueue: ['SchedulingGates'],
  queueSort: ['PrioritySort'],
  preFilter: ['NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'DataLocality', 'GpuDevices'],
  filter: [
    'NodeUnschedulable',
    'NodeName',
    'TaintToleration',
    'NodeAffinity',
    'NodePorts',
    'NodeResourcesFit',
    'PodTopologySpread',
    'InterPodAffinity',
    'DataLocality',
    'GpuDevices',
  ],
  postFilter: ['DefaultPreemption'],
  preScore: ['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation', 'DataLocality', 'GpuDevices'],
  score: [
    'TaintToleration',
    'NodeAffinity',
    'NodeResourcesFit',
    'PodTopologySpread',
    'InterPodAffinity',
    'NodeResourcesBalancedAllocation',
    'ImageLocality',
    'DataLocality',
    'GpuDevices',
  ],
  reserve: ['GpuDevices'],
  permit: [],
  preBind: [],
  bind: ['DefaultBinder'],
  postBind: [],
};

defaults('the default profile: plugins per extension point in upstream order (ExpandedPluginsV1)', () => {
  calls.clear();
  const cfg = defaultSchedulerConfiguration(registry);
  assert.is(cfg.profiles.length, 1);
  const p = cfg.profiles[0]!;
  assert.is(p.schedulerName, 'default-scheduler');
  assert.is(p.percentageOfNodesToScore, undefined);
  for (const [point, want] of Object.entries(EXPECTED_DEFAULT)) assert.equal(names(p, point as ExtensionPoint), want, point);
  assert.is(p.pluginConfig.size, 0);
});

defaults('default score weights: 3, 2, 1, 2, 2, 1, 1 → max total 100 * 12 = 1200 for the upstream plugins', () => {
  const p = defaultSchedulerConfiguration(registry).profiles[0]!;
  assert.equal(weights(p), [
    'TaintToleration=3',
    'NodeAffinity=2',
    'NodeResourcesFit=1',
    'PodTopologySpread=2',
    'InterPodAffinity=2',
    'NodeResourcesBalancedAllocation=1',
    'ImageLocality=1',
    'DataLocality=1',
    'GpuDevices=1',
  ]);
  const upstreamTotal = p.plugins.score.filter((s) => s.name !== 'DataLocality' && s.name !== 'GpuDevices').reduce((t, s) => t + 100 * s.weight, 0);
  assert.is(upstreamTotal, 1200); // 100 * (3 + 2 + 1 + 2 + 2 + 1 + 1)
  assert.is(p.plugins.score.reduce((t, s) => t + 100 * s.weight, 0), 1400); // + 100 * (1 + 1) for drydock's two
  // Weights belong to the score point only.
  assert.ok(p.plugins.filter.every((f) => f.weight === 0));
});

defaults('global defaults: adaptive percentage 0, backoff 1 s .. 10 s, parallelism 16 (defaults.go)', () => {
  const cfg = defaultSchedulerConfiguration(registry);
  assert.is(cfg.percentageOfNodesToScore, 0);
  assert.is(cfg.podInitialBackoffSeconds, 1);
  assert.is(cfg.podMaxBackoffSeconds, 10);
  assert.is(cfg.parallelism, 16);
});

defaults('every plugin factory is called exactly once, with no args when none are configured', () => {
  calls.clear();
  defaultSchedulerConfiguration(registry);
  assert.equal([...calls.keys()].sort(), DEFAULT_PLUGINS.map((d) => d.name).sort());
  for (const [name, args] of calls) assert.equal(args, [undefined], name);
});

defaults('a file with only apiVersion and kind (or an empty profiles list) is the default configuration', () => {
  const want = defaultSchedulerConfiguration(registry);
  assert.equal(parse(''), want);
  assert.equal(parse('profiles: []\n'), want);
  assert.equal(parse('profiles:\n  - {}\n'), want);
});

defaults('global settings are read; a profile may override percentageOfNodesToScore', () => {
  const cfg = parse(`
percentageOfNodesToScore: 30
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
parallelism: 4
leaderElection: { leaderElect: false }
clientConnection: { kubeconfig: /etc/kubernetes/scheduler.conf }
profiles:
  - schedulerName: default-scheduler
    percentageOfNodesToScore: 0
`);
  assert.is(cfg.percentageOfNodesToScore, 30);
  assert.is(cfg.podInitialBackoffSeconds, 2);
  assert.is(cfg.podMaxBackoffSeconds, 20);
  assert.is(cfg.parallelism, 4);
  assert.is(cfg.profiles[0]!.percentageOfNodesToScore, 0);
});

// ---- plugin args -----------------------------------------------------------------------------------------

const args = suite('pluginConfig');

args('MostAllocated via pluginConfig: the args reach the factory once, without apiVersion/kind', () => {
  const cfg = parse(`
profiles:
  - pluginConfig:
      - name: NodeResourcesFit
        args:
          apiVersion: kubescheduler.config.k8s.io/v1
          kind: NodeResourcesFitArgs
          scoringStrategy:
            type: MostAllocated
            resources:
              - { name: cpu, weight: 1 }
              - { name: memory, weight: 1 }
`);
  const want = { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] } };
  const p = cfg.profiles[0]!;
  assert.equal(p.pluginConfig.get('NodeResourcesFit'), want);
  assert.equal(calls.get('NodeResourcesFit'), [want]);
  assert.equal(weights(p).slice(0, 3), ['TaintToleration=3', 'NodeAffinity=2', 'NodeResourcesFit=1']); // plugins unchanged
});

args('pluginConfig of a plugin that is not enabled is still validated (validation.go loops over all pluginConfig)', () => {
  const body = `
profiles:
  - plugins:
      multiPoint:
        disabled: [{ name: DefaultPreemption }]
    pluginConfig:
      - name: DefaultPreemption
        args: { minCandidateNodesPercentage: 120 }
`;
  assert.is(errorOf(() => parse(body)), 'sched.yaml: profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: must be in the range 0-100, got 120');
  const ok = parse(body.replace('120', '20')).profiles[0]!;
  assert.equal(names(ok, 'postFilter'), []);
  assert.equal(ok.pluginConfig.get('DefaultPreemption'), { minCandidateNodesPercentage: 20 });
  assert.is(calls.get('DefaultPreemption')!.length, 1);
});

args('pluginConfig of a kube-scheduler plugin drydock lacks (VolumeBinding) is accepted and unused', () => {
  const p = parse(`
profiles:
  - pluginConfig:
      - name: VolumeBinding
        args: { bindTimeoutSeconds: 300 }
`).profiles[0]!;
  assert.is(p.pluginConfig.has('VolumeBinding'), false);
});

// ---- resolution --------------------------------------------------------------------------------------------

const resolve = suite('MultiPoint expansion and weights (framework.go expandMultiPointPlugins, getScoreWeights)');

resolve('disabling a plugin at score only keeps it at its other points (and it is still built)', () => {
  const p = parse(`
profiles:
  - plugins:
      score:
        disabled:
          - name: NodeResourcesBalancedAllocation
          - name: TaintToleration
`).profiles[0]!;
  assert.equal(names(p, 'score'), ['NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'ImageLocality', 'DataLocality', 'GpuDevices']);
  assert.equal(names(p, 'preScore'), EXPECTED_DEFAULT.preScore);
  assert.equal(names(p, 'filter'), EXPECTED_DEFAULT.filter);
  assert.is(calls.get('NodeResourcesBalancedAllocation')!.length, 1); // pluginsNeeded: enabled at multiPoint
});

resolve('disabled "*" at one point drops every MultiPoint plugin there; the point\'s own enabled list remains', () => {
  const p = parse(`
profiles:
  - plugins:
      score:
        disabled: [{ name: '*' }]
        enabled: [{ name: ImageLocality, weight: 7 }]
`).profiles[0]!;
  assert.equal(weights(p), ['ImageLocality=7']);
  assert.equal(names(p, 'preScore'), EXPECTED_DEFAULT.preScore);
});

resolve('multiPoint weight override: a default re-enabled at multiPoint keeps its place and takes the new weight', () => {
  const p = parse(`
profiles:
  - plugins:
      multiPoint:
        enabled:
          - name: TaintToleration
            weight: 5
          - name: NodeAffinity
`).profiles[0]!;
  // mergePluginSet replaces the default entry in place, weight and all: NodeAffinity has no weight → 0 → 1.
  assert.equal(weights(p).slice(0, 3), ['TaintToleration=5', 'NodeAffinity=1', 'NodeResourcesFit=1']);
  assert.equal(names(p, 'score'), EXPECTED_DEFAULT.score);
});

resolve('a score-point entry overrides the MultiPoint weight and moves the plugin first at score only', () => {
  const p = parse(`
profiles:
  - plugins:
      score:
        enabled:
          - name: PodTopologySpread
            weight: 4
          - name: InterPodAffinity
`).profiles[0]!;
  // Overrides first in score.enabled order; IPA has no weight at score → 1 (score.enabled is read before
  // MultiPoint in getScoreWeights, and 0 → 1), not its default 2.
  assert.equal(weights(p), [
    'PodTopologySpread=4',
    'InterPodAffinity=1',
    'TaintToleration=3',
    'NodeAffinity=2',
    'NodeResourcesFit=1',
    'NodeResourcesBalancedAllocation=1',
    'ImageLocality=1',
    'DataLocality=1',
    'GpuDevices=1',
  ]);
  assert.equal(names(p, 'filter'), EXPECTED_DEFAULT.filter); // other points keep MultiPoint order
});

resolve('enabled wins over disabled within multiPoint: the plugin moves after the defaults (types.go MultiPoint)', () => {
  const p = parse(`
profiles:
  - plugins:
      multiPoint:
        enabled: [{ name: ImageLocality, weight: 2 }]
        disabled: [{ name: ImageLocality }]
`).profiles[0]!;
  assert.equal(names(p, 'score').slice(-3), ['DataLocality', 'GpuDevices', 'ImageLocality']);
  assert.equal(weights(p).at(-1), 'ImageLocality=2');
});

resolve('a plugin enabled at one point only (not in MultiPoint) runs after the MultiPoint ones', () => {
  const p = parse(`
profiles:
  - plugins:
      score:
        enabled: [{ name: score-plugin-2, weight: 3 }]
`).profiles[0]!;
  assert.equal(weights(p).at(-1), 'score-plugin-2=3');
  assert.equal(names(p, 'preScore'), EXPECTED_DEFAULT.preScore);
});

// framework_test.go TestNewFrameworkMultiPointExpansion, with the defaults removed by multiPoint disabled '*'.
const ONLY = "      multiPoint:\n        disabled: [{ name: '*' }]\n";
const expansionCases: { name: string; plugins: string; want: Partial<Record<ExtensionPoint, string[]>> }[] = [
  {
    name: 'plugin expansion (weight 5 at score only)',
    plugins: ONLY.replace('disabled', 'enabled: [{ name: test-plugin, weight: 5 }]\n        disabled'),
    want: { queueSort: ['test-plugin'], preFilter: ['test-plugin'], score: ['test-plugin=5'], postBind: ['test-plugin'], preEnqueue: [] },
  },
  {
    name: 'disable MultiPoint plugin at some extension points',
    plugins: ONLY.replace('disabled', 'enabled: [{ name: test-plugin }]\n        disabled') + '      preScore: { disabled: [{ name: test-plugin }] }\n      score: { disabled: [{ name: test-plugin }] }\n',
    want: { preScore: [], score: [], filter: ['test-plugin'], bind: ['test-plugin'] },
  },
  {
    name: 'disable MultiPoint extension (preScore *)',
    plugins: ONLY.replace('disabled', 'enabled: [{ name: test-plugin }, { name: score-plugin-1 }]\n        disabled') + "      preScore: { disabled: [{ name: '*' }] }\n",
    want: { preScore: [], score: ['test-plugin=1', 'score-plugin-1=1'] },
  },
  {
    name: 'Reorder MultiPoint plugins (specified extension takes precedence)',
    plugins:
      ONLY.replace('disabled', 'enabled: [{ name: score-with-normalize-plugin-1 }, { name: test-plugin }, { name: score-plugin-1 }]\n        disabled') +
      '      score: { enabled: [{ name: score-plugin-1 }, { name: test-plugin }] }\n',
    want: { preScore: ['test-plugin', 'score-plugin-1'], score: ['score-plugin-1=1', 'test-plugin=1', 'score-with-normalize-plugin-1=1'] },
  },
  {
    name: 'Reorder MultiPoint plugins (specified extension only takes precedence when it exists in MultiPoint)',
    plugins:
      ONLY.replace('disabled', 'enabled: [{ name: test-plugin }, { name: score-plugin-1 }]\n        disabled') +
      '      score: { enabled: [{ name: score-with-normalize-plugin-1 }, { name: score-plugin-1 }, { name: test-plugin }] }\n',
    want: { score: ['score-plugin-1=1', 'test-plugin=1', 'score-with-normalize-plugin-1=1'] },
  },
  {
    name: 'Override MultiPoint plugins weights and avoid a plugin being loaded multiple times',
    plugins:
      ONLY.replace('disabled', 'enabled: [{ name: test-plugin }, { name: score-plugin-1 }]\n        disabled') +
      '      score: { enabled: [{ name: score-plugin-1, weight: 5 }, { name: score-plugin-2, weight: 5 }, { name: test-plugin, weight: 3 }] }\n',
    want: { preScore: ['test-plugin', 'score-plugin-1'], score: ['score-plugin-1=5', 'test-plugin=3', 'score-plugin-2=5'] },
  },
  {
    name: "disable and enable MultiPoint plugins with '*'",
    plugins: ONLY.replace('disabled', 'enabled: [{ name: queue-sort-plugin }, { name: bind-plugin }, { name: score-plugin-1 }]\n        disabled'),
    want: { queueSort: ['queue-sort-plugin'], preScore: ['score-plugin-1'], score: ['score-plugin-1=1'], bind: ['bind-plugin'], filter: [] },
  },
];
for (const c of expansionCases) {
  resolve(`TestNewFrameworkMultiPointExpansion: ${c.name}`, () => {
    const p = parse(`profiles:\n  - plugins:\n${c.plugins}`).profiles[0]!;
    for (const [point, want] of Object.entries(c.want)) {
      const got = point === 'score' ? weights(p) : names(p, point as ExtensionPoint);
      assert.equal(got, want, point);
    }
  });
}

resolve('TestNewFrameworkMultiPointExpansion: "already registered" — a plugin twice in multiPoint', () => {
  const body = `profiles:\n  - plugins:\n${ONLY.replace('disabled', 'enabled: [{ name: test-plugin }, { name: test-plugin }]\n        disabled')}`;
  assert.is(errorOf(() => parse(body)), 'sched.yaml: profiles[0].plugins.multiPoint.enabled[1].name: plugin "test-plugin" is already enabled at multiPoint');
});

// ---- profiles ----------------------------------------------------------------------------------------------

const profiles = suite('several profiles');

profiles('two profiles: the default one and a bin-packing one (MostAllocated, no spreading scores)', () => {
  const cfg = parse(`
profiles:
  - schedulerName: default-scheduler
  - schedulerName: bin-packing
    percentageOfNodesToScore: 100
    plugins:
      score:
        disabled:
          - name: PodTopologySpread
          - name: NodeResourcesBalancedAllocation
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy: { type: MostAllocated }
`);
  assert.equal(cfg.profiles.map((p) => p.schedulerName), ['default-scheduler', 'bin-packing']);
  const [a, b] = [cfg.profiles[0]!, cfg.profiles[1]!];
  assert.equal(names(a, 'score'), EXPECTED_DEFAULT.score);
  assert.is(a.pluginConfig.size, 0);
  assert.equal(weights(b), ['TaintToleration=3', 'NodeAffinity=2', 'NodeResourcesFit=1', 'InterPodAffinity=2', 'ImageLocality=1', 'DataLocality=1', 'GpuDevices=1']);
  assert.equal(b.pluginConfig.get('NodeResourcesFit'), { scoringStrategy: { type: 'MostAllocated' } });
  assert.is(b.percentageOfNodesToScore, 100);
  // One factory call per plugin per profile: NodeResourcesFit once with no args, once with MostAllocated.
  assert.equal(calls.get('NodeResourcesFit'), [undefined, { scoringStrategy: { type: 'MostAllocated' } }]);
});

// ---- errors ------------------------------------------------------------------------------------------------

const errors = suite('errors: one line with the file and the field path');

const reg = (without: string[]) => new Map([...registry].filter(([n]) => !without.includes(n)));

const errorCases: { name: string; body: string; want: string; registry?: ReadonlyMap<string, PluginRegistration> }[] = [
  {
    name: 'unknown plugin at score (a typo of NodeResourcesFit)',
    body: 'profiles:\n  - plugins:\n      score:\n        enabled:\n          - name: ImageLocality\n          - name: NodeResourceFit\n',
    want: 'sched.yaml: profiles[0].plugins.score.enabled[1].name: unknown plugin "NodeResourceFit"',
  },
  {
    name: 'unknown plugin in a disabled list',
    body: 'profiles:\n  - plugins:\n      filter:\n        disabled: [{ name: NodeNames }]\n',
    want: 'sched.yaml: profiles[0].plugins.filter.disabled[0].name: unknown plugin "NodeNames"',
  },
  {
    name: 'percentageOfNodesToScore above 100 (validation.go validatePercentageOfNodesToScore)',
    body: 'percentageOfNodesToScore: 120\n',
    want: 'sched.yaml: percentageOfNodesToScore: must be in the range 0-100, got 120',
  },
  {
    name: "a profile's percentageOfNodesToScore below 0",
    body: 'profiles:\n  - percentageOfNodesToScore: -1\n',
    want: 'sched.yaml: profiles[0].percentageOfNodesToScore: must be in the range 0-100, got -1',
  },
  {
    name: 'duplicate schedulerName (validation.go field.Duplicate)',
    body: 'profiles:\n  - schedulerName: default-scheduler\n  - schedulerName: default-scheduler\n',
    want: 'sched.yaml: profiles[1].schedulerName: duplicate "default-scheduler"',
  },
  {
    name: 'schedulerName is required with several profiles (defaults.go names only a single profile)',
    body: 'profiles:\n  - schedulerName: a\n  - {}\n',
    want: 'sched.yaml: profiles[1].schedulerName: required when there are several profiles',
  },
  {
    name: 'args out of range, reported with the path inside the args',
    body:
      'profiles:\n  - pluginConfig:\n      - name: DefaultPreemption\n      - name: InterPodAffinity\n      - name: NodeResourcesFit\n        args:\n          scoringStrategy:\n            resources:\n              - { name: cpu, weight: 101 }\n',
    want: 'sched.yaml: profiles[0].pluginConfig[2].args.scoringStrategy.resources[0].weight: must be in the range 1-100, got 101',
  },
  {
    name: 'DefaultPreemption args: both minimums zero',
    body: 'profiles:\n  - pluginConfig:\n      - name: DefaultPreemption\n        args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 }\n',
    want: 'sched.yaml: profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: cannot be zero at the same time as minCandidateNodesAbsolute',
  },
  {
    name: 'args kind must be <Name>Args (types.go decodeNestedObjects)',
    body: 'profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args: { kind: InterPodAffinityArgs }\n',
    want: 'sched.yaml: profiles[0].pluginConfig[0].args.kind: expected NodeResourcesFitArgs, got "InterPodAffinityArgs"',
  },
  {
    name: 'unknown pluginConfig name',
    body: 'profiles:\n  - pluginConfig:\n      - name: NodeResourcesFitt\n        args: {}\n',
    want: 'sched.yaml: profiles[0].pluginConfig[0].name: unknown plugin "NodeResourcesFitt"',
  },
  {
    name: 'duplicate pluginConfig name (validation.go field.Duplicate)',
    body: 'profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n      - name: NodeResourcesFit\n',
    want: 'sched.yaml: profiles[0].pluginConfig[1].name: duplicate "NodeResourcesFit"',
  },
  {
    name: 'apiVersion other than v1',
    body: '',
    want: 'sched.yaml: apiVersion: expected kubescheduler.config.k8s.io/v1, got "kubescheduler.config.k8s.io/v1beta3"',
  },
  {
    name: 'a plugin enabled at a point it does not implement (framework.go updatePluginList)',
    body: 'profiles:\n  - plugins:\n      score:\n        enabled: [{ name: NodeName }]\n',
    want: 'sched.yaml: profiles[0].plugins.score.enabled[0].name: plugin "NodeName" does not implement score (it implements filter)',
  },
  {
    name: 'a plugin twice at one point',
    body: 'profiles:\n  - plugins:\n      filter:\n        enabled: [{ name: NodeName }, { name: NodeName }]\n',
    want: 'sched.yaml: profiles[0].plugins.filter.enabled[1].name: plugin "NodeName" is already enabled at filter',
  },
  {
    name: 'no queue sort plugin',
    body: 'profiles:\n  - plugins:\n      multiPoint:\n        disabled: [{ name: PrioritySort }]\n',
    want: 'sched.yaml: profiles[0].plugins.queueSort: exactly one queue sort plugin must be enabled, got 0',
  },
  {
    name: 'two queue sort plugins',
    body: 'profiles:\n  - plugins:\n      queueSort:\n        enabled: [{ name: OtherSort }]\n',
    want: 'sched.yaml: profiles[0].plugins.queueSort: exactly one queue sort plugin must be enabled, got 2 (PrioritySort, OtherSort)',
  },
  {
    name: 'no bind plugin',
    body: 'profiles:\n  - plugins:\n      bind:\n        disabled: [{ name: DefaultBinder }]\n',
    want: 'sched.yaml: profiles[0].plugins.bind: at least one bind plugin must be enabled',
  },
  {
    name: 'queueSort sections differ between profiles (validation.go validateCommonQueueSort)',
    body: 'profiles:\n  - schedulerName: a\n  - schedulerName: b\n    plugins:\n      queueSort:\n        enabled: [{ name: OtherSort }]\n        disabled: [{ name: PrioritySort }]\n',
    want: 'sched.yaml: profiles[1].plugins.queueSort: must be the same for all profiles',
  },
  {
    name: 'resolved queue sort plugins differ between profiles (profile.go cfgValidator)',
    body:
      'profiles:\n  - schedulerName: a\n  - schedulerName: b\n    plugins:\n      multiPoint:\n        enabled: [{ name: OtherSort }]\n        disabled: [{ name: PrioritySort }]\n',
    want: 'sched.yaml: profiles[1].plugins: queue sort plugin "OtherSort" differs from profiles[0]\'s "PrioritySort"; it must be the same for all profiles',
  },
  {
    name: 'queue sort args differ between profiles (profile.go cfgValidator)',
    body: 'profiles:\n  - schedulerName: a\n  - schedulerName: b\n    pluginConfig:\n      - name: PrioritySort\n        args: { x: 1 }\n',
    want: 'sched.yaml: profiles[1].pluginConfig[0].args: args of queue sort plugin "PrioritySort" must be the same for all profiles',
  },
  {
    name: 'unknown field (the scheduler codec decodes strictly)',
    body: 'profiles:\n  - plugin: {}\n',
    want: 'sched.yaml: profiles[0].plugin: unknown field (expected one of schedulerName, percentageOfNodesToScore, plugins, pluginConfig)',
  },
  {
    name: 'weight must be a non-negative integer',
    body: 'profiles:\n  - plugins:\n      score:\n        enabled: [{ name: ImageLocality, weight: -2 }]\n',
    want: 'sched.yaml: profiles[0].plugins.score.enabled[0].weight: must be an integer 0 or more (0 means the default, 1), got -2',
  },
  {
    name: 'parallelism must be positive (validation.go)',
    body: 'parallelism: 0\n',
    want: 'sched.yaml: parallelism: must be greater than 0, got 0',
  },
  {
    name: 'podMaxBackoffSeconds below podInitialBackoffSeconds (validation.go)',
    body: 'podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n',
    want: 'sched.yaml: podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds (5), got 2',
  },
  {
    name: 'a type error',
    body: 'percentageOfNodesToScore: "50"\n',
    want: 'sched.yaml: percentageOfNodesToScore: must be an integer, got "50"',
  },
  {
    name: 'a plugin removed in v1 (validation.go invalidPluginsByVersion)',
    body: 'profiles:\n  - plugins:\n      filter:\n        enabled: [{ name: EBSLimits }]\n',
    want: 'sched.yaml: profiles[0].plugins.filter.enabled[0].name: plugin "EBSLimits" was removed in kubescheduler.config.k8s.io/v1',
  },
  {
    name: 'enabling a kube-scheduler plugin drydock lacks',
    body: 'profiles:\n  - plugins:\n      multiPoint:\n        enabled: [{ name: VolumeBinding }]\n',
    want: 'sched.yaml: profiles[0].plugins.multiPoint.enabled[0].name: plugin "VolumeBinding" is a kube-scheduler plugin that drydock does not implement',
  },
  {
    name: 'extenders are not supported',
    body: 'extenders:\n  - urlPrefix: http://127.0.0.1:8888\n',
    want: 'sched.yaml: extenders: scheduler extenders are not supported by drydock',
  },
  {
    name: 'a default plugin missing from the registry',
    body: '',
    registry: reg(['ImageLocality']),
    want: 'sched.yaml: profiles[0].plugins.multiPoint: default plugin "ImageLocality" is not registered',
  },
];
for (const c of errorCases) {
  errors(c.name, () => {
    const text = c.name.startsWith('apiVersion') ? HEAD.replace('/v1', '/v1beta3') : HEAD + c.body;
    assert.is(errorOf(() => parseSchedulerConfiguration(text, 'sched.yaml', c.registry ?? registry)), c.want);
  });
}

errors('disabling an unregistered default plugin, or a kube-scheduler plugin drydock lacks, is fine', () => {
  const p = parse('profiles:\n  - plugins:\n      multiPoint:\n        disabled: [{ name: ImageLocality }, { name: VolumeBinding }]\n', reg(['ImageLocality'])).profiles[0]!;
  assert.not.ok(names(p, 'score').includes('ImageLocality'));
});

errors('kind must be KubeSchedulerConfiguration', () => {
  const text = HEAD.replace('kind: KubeSchedulerConfiguration', 'kind: Pod');
  assert.is(errorOf(() => parseSchedulerConfiguration(text, 'sched.yaml', registry)), 'sched.yaml: kind: expected KubeSchedulerConfiguration, got "Pod"');
});

errors('an empty file names the missing apiVersion', () => {
  assert.is(errorOf(() => parseSchedulerConfiguration('', 'sched.yaml', registry)), 'sched.yaml: apiVersion: expected kubescheduler.config.k8s.io/v1, got nothing (the file is empty)');
});

errors('malformed YAML: the yaml package\'s message with its line and column', () => {
  // Line 5 starts "  foo: [" at a smaller indent than the flow map opened on line 4.
  const text = HEAD + 'profiles:\n  - plugins: {\n  foo: [\n';
  assert.is(
    errorOf(() => parseSchedulerConfiguration(text, 'sched.yaml', registry)),
    'sched.yaml:5:3: Flow map in block collection must be sufficiently indented and end with a }',
  );
});

errors('YAML duplicate keys are errors with their line (the scheduler codec rejects duplicate fields)', () => {
  const text = HEAD + 'parallelism: 4\nparallelism: 8\n';
  assert.is(errorOf(() => parseSchedulerConfiguration(text, 'sched.yaml', registry)), 'sched.yaml:4:1: Map keys must be unique');
});

errors('a registration that disagrees with the plugin it builds is a programming error, not a ConfigError', () => {
  const broken = new Map(registry);
  broken.set('ImageLocality', { extensionPoints: ['score', 'filter'], factory: registry.get('ImageLocality')!.factory });
  assert.throws(() => defaultSchedulerConfiguration(broken), (e: unknown) => e instanceof Error && !(e instanceof ConfigError) && /registered for filter but has no filter\(\)/.test(e.message));
});

// ---- DefaultPreemption args ---------------------------------------------------------------------------------

const preemption = suite('validateDefaultPreemptionArgs (defaults.go, validation_pluginargs.go)');

preemption('defaults 10% and 100 nodes; given values are kept', () => {
  assert.equal(validateDefaultPreemptionArgs(undefined), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
  assert.equal(validateDefaultPreemptionArgs({}), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
  assert.equal(validateDefaultPreemptionArgs({ minCandidateNodesPercentage: 0 }), { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 100 });
  assert.equal(validateDefaultPreemptionArgs({ minCandidateNodesAbsolute: 0 }), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 0 });
  assert.equal(validateDefaultPreemptionArgs({ minCandidateNodesPercentage: 100, minCandidateNodesAbsolute: 5 }), { minCandidateNodesPercentage: 100, minCandidateNodesAbsolute: 5 });
});

const preemptionErrors: [Json, string][] = [
  [{ minCandidateNodesPercentage: -1 }, 'minCandidateNodesPercentage: must be in the range 0-100, got -1'],
  [{ minCandidateNodesPercentage: 101 }, 'minCandidateNodesPercentage: must be in the range 0-100, got 101'],
  [{ minCandidateNodesAbsolute: -1 }, 'minCandidateNodesAbsolute: must be 0 or more, got -1'],
  [{ minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 }, 'minCandidateNodesPercentage: cannot be zero at the same time as minCandidateNodesAbsolute'],
  [{ minCandidateNodesPercentage: 2.5 }, 'minCandidateNodesPercentage: must be an integer, got 2.5'],
  [{ minCandidateNodes: 3 }, 'minCandidateNodes: unknown field (expected one of minCandidateNodesPercentage, minCandidateNodesAbsolute)'],
];
for (const [a, want] of preemptionErrors) {
  preemption(`rejects ${JSON.stringify(a)}`, () => assert.is(errorOf(() => validateDefaultPreemptionArgs(a)), want));
}

defaults.run();
args.run();
resolve.run();
profiles.run();
errors.run();
preemption.run();
