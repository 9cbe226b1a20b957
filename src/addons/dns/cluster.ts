// The cluster DNS addon: Services and Endpoints read through the API server's informers (as CoreDNS's
// kubernetes plugin watches them through client-go), answered by ClusterDnsZone, served over UDP and TCP.
// Answers follow the caches, so a Service created, an endpoint that turns ready or a Service deleted shows
// in the next answer; the SOA serial is the time of the last such change (dnsController.Modified).
import type { Endpoints, Service } from '../../api/index.js';
import type { Informer, SharedInformerFactory } from '../../apiserver/informer.js';
import type { Clock } from '../../util/clock.js';
import { ClusterDnsZone, DEFAULT_CLUSTER_DOMAIN, DEFAULT_TTL_SECONDS, type ClusterDnsSource } from './records.js';
import { startDnsServer, type RunningDnsServer } from './server.js';

export interface ClusterDnsOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  /** The cluster domain (kubelet --cluster-domain; default cluster.local). */
  readonly clusterDomain?: string;
  /** Record TTL in seconds (the kubernetes plugin's `ttl`, default 5). */
  readonly ttl?: number;
  /** Where to listen (default 127.0.0.1); also the address of ns.dns.<zone>. */
  readonly host?: string;
  /** 0: any free port. */
  readonly port: number;
}

/** The informers' caches as the zone's source. */
export class InformerDnsSource implements ClusterDnsSource {
  private readonly services: Informer<Service>;
  private readonly endpointsInformer: Informer<Endpoints>;
  private modified: number;

  constructor(informers: SharedInformerFactory, private readonly clock: Clock) {
    this.services = informers.informer<Service>('services');
    this.endpointsInformer = informers.informer<Endpoints>('endpoints');
    this.modified = clock.now();
    const touch = () => {
      this.modified = this.clock.now();
    };
    const handlers = { onAdd: touch, onUpdate: touch, onDelete: touch };
    this.services.addEventHandler(handlers);
    this.endpointsInformer.addEventHandler(handlers);
  }

  /** Resolves when both caches are filled. */
  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.endpointsInformer.start()]);
  }

  get synced(): boolean {
    return this.services.hasSynced && this.endpointsInformer.hasSynced;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(namespace, name);
  }

  endpoints(namespace: string, name: string): Endpoints | undefined {
    return this.endpointsInformer.get(namespace, name);
  }

  serial(): number {
    return Math.floor(this.modified / 1000);
  }
}

export interface RunningClusterDns extends RunningDnsServer {
  readonly zone: ClusterDnsZone;
}

/** Starts the informers it needs, then serves the cluster domain on UDP and TCP. */
export async function startClusterDns(options: ClusterDnsOptions): Promise<RunningClusterDns> {
  const host = options.host ?? '127.0.0.1';
  const source = new InformerDnsSource(options.informers, options.clock);
  await source.start();
  const zone = new ClusterDnsZone(source, { zone: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, ttl: options.ttl ?? DEFAULT_TTL_SECONDS, nsAddresses: [host] });
  const server = await startDnsServer({ zone, host, port: options.port });
  return { ...server, zone, close: () => server.close() };
}
