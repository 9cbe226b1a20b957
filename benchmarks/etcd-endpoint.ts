// The etcd the etcd benchmarks use: --endpoints URL, or $DRYDOCK_ETCD_ENDPOINTS, or one started from the `etcd`
// binary on PATH (Debian's etcd-server) for the run. Without any, the benchmark says SKIP and exits 0.
import { EtcdProcess, etcdBinary } from '../test/store/etcd-harness.js';

export async function etcdEndpointOrSkip(flag: string | undefined): Promise<string> {
  const given = flag ?? process.env['DRYDOCK_ETCD_ENDPOINTS']?.split(',')[0];
  if (given !== undefined && given !== '') return given;
  const bin = etcdBinary();
  if (bin === undefined) {
    console.log("SKIP: no etcd binary on PATH and no --endpoints / DRYDOCK_ETCD_ENDPOINTS (install Debian's etcd-server)");
    process.exit(0);
  }
  return (await EtcdProcess.create(bin)).endpoint;
}
