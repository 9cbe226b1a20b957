// Every workload object through a scratch API server before a run: what the API server would refuse when the
// object arrives (a bad quantity or a selector that misses its template in a manifest, a PriorityClass that
// does not exist, a name given twice across files, a negative replica count) is bad input, one line naming
// the object's file and line, exit 2 — not an object that silently never exists in the simulation.
// In arrival order, so objects the workload defines first (Namespaces, PriorityClasses) are there for those
// that need them; all at once, which is safe because nothing drydock admits depends on what else is running.
import { ApiServer } from '../apiserver/apiserver.js';
import type { Json } from '../apiserver/strategy.js';
import { UserInputError } from '../cli/errors.js';
import { asyncStore } from '../store/embedded.js';
import { MvccStore } from '../store/mvcc.js';
import { ManualClock } from '../util/clock.js';
import { seededRng } from '../util/rng.js';

export interface CheckedObject {
  readonly resource: string;
  readonly object: Json;
  /** Where it came from: "workload.csv:17". */
  readonly source: string;
}

export async function checkObjects(objects: Iterable<CheckedObject>): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const api = new ApiServer({ store: asyncStore(new MvccStore({ clock })), clock, rng: seededRng(1), eventTtlSeconds: 0 });
  await api.bootstrap();
  for (const o of objects) {
    try {
      await api.create(o.resource, o.object);
    } catch (err) {
      throw new UserInputError(`${o.source}: ${(err as Error).message}`);
    }
  }
}
