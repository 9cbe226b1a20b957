// A per-row memo for the framework's sum of row-pure scores (ScorePlugin.rowScoreKey: NodeResourcesFit's
// and NodeResourcesBalancedAllocation's), which depend on nothing but the node's row and the pod's inputs
// (requests, weights). In a large cluster the node search comes back to a row every few pods, and between
// two visits at most the rows that got a pod changed; a memoised sum is the one computed for the same row
// content (its generation, unique per content across every NodeCache of the process) and the same inputs,
// so it is exactly what recomputing would give.
//
// What invalidates everything (a new epoch): other inputs (another pod shape), another snapshot, or a
// preemption dry run on the snapshot (those change columns in place without a new generation).
import type { Snapshot } from './snapshot.js';

export class RowScoreMemo {
  /** The epoch a row's value was memoised in (0 = never: epochs start at 1). */
  epochOf = new Int32Array(0);
  /** The row's generation when its value was memoised. */
  generationOf = new Float64Array(0);
  value = new Float64Array(0);
  epoch = 1;
  private snapshot: Snapshot | undefined;
  private dryRuns = -1;

  /**
   * Before a pass over `snapshot`: the memoised values stay valid when the snapshot, its dry-run count and
   * the pod's inputs (`sameInputs`, the caller's comparison with the last pass) are those of the last pass.
   */
  begin(snapshot: Snapshot, sameInputs: boolean): void {
    const capacity = snapshot.capacity;
    if (this.value.length < capacity) {
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      this.epochOf = grow(this.epochOf, new Int32Array(capacity));
      this.generationOf = grow(this.generationOf, new Float64Array(capacity));
      this.value = grow(this.value, new Float64Array(capacity));
    }
    if (!sameInputs || snapshot !== this.snapshot || snapshot.dryRuns !== this.dryRuns) {
      this.epoch++;
      this.snapshot = snapshot;
      this.dryRuns = snapshot.dryRuns;
    }
  }
}
