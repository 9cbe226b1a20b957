// The in-tree plugin registry (framework/plugins/registry.go): plugin name → factory, with the extension
// points each plugin implements, read off an instance so the table cannot drift from the code.
import type { ExtensionPoint, PluginRegistration, PluginRegistry } from './config.js';
import type { Json } from '../apiserver/strategy.js';
import type { Plugin, PluginFactory } from './framework.js';
import { newNodeResourcesBalancedAllocation } from './plugins/balancedallocation.js';
import { newNodeName, newNodePorts, newNodeUnschedulable } from './plugins/basic.js';
import { newDataLocality } from './plugins/datalocality.js';
import { newDefaultBinder } from './plugins/defaultbinder.js';
import { newDefaultPreemption } from './plugins/defaultpreemption.js';
import { newGpuDevices } from './plugins/gpudevices.js';
import { FGD_SAMPLE_ARGS, newBestFit, newDotProd, newFgd, newGpuClustering, newGpuPacking, newRandomScore } from './plugins/gpufragmentation.js';
import { newImageLocality } from './plugins/imagelocality.js';
import { newInterPodAffinity } from './plugins/interpodaffinity.js';
import { newNodeAffinity } from './plugins/nodeaffinity.js';
import { newNodeResourcesFit } from './plugins/noderesources.js';
import { newPodTopologySpread } from './plugins/podtopologyspread.js';
import { newPrioritySort } from './plugins/queuesort.js';
import { newSchedulingGates } from './plugins/schedulinggates.js';
import { newTaintToleration } from './plugins/tainttoleration.js';

/** Method that marks each extension point on a plugin instance. */
const METHOD_OF: Record<ExtensionPoint, string> = {
  preEnqueue: 'preEnqueue',
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

export function extensionPointsOf(plugin: Plugin): ExtensionPoint[] {
  return (Object.keys(METHOD_OF) as ExtensionPoint[]).filter((p) => typeof (plugin as unknown as Record<string, unknown>)[METHOD_OF[p]] === 'function');
}

/** `sampleArgs`: for a plugin whose args are required (FGD's target workload), args it accepts. */
function register(factory: PluginFactory, sampleArgs?: Json): [string, PluginRegistration] {
  const sample = factory({ args: sampleArgs, profileName: '' });
  return [sample.name, { factory, extensionPoints: extensionPointsOf(sample) }];
}

export const inTreeRegistry: PluginRegistry = new Map([
  register(newSchedulingGates),
  register(newPrioritySort),
  register(newNodeUnschedulable),
  register(newNodeName),
  register(newTaintToleration),
  register(newNodeAffinity),
  register(newNodePorts),
  register(newNodeResourcesFit),
  register(newPodTopologySpread),
  register(newInterPodAffinity),
  register(newDefaultPreemption),
  register(newNodeResourcesBalancedAllocation),
  register(newImageLocality),
  register(newDefaultBinder),
  register(newDataLocality),
  register(newGpuDevices),
  // The FGD experiment's placement policies (gpufragmentation.ts); none is enabled by default.
  register(newRandomScore),
  register(newDotProd),
  register(newGpuClustering),
  register(newGpuPacking),
  register(newBestFit),
  register(newFgd, FGD_SAMPLE_ARGS),
]);
