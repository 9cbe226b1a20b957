// Shared harness for the end-to-end tests (real kubectl, @kubernetes/client-node, the `drydock serve`
// process): an API server over HTTP on 127.0.0.1 and a free port, temp dirs, child processes, and a test
// wrapper that bounds every test in time and runs its clean-ups (kill children, close servers, remove
// dirs) even when it fails or times out.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { ApiServer } from '../../src/apiserver/apiserver.js';
import type { Authenticator } from '../../src/apiserver/auth.js';
import { startHttpServer } from '../../src/apiserver/http.js';
import { generateServingCert } from '../../src/apiserver/tls.js';
import { openEmbeddedStore } from '../../src/store/embedded.js';
import { systemClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';

/** Clean-ups registered by a test; run in reverse order when the test ends, however it ends. */
export class Scope {
  private readonly cleanups: (() => unknown)[] = [];
  defer(fn: () => unknown): void {
    this.cleanups.push(fn);
  }
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

/**
 * Registers a test that gets a Scope and fails after `timeoutMs`. The clean-ups run before the test's
 * result is reported, so a hung or failed test leaves no process, server or directory behind.
 */
export function e2e(t: Test, name: string, fn: (scope: Scope) => Promise<void>, timeoutMs = 10_000): void {
  t(name, async () => {
    const scope = new Scope();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        fn(scope),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`test timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await scope.close();
    }
  });
}

/** A fresh directory under the OS temp dir, removed when the scope closes. */
export function tempDir(scope: Scope, prefix = 'drydock-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scope.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface E2eServer {
  readonly api: ApiServer;
  readonly url: string;
  readonly port: number;
}

/** An ApiServer on a memory store and the system clock (kubectl computes nothing from it but AGE), over HTTP on 127.0.0.1:0. */
/** Another listener (here: HTTPS with a generated certificate) on an already running server's ApiServer. */
export async function listenTls(scope: Scope, target: E2eServer, options: { authenticator?: Authenticator } = {}): Promise<E2eServer> {
  const tls = await generateServingCert('127.0.0.1');
  const running = await startHttpServer({ api: target.api, host: '127.0.0.1', port: 0, tls, ...(options.authenticator !== undefined ? { authenticator: options.authenticator } : {}) });
  scope.defer(() => running.close());
  return { api: target.api, url: running.url, port: running.port };
}

export async function startServer(scope: Scope, options: { authenticator?: Authenticator } = {}): Promise<E2eServer> {
  const { store } = openEmbeddedStore({ clock: systemClock });
  const api = new ApiServer({ store, clock: systemClock, rng: seededRng(7) });
  scope.defer(() => store.close());
  scope.defer(() => api.close());
  await api.bootstrap();
  const running = await startHttpServer({ api, host: '127.0.0.1', port: 0, ...(options.authenticator !== undefined ? { authenticator: options.authenticator } : {}) });
  scope.defer(() => running.close());
  return { api, url: running.url, port: running.port };
}

/** A child process whose output is collected as it arrives. */
export interface Child {
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (null if killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a process (never through a shell); it is SIGKILLed when the scope closes if it still runs. */
export function startChild(scope: Scope, cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  const child: Child = {
    proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code, signal) => resolve({ code, signal }));
    }),
  };
  child.exited.catch(() => undefined); // a spawn error is reported by whoever awaits `exited`
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (child.stdout += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (child.stderr += s));
  scope.defer(async () => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      proc.kill('SIGKILL');
      await child.exited.catch(() => undefined);
    }
  });
  return child;
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to the end; SIGKILLs it after `timeoutMs` (the test then sees signal SIGKILL). */
export async function run(scope: Scope, cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Finished> {
  const child = startChild(scope, cmd, args, options);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), options.timeoutMs ?? 8_000);
  try {
    const { code, signal } = await child.exited;
    // 'exit' can come before the pipes are drained; 'close' comes after.
    if (child.proc.stdout!.readable || child.proc.stderr!.readable) await new Promise((r) => child.proc.once('close', r));
    return { code, signal, stdout: child.stdout, stderr: child.stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Fails with `what` if `p` does not settle within `ms` (for client calls that could hang on a broken server). */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Reads kubectl's table output into rows keyed by the header's column names. kubectl's tabwriter pads
 * columns with at least 3 spaces (cli-runtime pkg/printers/tabwriter.go: tabwriterPadding = 3), and
 * no header or cell we print has two spaces in a row, so two or more spaces separate cells.
 */
export function parseTable(text: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').trim().split(/\s{2,}/);
  const rows = lines.slice(1).map((line) => {
    const cells = line.trim().split(/\s{2,}/);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return { header, rows };
}

const SERVE_LISTENING = /^drydock API server listening on (https?:\/\/127\.0\.0\.1:(\d+))(?: \(kubeconfig: (.*)\))?$/m;

/** Starts `node MAIN serve --port 0 ...args` as a child and waits for the line that names its URL. */
export async function startServe(scope: Scope, main: string, args: readonly string[]): Promise<{ child: Child; url: string }> {
  const child = startChild(scope, process.execPath, [main, 'serve', '--port', '0', ...args]);
  let exited = false;
  void child.exited.then(() => (exited = true), () => (exited = true));
  await waitFor('the "listening on" line', () => exited || SERVE_LISTENING.test(child.stdout), 5_000);
  const m = SERVE_LISTENING.exec(child.stdout);
  if (m === null) throw new Error(`drydock serve did not start: exit ${String(child.proc.exitCode)}, stdout ${JSON.stringify(child.stdout)}, stderr ${JSON.stringify(child.stderr)}`);
  return { child, url: m[1]! };
}

/** kubectl's environment: no KUBECONFIG from the caller, and never a proxy for our loopback server. */
export function kubectlEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  delete env['KUBECONFIG'];
  delete env['HTTP_PROXY'];
  delete env['http_proxy'];
  return env;
}
