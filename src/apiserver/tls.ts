// A serving certificate for `drydock serve` when the user brings none. kubectl never sends a bearer token
// over plain http (client-go refuses to), so token authentication implies TLS; Node can create TLS servers
// but not certificates, hence the `selfsigned` package (built on @peculiar/x509, no install scripts).
import { isIP } from 'node:net';
import selfsigned from 'selfsigned';

export interface ServingCert {
  /** PEM certificate; self-signed, so it is also the CA a kubeconfig names. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/** A self-signed certificate valid for `host`, 127.0.0.1, ::1 and localhost, for one year. */
export async function generateServingCert(host: string): Promise<ServingCert> {
  const names = new Set([host, '127.0.0.1', '::1', 'localhost']);
  // Subject alternative names: type 7 is an IP address, type 2 a DNS name (RFC 5280 GeneralName).
  const altNames = [...names]
    .filter((h) => h !== '0.0.0.0' && h !== '::')
    .map((h) => (isIP(h) !== 0 ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'drydock-apiserver' }], {
    keySize: 2048,
    algorithm: 'sha256', // Go's TLS stack (kubectl) rejects SHA-1 signatures
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
