// drydock serve: the API server over HTTP, for kubectl and client libraries.
import { createPrivateKey, randomBytes, randomInt, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { ApiServer, DEFAULT_COMPACTION_INTERVAL_MS, DEFAULT_EVENT_TTL_SECONDS } from '../../apiserver/apiserver.js';
import { startDashboard } from '../../addons/dashboard/index.js';
import { loadOrCreateSigningKey, readTokenFile, SIGNING_KEY_FILE_NAME, tokenAuthenticator, type Authenticator } from '../../apiserver/auth.js';
import { serviceAccountLookup } from '../../controllers/serviceaccount.js';
import { startHttpServer } from '../../apiserver/http.js';
import { generateServingCert, type ServingCert } from '../../apiserver/tls.js';
import { SharedInformerFactory } from '../../apiserver/informer.js';
import { ConfigError } from '../../scheduler/framework.js';
import { inTreeRegistry, parseSchedulerConfiguration, type SchedulerConfiguration } from '../../scheduler/index.js';
import { openEmbeddedStore } from '../../store/embedded.js';
import { systemClock } from '../../util/clock.js';
import { seededRng } from '../../util/rng.js';
import { UserInputError } from '../errors.js';
import { checkSeed, typedValue } from '../flags.js';
import { prepareOutput, writeOutput } from '../output.js';
import { writeFileAtomic } from '../../report/files.js';
import { connectEtcd, ETCD_ENDPOINTS_FLAG, ETCD_PREFIX_FLAG, parseEtcdEndpoints, parseEtcdPrefix } from '../etcd.js';
import { LEADER_ELECT_OPTIONS, newLeaderIdentity, parseLeaderElectionFlags, startControlPlane, type LeaderElectArgs } from '../leader-election.js';
import type { Store } from '../../store/types.js';
import { DEFAULT_CLUSTER_DOMAIN, startClusterDns, type RunningClusterDns } from '../../addons/dns/index.js';
import { DEFAULT_MAX_EVENTS, EventLog } from '../../addons/eventlog/index.js';
import { formatGoDuration, parseGoDuration } from '../../controllers/autoscaler/index.js';
import { Registry } from 'prom-client';
import { DEFAULT_METRIC_RESOLUTION_MS, exposition, MetricsServer, registerResourceMetrics } from '../../addons/metrics/index.js';
import { ApiServerRequestMetrics } from '../../apiserver/metrics.js';
import { registerSchedulerMetrics } from '../../scheduler/metrics.js';

interface ServeArgs extends LeaderElectArgs {
  host: string;
  port: number;
  kubeconfig?: string;
  'data-dir'?: string;
  'token-file'?: string;
  'tls-cert-file'?: string;
  'tls-private-key-file'?: string;
  'scheduler-config'?: string;
  scheduler: boolean;
  kubelets: boolean;
  dashboard: boolean;
  seed?: number;
  'dns-port'?: number;
  'cluster-domain': string;
  'event-ttl': string;
  'max-events': number;
  'metric-resolution': string;
  'etcd-endpoints'?: string;
  'etcd-prefix': string;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * A kubeconfig kubectl and @kubernetes/client-node use as is: over https it trusts the serving certificate
 * (self-signed, so it is its own CA); over plain http it sets insecure-skip-tls-verify, which client-node
 * requires before it talks http at all.
 */
export function kubeconfigYaml(server: string, token: string | undefined, caPem?: string): string {
  const cluster = caPem !== undefined ? { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } : { server, 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'drydock', cluster }],
    users: [{ name: 'drydock', user: token !== undefined ? { token } : {} }],
    contexts: [{ name: 'drydock', context: { cluster: 'drydock', user: 'drydock', namespace: 'default' } }],
    'current-context': 'drydock',
  });
}

function loadKey(path: string, dataDir: string): Buffer {
  try {
    mkdirSync(dataDir, { recursive: true });
    return loadOrCreateSigningKey(path);
  } catch (err) {
    throw new UserInputError(`--data-dir ${dataDir}: cannot read or create the token signing key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The data directory, made if missing; a path that is a file, or cannot be made, is one line naming the flag. */
function prepareDataDir(dir: string): void {
  let file = false;
  try {
    file = !statSync(dir).isDirectory();
  } catch {
    // Absent: made below.
  }
  if (file) throw new UserInputError(`--data-dir ${dir}: is a file (expected a folder for the server's state)`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UserInputError(`--data-dir ${dir}: cannot create it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (expected a folder for the server's state)`);
  }
}

/** A certificate and a private key that Node's TLS can use, or one line naming the file that is not. */
function checkPem(tls: ServingCert, certFile: string, keyFile: string): void {
  const why = (err: unknown) => (err as Error).message.replace(/^error:[0-9A-F]+:/, '');
  try {
    new X509Certificate(tls.cert);
  } catch (err) {
    throw new UserInputError(`--tls-cert-file ${certFile}: not a PEM certificate: ${why(err)} (expected -----BEGIN CERTIFICATE-----)`);
  }
  try {
    createPrivateKey(tls.key);
  } catch (err) {
    throw new UserInputError(`--tls-private-key-file ${keyFile}: not a PEM private key: ${why(err)} (expected -----BEGIN PRIVATE KEY-----)`);
  }
}

/** Reads a file the user named, or fails with one line naming the flag and the file. */
function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${flag} ${path}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the API server over HTTP (kubectl and client libraries can use it)',
  builder: (y: Argv) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (loopback unless told otherwise)' })
      .option('port', { type: 'number', default: 6443, describe: 'Port to listen on (0 = any free port)' })
      .option('kubeconfig', { type: 'string', describe: 'Write a kubeconfig for this server to FILE' })
      .option('etcd-endpoints', ETCD_ENDPOINTS_FLAG)
      .option('etcd-prefix', ETCD_PREFIX_FLAG)
      .options(LEADER_ELECT_OPTIONS)
      .option('data-dir', { type: 'string', describe: 'Keep state in DIR (write-ahead log + snapshots) so it survives a restart' })
      .option('token-file', { type: 'string', describe: 'Require bearer tokens from FILE (token,user,uid[,"groups"] per line); implies HTTPS' })
      .option('tls-cert-file', { type: 'string', describe: 'Serve HTTPS with this PEM certificate (default with --token-file: a generated self-signed one)' })
      .option('tls-private-key-file', { type: 'string', describe: 'The PEM private key for --tls-cert-file' })
      .option('scheduler', { type: 'boolean', default: true, describe: 'Run the scheduler (--no-scheduler: the API server alone)' })
      .option('kubelets', { type: 'boolean', default: true, describe: 'Run a simulated kubelet on every Node (--no-kubelets: nodes are records only)' })
      .option('scheduler-config', { type: 'string', describe: 'A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) for the scheduler' })
      .option('dashboard', { type: 'boolean', default: false, describe: 'Serve a live web dashboard at /dashboard/ on the same port' })
      .option('seed', { type: 'number', describe: 'Seed for generated names, UIDs and tie-breaking (default: random)' })
      .option('dns-port', { type: 'number', describe: 'Serve cluster DNS (UDP and TCP) on loopback at this port (0 = any free port; absent = no DNS)' })
      .option('cluster-domain', { type: 'string', default: DEFAULT_CLUSTER_DOMAIN, describe: 'The cluster DNS domain' })
      .option('event-ttl', { type: 'string', default: formatGoDuration(DEFAULT_EVENT_TTL_SECONDS * 1000), describe: 'Keep events this long after their last write (kube-apiserver --event-ttl)' })
      .option('max-events', { type: 'number', default: DEFAULT_MAX_EVENTS, describe: 'Keep at most this many events, dropping the oldest (0 = no cap)' })
      .option('metric-resolution', { type: 'string', default: '15s', describe: "metrics-server's scrape period and window for kubectl top (metrics.k8s.io)" })
      .check((a) => {
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) {
          const typed = typedValue('--port') ?? String(a.port);
          throw new UserInputError(`--port: ${typed} is not a port number (expected 0 to 65535)`);
        }
        const dnsPort = a['dns-port'];
        if (dnsPort !== undefined && (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535)) {
          const typed = typedValue('--dns-port') ?? String(dnsPort);
          throw new UserInputError(`--dns-port: ${typed} is not a port number (expected 0 to 65535)`);
        }
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(a['cluster-domain'])) {
          throw new UserInputError(`--cluster-domain: ${JSON.stringify(a['cluster-domain'])} is not a DNS domain (expected lower-case labels separated by dots, e.g. cluster.local)`);
        }
        const ttl = parseGoDuration(a['event-ttl']);
        if (ttl === undefined || ttl < 1000) {
          throw new UserInputError(`--event-ttl: ${JSON.stringify(a['event-ttl'])} is not a duration of at least one second (expected e.g. 1h, 30m, 90s)`);
        }
        if (!Number.isInteger(a['max-events']) || a['max-events'] < 0) {
          const typed = typedValue('--max-events') ?? String(a['max-events']);
          throw new UserInputError(`--max-events: ${typed} is not a whole number of events (expected 0 for no cap, or e.g. 10000)`);
        }
        const resolution = parseGoDuration(String(a['metric-resolution']));
        if (resolution === undefined || resolution < 1) {
          throw new UserInputError(`--metric-resolution: ${JSON.stringify(a['metric-resolution'])} is not a positive duration (expected e.g. 15s, 1m, 500ms)`);
        }
        if (a['etcd-endpoints'] !== undefined) {
          parseEtcdEndpoints(a['etcd-endpoints']);
          if (a['data-dir'] !== undefined) throw new UserInputError('--data-dir and --etcd-endpoints: state lives in one of them; pass one');
        }
        parseEtcdPrefix(a['etcd-prefix']);
        parseLeaderElectionFlags(a as unknown as LeaderElectArgs);
        if ((a['tls-cert-file'] === undefined) !== (a['tls-private-key-file'] === undefined)) {
          throw new UserInputError('--tls-cert-file and --tls-private-key-file go together');
        }
        return true;
      }) as unknown as Argv<ServeArgs>,
  handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
    // Output and state paths first: a kubeconfig that cannot be written, or a data directory that is a file,
    // fails before anything listens.
    if (args.kubeconfig !== undefined) prepareOutput('--kubeconfig', args.kubeconfig);
    if (args['data-dir'] !== undefined) prepareDataDir(args['data-dir']);
    let authenticator: Authenticator | undefined;
    if (args['token-file'] !== undefined) {
      // Service-account tokens are signed with a key kept in the data directory, so they survive a restart.
      const signingKey = args['data-dir'] !== undefined ? loadKey(join(args['data-dir'], SIGNING_KEY_FILE_NAME), args['data-dir']) : randomBytes(32);
      authenticator = tokenAuthenticator(readTokenFile(args['token-file']), { signingKey, clock: systemClock });
    }
    if (!isLoopback(args.host) && authenticator === undefined) {
      throw new UserInputError(`--host ${args.host}: refusing to serve beyond loopback without authentication; pass --token-file FILE, or listen on 127.0.0.1`);
    }
    // Bearer tokens need TLS: kubectl (client-go) does not send them over plain http.
    let tls: ServingCert | undefined;
    if (args['tls-cert-file'] !== undefined && args['tls-private-key-file'] !== undefined) {
      tls = { cert: readPem(args['tls-cert-file'], '--tls-cert-file'), key: readPem(args['tls-private-key-file'], '--tls-private-key-file') };
      checkPem(tls, args['tls-cert-file'], args['tls-private-key-file']);
    } else if (authenticator !== undefined) {
      tls = await generateServingCert(args.host);
    }
    let schedulerConfig: SchedulerConfiguration | undefined;
    if (args['scheduler-config'] !== undefined) {
      try {
        schedulerConfig = parseSchedulerConfiguration(readPem(args['scheduler-config'], '--scheduler-config'), args['scheduler-config'], inTreeRegistry);
      } catch (err) {
        if (err instanceof ConfigError) throw new UserInputError(err.message);
        throw err;
      }
    }
    if (args.seed !== undefined) checkSeed(args.seed);
    const seed = args.seed ?? randomInt(2 ** 31);
    // The state: in etcd (shared with other API servers and tools), or in this process (optionally durable).
    const store: Store =
      args['etcd-endpoints'] !== undefined
        ? await connectEtcd(parseEtcdEndpoints(args['etcd-endpoints']), { serial: false })
        : openEmbeddedStore({ clock: systemClock, ...(args['data-dir'] !== undefined ? { dataDir: args['data-dir'] } : {}) }).store;
    const api = new ApiServer({ store, storagePrefix: parseEtcdPrefix(args['etcd-prefix']), clock: systemClock, rng: seededRng(seed), compactionIntervalMs: DEFAULT_COMPACTION_INTERVAL_MS, namespaceDeletion: 'controller', eventTtlSeconds: Math.floor(parseGoDuration(args['event-ttl'])! / 1000) });
    await api.bootstrap();
    // kube-controller-manager, unless told otherwise a simulated kubelet on every Node, and the scheduler,
    // watching through the same API server in real time: at once on one informer factory (one cache per
    // kind), or with --leader-elect each only while this process holds its Lease (src/cli/leader-election.ts).
    const informers = new SharedInformerFactory(api);
    authenticator?.setServiceAccountLookup?.(serviceAccountLookup(informers.informer('serviceaccounts')));
    const election = parseLeaderElectionFlags(args);
    const controlPlane = await startControlPlane({
      api, informers, clock: systemClock, seed, scheduler: args.scheduler, kubelets: args.kubelets,
      ...(schedulerConfig !== undefined ? { schedulerConfig } : {}),
      ...(election.enabled ? { leaderElection: { identity: newLeaderIdentity(), timings: election.timings } } : {}),
      info: (line) => process.stdout.write(`${line}\n`),
      warn: (line) => process.stderr.write(`drydock: ${line}\n`),
    });
    // Cluster-level logging: events expire after --event-ttl (store leases) and stay under --max-events.
    await new EventLog({ api, informers, maxEvents: args['max-events'] }).start();
    // /metrics (kube-apiserver's, kube-scheduler's, kube-state-metrics' names on one registry) and the
    // metrics.k8s.io group that kubectl top reads (metrics-server, with simulated usage).
    const registry = new Registry();
    const requestMetrics = new ApiServerRequestMetrics(registry, () => performance.now());
    if (controlPlane.schedulerMetrics !== undefined) registerSchedulerMetrics(registry, controlPlane.schedulerMetrics);
    registerResourceMetrics(registry, informers);
    const metricsServer = new MetricsServer({ informers, clock: systemClock, seed, resolutionMs: parseGoDuration(args['metric-resolution']) ?? DEFAULT_METRIC_RESOLUTION_MS });
    await metricsServer.start();
    const dashboard = args.dashboard
      ? await startDashboard({ api, informers, clock: systemClock, rng: seededRng(seed + 2), ...(schedulerConfig !== undefined ? { schedulerConfig } : {}) })
      : undefined;
    const running = await startHttpServer({
      api,
      host: args.host,
      port: args.port,
      requestMetrics,
      apiServices: [metricsServer],
      metrics: () => exposition(registry),
      ...(authenticator !== undefined ? { authenticator } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(dashboard !== undefined ? { mounts: [dashboard.mount] } : {}),
    });
    // Cluster DNS (CoreDNS's kubernetes plugin) from the same informers. DNS has no authentication, so it
    // stays on loopback even when the API server listens beyond it.
    let dns: RunningClusterDns | undefined;
    if (args['dns-port'] !== undefined) {
      const dnsHost = isLoopback(args.host) && args.host !== 'localhost' ? args.host : '127.0.0.1';
      try {
        dns = await startClusterDns({ informers, clock: systemClock, host: dnsHost, port: args['dns-port'], clusterDomain: args['cluster-domain'] });
      } catch (err) {
        await running.close();
        throw new UserInputError(`--dns-port ${args['dns-port']}: cannot listen on ${dnsHost}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (args.kubeconfig !== undefined) {
      // A user-supplied certificate may be signed by a CA we do not have; then only the generated one is named.
      const ca = tls !== undefined && args['tls-cert-file'] === undefined ? tls.cert : undefined;
      const yaml = kubeconfigYaml(running.url, authenticator?.adminToken, ca);
      try {
        await writeOutput('--kubeconfig', args.kubeconfig, (file) => writeFileAtomic(file, [yaml], { mode: 0o600 }));
      } catch (err) {
        await running.close();
        throw err;
      }
    }
    process.stdout.write(`drydock API server listening on ${running.url}${args.kubeconfig !== undefined ? ` (kubeconfig: ${args.kubeconfig})` : ''}\n`);
    if (args['etcd-endpoints'] !== undefined) process.stdout.write(`state in etcd at ${args['etcd-endpoints']} under ${parseEtcdPrefix(args['etcd-prefix'])}/\n`);
    if (dns !== undefined) process.stdout.write(`cluster DNS for ${args['cluster-domain']} listening on ${dns.host}:${dns.port} (udp, tcp)\n`);
    if (dashboard !== undefined) process.stdout.write(`drydock dashboard at ${running.url}${dashboard.mount.prefix}/\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    dashboard?.stop();
    await running.close();
    await dns?.close();
    await controlPlane.stop();
    informers.stop();
    api.close();
    await store.close();
    process.stdout.write('drydock API server stopped\n');
  },
};
