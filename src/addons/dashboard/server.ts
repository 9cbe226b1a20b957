// The dashboard over HTTP, mounted on the API server's own port at /dashboard/ (src/apiserver/http.ts
// HttpMount). Routes:
//   GET /dashboard/                  the page (inline CSS; no cluster data in it)
//   GET /dashboard/js/<module>.js    the page's ES modules: its own code and src/report's chart modules,
//                                    compiled by `npm run build`, served from dist/ (nothing from elsewhere)
//   GET /dashboard/api/stream        text/event-stream: one `snapshot` event, then `delta` events (protocol.ts)
//   GET /dashboard/api/explain?namespace=NS&pod=NAME
//                                    `drydock explain --json` for a pod of the live cluster
// With an authenticator (serve --token-file) the page and its modules load without a token and the two
// api/ routes need one, which the page sends as a bearer token (given as #token=... or typed in).
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod } from '../../api/index.js';
import type { ApiServer } from '../../apiserver/apiserver.js';
import type { UserInfo } from '../../apiserver/auth.js';
import { errors } from '../../apiserver/errors.js';
import type { HttpMount } from '../../apiserver/http.js';
import type { SharedInformerFactory } from '../../apiserver/informer.js';
import { createScheduler, explainPod, type Scheduler, type SchedulerConfiguration } from '../../scheduler/index.js';
import type { Clock } from '../../util/clock.js';
import type { Rng } from '../../util/rng.js';
import { DashboardModel } from './model.js';
import { renderDashboardPage } from './page.js';
import type { ExplainView } from './protocol.js';

export const DASHBOARD_PREFIX = '/dashboard';
/** The page's entry module, as a path under the compiled src/ folder. */
const ENTRY = 'addons/dashboard/client/main.js';

export interface DashboardOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  /** For the explain view's tie-breaking (its own scheduler instance; the live scheduler is not disturbed). */
  readonly rng: Rng;
  /** The profiles serve's scheduler runs, so the explain view scores as it does. */
  readonly schedulerConfig?: SchedulerConfiguration;
}

export interface Dashboard {
  readonly mount: HttpMount;
  readonly model: DashboardModel;
  /** Runs the explain view for a pod of the cluster (what GET /dashboard/api/explain answers). */
  explain(namespace: string, name: string): Promise<ExplainView>;
  stop(): void;
}

/**
 * The page's modules: the entry and every module it imports, transitively, read once from the compiled
 * tree. Keyed by their path under src/ ("report/charts.js"), which is also their URL under /dashboard/js/,
 * so the relative imports the compiler wrote resolve in the browser as they do on disk.
 */
export function loadModules(srcRoot: string, entry: string): Map<string, string> {
  const modules = new Map<string, string>();
  const todo = [entry];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (modules.has(rel)) continue;
    const text = readFileSync(join(srcRoot, rel), 'utf8');
    modules.set(rel, text);
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const target = normalize(join(dirname(rel), m[1]!)).split(sep).join('/');
      if (target.startsWith('..')) throw new Error(`dashboard module ${rel} imports ${m[1]}, outside the compiled src/ folder`);
      todo.push(target);
    }
  }
  return modules;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Only this origin: the page cannot reach the network beyond drydock, even by mistake. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const srcRoot = fileURLToPath(new URL('../../', import.meta.url));
  const modules = loadModules(srcRoot, ENTRY);
  const page = renderDashboardPage({ entry: `js/${ENTRY}` });
  const model = new DashboardModel({ informers: options.informers, clock: options.clock });
  await model.start();
  const streams = new Set<ServerResponse>();

  // The explain view runs on a scheduler of its own, built like serve's from the same configuration and
  // fed by the same informers, but never run: explaining takes a pod's own placement out of the cache for
  // the cycle, which must not happen under the scheduler that is binding pods.
  let explainer: Promise<Scheduler> | undefined;
  const explainScheduler = (): Promise<Scheduler> =>
    (explainer ??= (async () => {
      const s = createScheduler({
        api: options.api,
        informers: options.informers,
        clock: options.clock,
        rng: options.rng,
        recordEvents: false,
        updatePodConditions: false,
        ...(options.schedulerConfig !== undefined ? { config: options.schedulerConfig } : {}),
      });
      await s.start();
      return s;
    })());

  const explain = async (namespace: string, name: string): Promise<ExplainView> => {
    const pod = options.informers.informer<Pod>('pods').get(namespace, name);
    if (pod === undefined) throw errors.notFound('pods', '', name);
    const scheduler = await explainScheduler();
    const schedulerName = pod.spec.schedulerName ?? 'default-scheduler';
    if (!scheduler.hasProfile(schedulerName)) throw errors.badRequest(`pod ${namespace}/${name} has schedulerName ${JSON.stringify(schedulerName)}, which no profile of drydock's scheduler serves`);
    const out = await explainPod(scheduler, pod, schedulerName);
    const bound = pod.spec.nodeName ?? '';
    return { ...out, bound: bound === '' ? null : bound } satisfies ExplainView;
  };

  const stream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
    res.write(`event: snapshot\ndata: ${JSON.stringify(model.snapshot())}\n\n`);
    streams.add(res);
    const unsubscribe = model.subscribe((d) => res.write(`event: delta\ndata: ${JSON.stringify(d)}\n\n`));
    const end = () => {
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
  };

  const mount: HttpMount = {
    prefix: DASHBOARD_PREFIX,
    isPublic: (path) => path === DASHBOARD_PREFIX || path === `${DASHBOARD_PREFIX}/` || (path.startsWith(`${DASHBOARD_PREFIX}/js/`) && modules.has(path.slice(`${DASHBOARD_PREFIX}/js/`.length))),
    handle: async (req: IncomingMessage, res: ServerResponse, url: URL, _user: UserInfo | undefined) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
      const path = url.pathname;
      if (path === DASHBOARD_PREFIX) {
        res.writeHead(301, { Location: `${DASHBOARD_PREFIX}/` });
        return void res.end();
      }
      if (path === `${DASHBOARD_PREFIX}/`) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' });
        return void res.end(page);
      }
      if (path.startsWith(`${DASHBOARD_PREFIX}/js/`)) {
        const text = modules.get(path.slice(`${DASHBOARD_PREFIX}/js/`.length));
        if (text === undefined) throw errors.noResource();
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
        return void res.end(text);
      }
      if (path === `${DASHBOARD_PREFIX}/api/stream`) return stream(req, res);
      if (path === `${DASHBOARD_PREFIX}/api/explain`) {
        const namespace = url.searchParams.get('namespace') ?? 'default';
        const name = url.searchParams.get('pod');
        if (name === null || name === '') throw errors.badRequest('explain: the query parameter "pod" (the pod\'s name) is required, e.g. ?namespace=default&pod=web-1');
        return sendJson(res, 200, await explain(namespace, name));
      }
      throw errors.noResource();
    },
  };

  return {
    mount,
    model,
    explain,
    stop() {
      model.stop();
      for (const res of streams) res.end();
      streams.clear();
      void explainer?.then((s) => s.stop());
    },
  };
}
