// ImageLocality (plugins/imagelocality/image_locality.go@65faa9c; reference §2.5, vectors §3.5): favours
// nodes that already hold the pod's container images, each image's size scaled by how widely it has spread
// (NumNodes / totalNumNodes) so that pods do not pile onto the few nodes holding a big image.
//
//   scaledImageScore = int64(float64(size) * (float64(numNodes) / float64(totalNumNodes)))
//   sum over init + regular containers whose normalised image is on the node
//   clamp sum to [23 MB, 1000 MB * containers];  score = 100 * (sum - 23 MB) / (max - 23 MB)   (int64)
//
// Score only, no NormalizeScore, no cycle state, like upstream. PodInfo.images are already normalised
// (":latest" added when untagged); node image names are used as the node reports them, as upstream's
// cache does (cache.go addNodeImageStates keys ImageStates by the raw names in node.status.images).
// Sizes below 2^53 bytes keep every product exact; the final 100 * (sum - min) stays below 2^53 too.
import type { CycleState, PluginFactory, ScorePlugin } from '../framework.js';
import { MAX_NODE_SCORE } from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import { expectNoArgs } from './helper.js';

export const NAME = 'ImageLocality';

const MB = 1024 * 1024;
export const MIN_THRESHOLD = 23 * MB;
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** calculatePriority: the summed image scores scaled into [0, 100] between the two thresholds. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  let sum = sumScores;
  if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
  else if (sum > maxThreshold) sum = maxThreshold;
  // With no containers maxThreshold is 0 and Go computes 0 / -23 MB = 0; `+ 0` turns JS's -0 into 0.
  return Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD)) + 0;
}

export class ImageLocality implements ScorePlugin {
  readonly name = NAME;

  score(_state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const onNode = snapshot.images[node]!;
    const totalNumNodes = snapshot.numNodes;
    const images = pod.images;
    let sum = 0;
    if (onNode.size > 0 && totalNumNodes > 0) {
      for (let i = 0; i < images.length; i++) {
        const image = images[i]!;
        const size = onNode.get(image);
        if (size === undefined) continue;
        // The node holds it, so the count is >= 1.
        const spread = (snapshot.imageNodeCounts.get(image) ?? 1) / totalNumNodes;
        sum += Math.trunc(size * spread);
      }
    }
    return calculatePriority(sum, pod.containerCount);
  }

  scoreNodes(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot, out: Float64Array): void {
    const uniform = this.uniformScore(state, pod, nodes, count, snapshot);
    if (uniform !== undefined) out.fill(uniform, 0, count);
    else for (let i = 0; i < count; i++) out[i] = this.score(state, pod, nodes[i]!, snapshot);
  }

  /** When no node holds any of the pod's images, every node's sum is 0: one value for all. */
  uniformScore(_state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): number | undefined {
    for (const image of pod.images) if ((snapshot.imageNodeCounts.get(image) ?? 0) > 0) return undefined;
    return calculatePriority(0, pod.containerCount);
  }
}

export const newImageLocality: PluginFactory = (handle) => {
  expectNoArgs(NAME, handle.args);
  return new ImageLocality();
};
