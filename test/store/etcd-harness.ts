// A real etcd for tests: CI's (DRYDOCK_ETCD_ENDPOINTS, started by .ci/run), or one this process starts from the `etcd`
// binary (Debian's etcd-server) on free loopback ports with a temporary data directory. Without either, tests
// that need etcd print a visible SKIP line instead of running.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The etcd binary: $ETCD_BIN, or `etcd` on the PATH; undefined when there is none. */
export function etcdBinary(): string | undefined {
  const candidates = process.env['ETCD_BIN'] !== undefined ? [process.env['ETCD_BIN']] : (process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, 'etcd'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One etcd member this test process owns: it can be stopped and started again on the same data and ports. */
export class EtcdProcess {
  private child: ChildProcess | undefined;
  private constructor(
    readonly binary: string,
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  static async create(binary: string): Promise<EtcdProcess> {
    const p = new EtcdProcess(binary, mkdtempSync(join(tmpdir(), 'drydock-etcd-')), await freePort(), await freePort());
    await p.start();
    process.once('exit', () => {
      p.child?.kill('SIGKILL');
      rmSync(p.dataDir, { recursive: true, force: true });
    });
    return p;
  }

  /** Starts etcd and waits until /health says true (at most 20 s). */
  async start(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.child = spawn(
      this.binary,
      [
        '--name', 'drydock-test',
        '--data-dir', this.dataDir,
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `drydock-test=${peer}`,
        '--log-level', 'error',
      ],
      // etcd reads ETCD_* variables as flags and refuses one that a flag shadows: none of the caller's.
      { stdio: ['ignore', 'ignore', 'pipe'], env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_'))) },
    );
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    // The test process must be able to end while etcd runs; it is killed on exit (create()).
    this.child.unref();
    (this.child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`etcd exited with ${this.child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`${this.endpoint}/health`);
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy in 20 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops etcd: SIGTERM (a clean shutdown) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    // Held while waiting: an unref'd child's exit alone would not keep the event loop (and the test) alive.
    child.ref();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.child = undefined;
  }
}

let shared: Promise<string | undefined> | undefined;

/**
 * An etcd endpoint for conformance runs: $DRYDOCK_ETCD_ENDPOINTS when set (CI starts one), else one started here
 * (shared by every test file in this process), else undefined.
 */
export function sharedEtcdEndpoint(): Promise<string | undefined> {
  shared ??= (async () => {
    const env = process.env['DRYDOCK_ETCD_ENDPOINTS'];
    if (env !== undefined && env !== '') return env.split(',')[0];
    const bin = etcdBinary();
    if (bin === undefined) return undefined;
    return (await EtcdProcess.create(bin)).endpoint;
  })();
  return shared;
}

/** The line a test prints when it cannot run for want of etcd. */
export const ETCD_SKIP = 'SKIP: no etcd binary on PATH and no DRYDOCK_ETCD_ENDPOINTS (install Debian\'s etcd-server); the etcd backend was not tested';
