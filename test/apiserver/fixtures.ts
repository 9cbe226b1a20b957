// Shared fixtures for the API server tests: an API server on an in-memory store, a manual clock and a
// seeded RNG, plus small object builders.
import { ApiServer } from '../../src/apiserver/apiserver.js';
import { ApiError } from '../../src/apiserver/errors.js';
import { asyncStore } from '../../src/store/embedded.js';
import { MvccStore } from '../../src/store/mvcc.js';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';

/** 2026-11-28T00:00:00Z, so creationTimestamps in tests are predictable. */
export const T0 = Date.UTC(2026, 10, 28);

export async function makeApi(options: { bootstrap?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const mvcc = new MvccStore({ clock });
  const api = new ApiServer({ store: asyncStore(mvcc), clock, rng: seededRng(7) });
  if (options.bootstrap !== false) await api.bootstrap();
  return { api, mvcc, clock };
}

export function pod(name: string, extra: { labels?: Record<string, string>; cpu?: string; nodeName?: string; namespace?: string; spec?: object } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: extra.cpu ?? '100m', memory: '64Mi' } } }],
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      ...extra.spec,
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: { capacity: { cpu: '4', memory: '32Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** Runs `fn` and returns the ApiError it throws (fails the test if it does not throw one). */
export async function apiError(fn: () => Promise<unknown>): Promise<ApiError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, got success');
}
