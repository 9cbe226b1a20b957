// The --etcd-endpoints and --etcd-prefix flags, shared by `drydock serve` and `drydock simulate`: parsed once,
// and the store opened from them with one line for each way it can fail.
import { DEFAULT_STORAGE_PREFIX } from '../apiserver/apiserver.js';
import { openEtcdStore, type EtcdStore } from '../store/etcd.js';
import { LockstepEtcdStore } from '../store/etcd-lockstep.js';
import { StoreError } from '../store/types.js';
import { RuntimeFailure, UserInputError } from './errors.js';

export const ETCD_ENDPOINTS_FLAG = {
  type: 'string',
  describe: 'Keep state in etcd at these client URLs (comma-separated, e.g. http://127.0.0.1:2379) instead of in this process',
} as const;

export const ETCD_PREFIX_FLAG = {
  type: 'string',
  default: DEFAULT_STORAGE_PREFIX,
  describe: 'The key prefix in etcd (kube-apiserver --etcd-prefix)',
} as const;

/** "http://a:2379,http://b:2379" → the URLs; one line naming the bad entry otherwise. */
export function parseEtcdEndpoints(text: string): string[] {
  const urls = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new UserInputError('--etcd-endpoints: no URL given (expected e.g. http://127.0.0.1:2379)');
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new UserInputError(`--etcd-endpoints: ${JSON.stringify(u)} is not a URL (expected e.g. http://127.0.0.1:2379)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UserInputError(`--etcd-endpoints: ${JSON.stringify(u)} must start with http:// or https:// (etcd's client URL)`);
    }
    if (parsed.protocol === 'https:') {
      throw new UserInputError(`--etcd-endpoints: ${JSON.stringify(u)}: TLS to etcd is not supported yet (use an http:// client URL on a trusted network)`);
    }
    if (parsed.pathname !== '/' && parsed.pathname !== '') {
      throw new UserInputError(`--etcd-endpoints: ${JSON.stringify(u)} has a path; etcd's client URL is scheme://host:port`);
    }
  }
  return urls;
}

/** A prefix etcd keys can live under: absolute, no empty segments. */
export function parseEtcdPrefix(text: string): string {
  if (!/^\/[^/\s]+(\/[^/\s]+)*\/?$/.test(text)) {
    throw new UserInputError(`--etcd-prefix: ${JSON.stringify(text)} is not a key prefix (expected an absolute path such as /registry)`);
  }
  return text.replace(/\/+$/, '');
}

/**
 * Connects to etcd; when it does not answer, one line naming the endpoints and the reason (exit 1: the input
 * was fine, the service is not there).
 */
export async function connectEtcd(endpoints: readonly string[], options: { serial: boolean }): Promise<EtcdStore> {
  try {
    return await openEtcdStore({ endpoints, serial: options.serial, dialTimeoutMs: 5000 });
  } catch (err) {
    throw unreachable(err, endpoints);
  }
}

/** "cannot reach etcd at URL (gRPC UNAVAILABLE: ...)": the store's ErrUnavailable text, said from the user's side. */
function unreachable(err: unknown, endpoints: readonly string[]): unknown {
  if (!(err instanceof StoreError)) return err;
  const unavailable = new StoreError('ErrUnavailable').message + ': ';
  return new RuntimeFailure(err.message.startsWith(unavailable) ? `cannot reach etcd at ${err.message.slice(unavailable.length)}` : `cannot reach etcd at ${endpoints.join(',')}: ${err.message}`);
}

/** The same for a simulation: etcd in lockstep with the caller (same calls, same order, same results as in memory). */
export function connectEtcdLockstep(endpoints: readonly string[]): LockstepEtcdStore {
  try {
    return new LockstepEtcdStore(endpoints);
  } catch (err) {
    throw unreachable(err, endpoints);
  }
}
