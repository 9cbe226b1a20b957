// The embedded store on a data directory: reopening gives back exactly the state that was acknowledged,
// also when the process is killed at random moments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MvccStore } from '../../src/store/mvcc.js';
import { openEmbeddedStore } from '../../src/store/embedded.js';
import { seededRng } from '../../src/util/rng.js';
import { ManualClock } from '../../src/util/clock.js';
import { step } from './durable-workload.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drydock-durable-'));
}

/** Everything observable about the store's current state. */
function observe(s: MvccStore) {
  return {
    revision: s.revision,
    kvs: s.range({ key: '\0', rangeEnd: '\0' }).kvs,
    leases: s.leaseIds().map((id) => {
      const t = s.leaseTimeToLive(id, true);
      return { id, granted: t.grantedTtl, keys: t.keys };
    }),
  };
}

type Op =
  | { put: [number, number, boolean] }
  | { del: number }
  | { grant: number }
  | { revoke: number }
  | { compact: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ put: fc.tuple(fc.nat(6), fc.nat(100), fc.boolean()) }),
  fc.record({ del: fc.nat(6) }),
  fc.record({ grant: fc.integer({ min: 2, max: 30 }) }),
  fc.record({ revoke: fc.nat(5) }),
  fc.record({ compact: fc.nat(40) }),
);

function applyOp(s: MvccStore, op: Op): void {
  const leases = s.leaseIds();
  if ('put' in op) {
    const [k, v, withLease] = op.put;
    const lease = withLease && leases.length > 0 ? leases[v % leases.length]! : 0;
    s.put({ key: `k${k}`, value: { v }, lease });
  } else if ('del' in op) s.deleteRange({ key: `k${op.del}` });
  else if ('grant' in op) s.leaseGrant(op.grant);
  else if ('revoke' in op) {
    if (leases.length > 0) s.leaseRevoke(leases[op.revoke % leases.length]!);
  } else {
    const rev = 1 + (op.compact % s.revision);
    if (rev > s.compactRevision) s.compact(rev);
  }
}

test('reopening a data directory gives back the state it was closed with (random ops, snapshots every 5 records)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
      const dir = tempDir();
      try {
        const clock = new ManualClock(0);
        const first = openEmbeddedStore({ dataDir: dir, snapshotEvery: 5, clock }).mvcc;
        const memory = new MvccStore({ clock: new ManualClock(0) });
        for (const op of ops) {
          applyOp(first, op);
          applyOp(memory, op);
        }
        const before = observe(first);
        assert.equal(before, observe(memory), 'durable and in-memory stores agree while running');
        first.close();
        const second = openEmbeddedStore({ dataDir: dir, snapshotEvery: 5, clock }).mvcc;
        assert.equal(observe(second), before);
        // The lease counter survives too: the next grant does not reuse an id.
        assert.is(second.leaseGrant(10).id, memory.leaseGrant(10).id);
        second.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 40 },
  );
});

test('after a restart, a watch from before the newest snapshot is told the oldest revision it can have', () => {
  const dir = tempDir();
  try {
    const first = openEmbeddedStore({ dataDir: dir, snapshotEvery: 3 }).mvcc;
    for (let i = 0; i < 4; i++) first.put({ key: 'a', value: i }); // revisions 2..5; snapshot at record 3 = rev 4
    first.close();
    const second = openEmbeddedStore({ dataDir: dir, snapshotEvery: 3 }).mvcc;
    const got: { canceled?: boolean; compactRevision?: number; revs: number[] }[] = [];
    const push = (r: { canceled?: boolean; compactRevision?: number; events: { kv: { modRevision: number } }[] }) =>
      got.push({ ...(r.canceled ? { canceled: true } : {}), ...(r.compactRevision ? { compactRevision: r.compactRevision } : {}), revs: r.events.map((e) => e.kv.modRevision) });
    second.watch({ key: 'a', startRevision: 2 }, push);
    // The snapshot holds the state at revision 4; revision 5 came from the log, so watching from 5 works.
    second.watch({ key: 'a', startRevision: 5 }, push);
    assert.equal(got, [{ canceled: true, compactRevision: 5, revs: [] }, { revs: [5] }]);
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const childPath = fileURLToPath(new URL('./durable-crash-child.js', import.meta.url));

function crashRound(dir: string, delayMs: number): Promise<{ ready: number; lastAck: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, '25'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (timer === undefined && out.includes('ready ')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended on its own: ${err}`));
      const ready = Number(/ready (\d+)/.exec(out)?.[1]);
      const acks = [...out.matchAll(/ack (\d+)\n/g)].map((m) => Number(m[1]));
      resolve({ ready, lastAck: acks.length > 0 ? acks[acks.length - 1]! : ready });
    });
  });
}

test('crash: the embedded store killed with SIGKILL keeps every acknowledged write and invents none', async () => {
  const dir = tempDir();
  const rng = seededRng(2026);
  try {
    let expectedReady = 1;
    for (let round = 0; round < 6; round++) {
      const { ready, lastAck } = await crashRound(dir, 5 + rng.int(60));
      assert.is(ready, expectedReady, `round ${round}: the child resumed where the last recovery ended`);
      const recovered = openEmbeddedStore({ dataDir: dir, snapshotEvery: 25 }).mvcc;
      const rev = recovered.revision;
      // Everything acknowledged is there; at most the one write in flight when the kill came is too.
      assert.ok(rev >= lastAck && rev <= lastAck + 1, `round ${round}: recovered ${rev}, last ack ${lastAck}`);
      // And it holds exactly what the workload wrote up to that revision, replayed in memory.
      const model = new MvccStore();
      while (model.revision < rev) step(model);
      const all = { key: '\0', rangeEnd: '\0' };
      assert.equal(recovered.range(all).kvs, model.range(all).kvs, `round ${round}: contents at revision ${rev}`);
      recovered.close();
      expectedReady = rev;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
