// API server benchmark.
//  1. Loopback load: 50 clients over HTTP keep-alive against `startHttpServer` on 127.0.0.1, each doing
//     200 requests in a 1:3 write:read mix (create a pod, get it, list the namespace with limit=50, get an
//     earlier pod) and holding one watch from its first pod's resourceVersion for half its run. The server
//     runs in a worker thread by default (--server inline puts it on the client's event loop instead).
//  2. In process: pods created per second through ApiServer.create, awaited one by one, with three
//     informers attached (pods, nodes, pods with a label selector) and without any.
// Every request must succeed; any error is printed and the run exits 1.
// Run: npm run bench:apiserver [-- --json FILE] [--server worker|inline] [--clients N] [--requests N] [--pods N] [--no-watches]
import { writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ApiServer } from '../src/apiserver/apiserver.js';
import { Informer, SharedInformerFactory } from '../src/apiserver/informer.js';
import { isRecord, type Json } from '../src/apiserver/strategy.js';
import { openEmbeddedStore } from '../src/store/embedded.js';
import { systemClock } from '../src/util/clock.js';
import { seededRng } from '../src/util/rng.js';
import { startLoopbackServer, type ServerReply, type ServerRequest } from './apiserver-server.js';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'string' },
    server: { type: 'string', default: 'worker' },
    clients: { type: 'string', default: '50' },
    requests: { type: 'string', default: '200' },
    pods: { type: 'string', default: '20000' },
    'no-watches': { type: 'boolean', default: false },
  },
});
if (flags.server !== 'worker' && flags.server !== 'inline') throw new Error(`--server must be "worker" or "inline", not ${JSON.stringify(flags.server)}`);
const placement: 'worker' | 'inline' = flags.server;
const CLIENTS = positive('clients', flags.clients);
const REQUESTS_PER_CLIENT = positive('requests', flags.requests);
const IN_PROCESS_PODS = positive('pods', flags.pods);
const WATCHES = !flags['no-watches'];
/** The loopback run fails rather than hang: 10,000 requests take a few seconds. */
const LOAD_DEADLINE_MS = 30_000;

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(text)}`);
  return n;
}

/** The shape of test/apiserver/fixtures.ts pod(): one container with requests, as a scheduler sees it. */
function pod(name: string, labels: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

function node(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { capacity: { cpu: '4', memory: '32Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function meta(obj: unknown): Json {
  return isRecord(obj) && isRecord(obj['metadata']) ? obj['metadata'] : {};
}

/** Nearest-rank percentile of ascending samples. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---- loopback: the server ------------------------------------------------------------------------------

interface ServerHandle {
  readonly placement: 'worker' | 'inline';
  readonly url: string;
  /** Event-loop utilisation of the server's thread between mark() and measure(). */
  mark(): void;
  measure(): Promise<number>;
  close(): Promise<void>;
}

async function startServer(where: 'worker' | 'inline'): Promise<ServerHandle> {
  if (where === 'inline') {
    const server = await startLoopbackServer();
    let mark = performance.eventLoopUtilization();
    return {
      placement: where,
      url: server.url,
      mark: () => void (mark = performance.eventLoopUtilization()),
      measure: async () => performance.eventLoopUtilization(mark).utilization,
      close: () => server.close(),
    };
  }
  const worker = new Worker(new URL('./apiserver-server.js', import.meta.url));
  const next = (type: ServerReply['type']) =>
    new Promise<ServerReply>((resolve, reject) => {
      const onMessage = (msg: ServerReply) => {
        if (msg.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(msg);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const send = (msg: ServerRequest) => worker.postMessage(msg);
  const ready = await next('ready');
  if (ready.type !== 'ready') throw new Error('unreachable');
  return {
    placement: where,
    url: ready.url,
    mark: () => send({ type: 'mark' }),
    measure: async () => {
      const reply = next('utilization');
      send({ type: 'measure' });
      const msg = await reply;
      return msg.type === 'utilization' ? msg.value : NaN;
    },
    close: async () => {
      const stopped = next('stopped');
      send({ type: 'stop' });
      await stopped;
      await worker.terminate();
    },
  };
}

// ---- loopback: the clients -----------------------------------------------------------------------------

type Verb = 'create' | 'get' | 'list' | 'watch';
const VERBS: readonly Verb[] = ['create', 'get', 'list', 'watch'];

interface Reply {
  readonly status: number;
  readonly text: string;
}

interface WatchTap {
  /** Ends the watch from the client's side; resolves once its connection is closed. */
  close(): Promise<void>;
}

/** One load run's shared state: where to send, what was measured, what went wrong. */
class Load {
  readonly latenciesMs = new Map<Verb, number[]>(VERBS.map((v) => [v, []]));
  readonly errors: string[] = [];
  watchEvents = 0;
  /** Set when the deadline passes: clients stop issuing requests. */
  aborted = false;
  private readonly host: string;
  private readonly port: number;
  // keep-alive with one socket per client, so each request measures the server rather than TCP set-up.
  private readonly agent: Agent;
  // Watches hold their connection open, so they get their own sockets and never queue behind requests.
  // Each is a new connection, and libuv accepts one connection per event-loop turn (libuv#3696), so on a
  // busy server a burst of watches waits turns to be accepted: that is part of their time to headers.
  private readonly watchAgent: Agent;

  constructor(url: string, clients: number) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: clients });
    this.watchAgent = new Agent({ keepAlive: false, maxSockets: clients });
  }

  fail(verb: Verb, what: string): void {
    this.errors.push(`${verb}: ${what}`);
  }

  /** Sends one request and reads the whole body. */
  send(method: string, path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
      const req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A request timed from send to the last byte of the reply; returns the decoded body, or undefined after recording an error. */
  async timed(verb: Verb, method: string, path: string, body?: string): Promise<Json | undefined> {
    const t0 = process.hrtime.bigint();
    let reply: Reply;
    try {
      reply = await this.send(method, path, body);
    } catch (err) {
      this.fail(verb, `${method} ${path}: ${(err as Error).message}`);
      return undefined;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (reply.status < 200 || reply.status > 299) {
      this.fail(verb, `${method} ${path}: HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
      return undefined;
    }
    this.latenciesMs.get(verb)!.push(ms);
    const decoded = this.decode(verb, `${method} ${path}`, reply.text);
    return isRecord(decoded) ? decoded : {};
  }

  private decode(verb: Verb, what: string, text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      this.fail(verb, `${what}: the reply is not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
      return undefined;
    }
  }

  /**
   * Watches pods in `namespace` after `resourceVersion` until close(). Every event must be an ADDED (the
   * run only creates) at a newer version than the one before; "watch" latency is the time to headers.
   */
  watch(namespace: string, resourceVersion: string): WatchTap {
    const path = `/api/v1/namespaces/${namespace}/pods?watch=true&resourceVersion=${resourceVersion}`;
    const t0 = process.hrtime.bigint();
    let closing = false;
    let last = Number(resourceVersion);
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const onLine = (line: string) => {
      if (line === '') return;
      const ev = this.decode('watch', path, line);
      const rv = Number(meta(isRecord(ev) ? ev['object'] : undefined)['resourceVersion']);
      if (!isRecord(ev) || ev['type'] !== 'ADDED' || !(rv > last)) this.fail('watch', `${path}: unexpected event ${line.slice(0, 200)} after resourceVersion ${last}`);
      last = rv;
      this.watchEvents++;
    };
    const req = httpRequest({ host: this.host, port: this.port, path, agent: this.watchAgent }, (res) => {
      if (res.statusCode !== 200) {
        this.fail('watch', `GET ${path}: HTTP ${res.statusCode ?? 0}`);
        res.resume();
        return;
      }
      this.latenciesMs.get('watch')!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) onLine(line);
      });
      res.on('end', () => {
        if (!closing) this.fail('watch', `${path}: the server ended the watch before the client closed it`);
      });
      res.on('close', settle);
    });
    req.on('error', (err) => {
      if (!closing) this.fail('watch', `GET ${path}: ${err.message}`);
      settle();
    });
    req.on('close', settle);
    req.end();
    return {
      close: () => {
        closing = true;
        req.destroy();
        return done;
      },
    };
  }

  /** Stops the run: no new requests, open connections closed (their requests count as errors). */
  abort(reason: string): void {
    this.errors.unshift(reason); // the cause goes first; the hang-ups it causes follow
    this.aborted = true;
    this.destroy();
  }

  destroy(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}

/**
 * One client: request i does create, get (that pod), list (limit=50), get (an earlier pod of its own) for
 * i mod 4 = 0, 1, 2, 3. Its watch starts at its first pod's version and closes halfway through.
 */
async function runClient(load: Load, namespace: string, id: number, requests: number): Promise<void> {
  const rng = seededRng(id + 1);
  const mine: string[] = [];
  let watch: WatchTap | undefined;
  const base = `/api/v1/namespaces/${namespace}/pods`;
  for (let i = 0; i < requests && !load.aborted; i++) {
    switch (i % 4) {
      case 0: {
        const name = `client-${id}-pod-${i}`;
        const created = await load.timed('create', 'POST', base, JSON.stringify(pod(name, { app: 'load', client: String(id) })));
        if (created === undefined) break;
        if (meta(created)['name'] !== name) load.fail('create', `POST ${base}: the reply names ${String(meta(created)['name'])}, not ${name}`);
        mine.push(name);
        if (i === 0 && WATCHES) watch = load.watch(namespace, String(meta(created)['resourceVersion']));
        break;
      }
      case 1:
      case 3: {
        // After a failed create there may be nothing of our own yet; the failure is already counted.
        const name = i % 4 === 1 ? mine[mine.length - 1] : mine[rng.int(mine.length)];
        if (name === undefined) break;
        const got = await load.timed('get', 'GET', `${base}/${name}`);
        if (got !== undefined && meta(got)['name'] !== name) load.fail('get', `GET ${base}/${name}: the reply names ${String(meta(got)['name'])}`);
        break;
      }
      case 2: {
        const list = await load.timed('list', 'GET', `${base}?limit=50`);
        if (list !== undefined && (!Array.isArray(list['items']) || list['items'].length === 0 || list['items'].length > 50)) {
          load.fail('list', `GET ${base}?limit=50: expected 1–50 items, got ${Array.isArray(list['items']) ? list['items'].length : 'none'}`);
        }
        break;
      }
    }
    if (i + 1 === requests >> 1) await watch?.close();
  }
  await watch?.close();
}

interface VerbRow {
  readonly verb: Verb;
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface LoopbackResult {
  readonly server: 'worker' | 'inline';
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly seconds: number;
  /** Requests that completed with 2xx (watches not included). */
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly verbs: readonly VerbRow[];
  readonly watches: number;
  readonly watchEvents: number;
  readonly watchEventsPerSecond: number;
  /** Share of wall time the server's event loop was busy (with --server inline, shared with the clients). */
  readonly serverEventLoopUtilization: number;
  readonly clientEventLoopUtilization: number;
  readonly errors: readonly string[];
}

async function runLoad(server: ServerHandle, namespace: string, clients: number, requests: number): Promise<LoopbackResult> {
  const load = new Load(server.url, clients);
  const ns = await load.send('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }));
  if (ns.status !== 201) throw new Error(`creating the namespace ${namespace} failed: HTTP ${ns.status}: ${ns.text}`);
  const deadline = setTimeout(() => load.abort(`the run did not finish within ${LOAD_DEADLINE_MS / 1000} s; it was stopped`), LOAD_DEADLINE_MS);

  server.mark();
  const clientMark = performance.eventLoopUtilization();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, (_, id) => runClient(load, namespace, id, requests)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const clientUtilization = performance.eventLoopUtilization(clientMark).utilization;
  const serverUtilization = await server.measure();
  clearTimeout(deadline);
  load.destroy();

  const verbs = VERBS.map((verb): VerbRow => {
    const samples = Float64Array.from(load.latenciesMs.get(verb)!).sort();
    return {
      verb,
      count: samples.length,
      perSecond: round(samples.length / seconds),
      p50Ms: round(percentile(samples, 50), 2),
      p99Ms: round(percentile(samples, 99), 2),
      maxMs: round(samples[samples.length - 1] ?? NaN, 2),
    };
  });
  const completed = verbs.filter((v) => v.verb !== 'watch').reduce((sum, v) => sum + v.count, 0);
  return {
    server: server.placement,
    clients,
    requestsPerClient: requests,
    seconds: round(seconds, 3),
    requests: completed,
    requestsPerSecond: round(completed / seconds),
    verbs,
    watches: load.latenciesMs.get('watch')!.length,
    watchEvents: load.watchEvents,
    watchEventsPerSecond: round(load.watchEvents / seconds),
    serverEventLoopUtilization: round(serverUtilization, 3),
    clientEventLoopUtilization: round(clientUtilization, 3),
    errors: load.errors,
  };
}

// ---- in process ----------------------------------------------------------------------------------------

interface InProcessRow {
  readonly case: string;
  readonly pods: number;
  readonly nodes: number;
  readonly seconds: number;
  readonly createsPerSecond: number;
  readonly informerEvents: number;
  readonly informerEventsPerSecond: number;
}

/**
 * Creates `pods` pods (every 4th labelled tier=frontend) and one node per 100 pods, each create awaited
 * before the next, as a controller would. With informers, their caches must end up holding every object.
 */
async function runInProcess(pods: number, informers: boolean): Promise<InProcessRow> {
  const { store, mvcc } = openEmbeddedStore({ clock: systemClock });
  const api = new ApiServer({ store, clock: systemClock });
  await api.bootstrap();
  let delivered = 0;
  const count = { onAdd: () => void delivered++, onUpdate: () => void delivered++, onDelete: () => void delivered++ };
  const factory = new SharedInformerFactory(api);
  const frontend = new Informer(api, 'pods', { labelSelector: 'tier=frontend' });
  const attached = informers ? [factory.informer('pods'), factory.informer('nodes'), frontend] : [];
  for (const inf of attached) inf.addEventHandler(count);
  if (informers) {
    await factory.start();
    await frontend.start();
  }

  const nodes = Math.ceil(pods / 100);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < pods; i++) {
    if (i % 100 === 0) await api.create('nodes', node(`node-${i / 100}`));
    await api.create('pods', pod(`pod-${i}`, { app: 'bench', tier: i % 4 === 0 ? 'frontend' : 'backend' }));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  if (informers) {
    // Store watches deliver synchronously inside the write, so the caches are complete once create returns.
    const expected = [pods, nodes, Math.ceil(pods / 4)];
    attached.forEach((inf, i) => {
      if (inf.size !== expected[i]) throw new Error(`informer ${i} (${inf.resource}) holds ${inf.size} objects, expected ${expected[i]}`);
    });
    if (delivered !== pods + nodes + Math.ceil(pods / 4)) throw new Error(`informers delivered ${delivered} events, expected ${pods + nodes + Math.ceil(pods / 4)}`);
  }
  factory.stop();
  frontend.stop();
  api.close();
  mvcc.close();
  return {
    case: informers ? 'create+3 informers' : 'create',
    pods,
    nodes,
    seconds: round(seconds, 3),
    createsPerSecond: round((pods + nodes) / seconds),
    informerEvents: delivered,
    informerEventsPerSecond: round(delivered / seconds),
  };
}

// ---- main ----------------------------------------------------------------------------------------------

const cpuModel = cpus()[0]?.model ?? 'unknown';
console.log(`node ${process.version}, ${new Date().toISOString()}, ${cpus().length} × ${cpuModel}, server in ${placement === 'worker' ? 'a worker thread' : 'the client thread'}${WATCHES ? '' : ', no watches'}`);

const server = await startServer(placement);
let loopback: LoopbackResult;
try {
  // Warm-up in its own namespace: lets both sides' JIT settle; its errors count like any other.
  const warmup = await runLoad(server, 'bench-warmup', CLIENTS, Math.max(4, REQUESTS_PER_CLIENT >> 2));
  loopback = await runLoad(server, 'bench', CLIENTS, REQUESTS_PER_CLIENT);
  loopback = { ...loopback, errors: [...warmup.errors, ...loopback.errors] };
} finally {
  await server.close();
}

const busy =
  loopback.server === 'worker'
    ? `server ${loopback.serverEventLoopUtilization}, clients ${loopback.clientEventLoopUtilization}`
    : `${loopback.serverEventLoopUtilization} (server and clients share it)`;
console.log(
  `\nloopback: ${loopback.clients} clients × ${loopback.requestsPerClient} requests, ${loopback.requests} ok in ${loopback.seconds.toFixed(3)} s = ${loopback.requestsPerSecond} requests/s; event loop busy: ${busy}`,
);
console.log('verb     count    req/s     p50 ms    p99 ms    max ms');
for (const v of loopback.verbs) {
  const rate = v.verb === 'watch' ? '-' : String(v.perSecond);
  console.log(`${v.verb.padEnd(8)} ${String(v.count).padEnd(8)} ${rate.padEnd(9)} ${v.p50Ms.toFixed(2).padEnd(9)} ${v.p99Ms.toFixed(2).padEnd(9)} ${v.maxMs.toFixed(2)}`);
}
console.log(`watch latency is time to headers; ${loopback.watches} watches received ${loopback.watchEvents} events = ${loopback.watchEventsPerSecond} events/s`);
console.log(`errors: ${loopback.errors.length}`);
for (const e of loopback.errors.slice(0, 20)) console.log(`  ${e}`);
if (loopback.errors.length > 20) console.log(`  … and ${loopback.errors.length - 20} more`);

await runInProcess(2_000, true); // warm-up, as in benchmarks/store.ts
const inProcess = [await runInProcess(IN_PROCESS_PODS, false), await runInProcess(IN_PROCESS_PODS, true)];
console.log('\nin process  case                 objects   seconds   creates/s   informer events   events/s');
for (const r of inProcess) {
  console.log(
    `            ${r.case.padEnd(20)} ${String(r.pods + r.nodes).padEnd(9)} ${r.seconds.toFixed(3).padEnd(9)} ${String(r.createsPerSecond).padEnd(11)} ${String(r.informerEvents).padEnd(17)} ${r.informerEventsPerSecond}`,
  );
}

if (flags.json !== undefined) {
  writeFileSync(flags.json, JSON.stringify({ node: process.version, date: new Date().toISOString(), cpus: cpus().length, cpuModel, loopback, inProcess }, null, 2) + '\n');
}
if (loopback.errors.length > 0) process.exitCode = 1;
