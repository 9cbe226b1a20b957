// From a KubeSchedulerConfiguration to running frameworks: one plugin instance per name per profile,
// placed at every extension point the profile's resolved plugin lists name.
import type { Rng } from '../util/rng.js';
import type { PluginRegistry, Profile, SchedulerConfiguration } from './config.js';
import type {
  BindPlugin,
  ClusterAccess,
  FilterPlugin,
  Plugin,
  PostBindPlugin,
  PostFilterPlugin,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreScorePlugin,
  PermitPlugin,
  QueueSortPlugin,
  ReservePlugin,
  ScorePlugin,
} from './framework.js';
import { Framework } from './runtime.js';

export interface BuiltProfiles {
  readonly frameworks: ReadonlyMap<string, Framework>;
  /** Shared by all profiles (validated identical by the configuration). */
  readonly queueSort: QueueSortPlugin;
  readonly preEnqueue: readonly PreEnqueuePlugin[];
  /** Every plugin instance, by profile then name (for events registration and explain). */
  readonly instances: ReadonlyMap<string, ReadonlyMap<string, Plugin>>;
}

export interface BuildOptions {
  readonly rng: Rng;
  readonly cluster?: ClusterAccess;
  /** Force every profile's percentageOfNodesToScore (explain uses 100). */
  readonly percentageOfNodesToScore?: number;
}

function buildProfile(profile: Profile, config: SchedulerConfiguration, registry: PluginRegistry, options: BuildOptions): { fw: Framework; instances: Map<string, Plugin> } {
  const instances = new Map<string, Plugin>();
  let fw: Framework | undefined;
  const instance = (name: string): Plugin => {
    let p = instances.get(name);
    if (p === undefined) {
      const reg = registry.get(name);
      if (reg === undefined) throw new Error(`profile ${profile.schedulerName}: plugin ${name} is not registered`);
      p = reg.factory({
        args: profile.pluginConfig.get(name),
        profileName: profile.schedulerName,
        rng: options.rng,
        filterRunner: () => {
          if (fw === undefined) throw new Error('the framework is not built yet');
          return fw;
        },
        ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
      });
      instances.set(name, p);
    }
    return p;
  };
  const at = <T>(point: keyof Profile['plugins']) => profile.plugins[point].map((e) => instance(e.name) as unknown as T);
  fw = new Framework(
    profile.schedulerName,
    {
      preFilter: at<PreFilterPlugin>('preFilter'),
      filter: at<FilterPlugin>('filter'),
      postFilter: at<PostFilterPlugin>('postFilter'),
      preScore: at<PreScorePlugin>('preScore'),
      score: profile.plugins.score.map((e) => ({ plugin: instance(e.name) as unknown as ScorePlugin, weight: e.weight })),
      reserve: at<ReservePlugin>('reserve'),
      permit: at<PermitPlugin>('permit'),
      preBind: at<PreBindPlugin>('preBind'),
      bind: at<BindPlugin>('bind'),
      postBind: at<PostBindPlugin>('postBind'),
    },
    {
      percentageOfNodesToScore: options.percentageOfNodesToScore ?? profile.percentageOfNodesToScore ?? config.percentageOfNodesToScore,
      rng: options.rng,
    },
  );
  for (const point of ['queueSort', 'preEnqueue'] as const) for (const e of profile.plugins[point]) instance(e.name);
  return { fw, instances };
}

export function buildFrameworks(config: SchedulerConfiguration, registry: PluginRegistry, options: BuildOptions): BuiltProfiles {
  const frameworks = new Map<string, Framework>();
  const instances = new Map<string, ReadonlyMap<string, Plugin>>();
  let queueSort: QueueSortPlugin | undefined;
  let preEnqueue: PreEnqueuePlugin[] = [];
  for (const profile of config.profiles) {
    const built = buildProfile(profile, config, registry, options);
    frameworks.set(profile.schedulerName, built.fw);
    instances.set(profile.schedulerName, built.instances);
    if (queueSort === undefined) {
      const qs = profile.plugins.queueSort[0];
      if (qs === undefined) throw new Error(`profile ${profile.schedulerName} has no queue sort plugin`);
      queueSort = built.instances.get(qs.name) as unknown as QueueSortPlugin;
      preEnqueue = profile.plugins.preEnqueue.map((e) => built.instances.get(e.name) as unknown as PreEnqueuePlugin);
    }
  }
  if (queueSort === undefined) throw new Error('no scheduler profile');
  return { frameworks, queueSort, preEnqueue, instances };
}
