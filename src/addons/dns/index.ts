// Cluster DNS (CoreDNS's kubernetes plugin for the cluster domain), served over UDP and TCP.
export {
  ClusterDnsZone,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_TTL_SECONDS,
  DNS_SCHEMA_VERSION,
  DNS_VERSION_TTL_SECONDS,
  SOA_EXPIRE,
  SOA_REFRESH,
  SOA_RETRY,
  endpointHostname,
} from './records.js';
export type { ClusterDnsSource, DnsResult, Rcode, ZoneConfig } from './records.js';
export { MAX_TCP_SIZE, MAX_UDP_PAYLOAD, MAX_UDP_SIZE, TCP_IDLE_TIMEOUT_MS, respond, startDnsServer } from './server.js';
export type { DnsServerOptions, RunningDnsServer } from './server.js';
export { InformerDnsSource, startClusterDns } from './cluster.js';
export type { ClusterDnsOptions, RunningClusterDns } from './cluster.js';
