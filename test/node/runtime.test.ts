// Container runtimes: per-handler start latency and overhead, image pull time, and the refusal of rkt.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../src/api/index.js';
import { CONTAINERD, GVISOR, KATA, REFUSED, RUNTIMES, resolveRuntime } from '../../src/node/index.js';

function podWith(containers: number, initContainers = 0): Pod {
  const c = (i: number) => ({ name: `c${i}`, image: 'busybox' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: Array.from({ length: containers }, (_, i) => c(i)), initContainers: Array.from({ length: initContainers }, (_, i) => c(i)) },
  };
}

test('start latency and overhead per RuntimeClass handler (sandbox + n containers)', () => {
  // [handler, runtime, isolation, latency of a 2-container pod, overhead]
  const table: [string, string, string, number, object | undefined][] = [
    ['runc', 'containerd', 'container', 500 + 2 * 100, undefined], // 700 ms
    ['crio', 'cri-o', 'container', 500 + 2 * 100, undefined], // 700 ms
    ['docker', 'docker', 'container', 700 + 2 * 200, undefined], // 1100 ms (cri-dockerd hop)
    ['kata', 'kata-containers', 'vm', 1500 + 2 * 150, { cpu: '250m', memory: '160Mi' }], // 1800 ms: ~1 s VM boot
    ['runsc', 'gvisor', 'sandbox', 800 + 2 * 150, undefined], // 1100 ms
    ['virtlet', 'virtlet', 'vm', 500 + 2 * 10_000, { cpu: '100m', memory: '128Mi' }], // 20.5 s: guest OS boots
  ];
  assert.is(RUNTIMES.size, table.length);
  for (const [handler, name, isolation, latency, overhead] of table) {
    const r = RUNTIMES.get(handler)!;
    assert.equal([r.name, r.isolation, r.startLatencyMs(podWith(2)), r.podOverhead], [name, isolation, latency, overhead], handler);
    assert.ok(r.source.length > 0, `${handler} says where its numbers come from`);
  }
  // Init containers are created too: containerd, 1 init + 1 app: 500 + 2 x 100 = 700.
  assert.is(CONTAINERD.startLatencyMs(podWith(1, 1)), 700);
  assert.ok(KATA.startLatencyMs(podWith(1)) > GVISOR.startLatencyMs(podWith(1)));
  assert.ok(GVISOR.startLatencyMs(podWith(1)) > CONTAINERD.startLatencyMs(podWith(1)));
});

test('image pulls take size / bandwidth, rounded up to whole milliseconds', () => {
  const MiB = 1024 * 1024;
  assert.is(CONTAINERD.pullImageMs(140 * MiB, 100 * MiB), 1400); // 140 / 100 s
  assert.is(CONTAINERD.pullImageMs(1, 100 * MiB), 1); // 0.0000095 ms, rounded up
  assert.is(CONTAINERD.pullImageMs(0, 100 * MiB), 0);
});

test('rkt is refused as historical; unknown and unoffered handlers fail like containerd does', () => {
  const rkt = resolveRuntime('rkt');
  assert.is(rkt.ok, false);
  if (rkt.ok) return;
  assert.is(rkt.refusal.reason, 'FailedCreatePodSandBox');
  assert.match(rkt.refusal.message, /historical/);
  assert.match(rkt.refusal.message, /removed in 1\.11/);
  assert.match(rkt.refusal.message, /archived/);
  assert.is(REFUSED.get('rkt'), rkt.refusal);
  const unknown = resolveRuntime('youki');
  assert.equal(unknown.ok ? undefined : unknown.refusal.message, 'Failed to create pod sandbox: no runtime for "youki" is configured');
  const notOffered = resolveRuntime('kata', new Set(['runc']));
  assert.is(notOffered.ok, false);
  const ok = resolveRuntime('kata', new Set(['runc', 'kata']));
  assert.is(ok.ok && ok.runtime, KATA);
});

test.run();
