// makePodInfo's requests against podRequests / podRequestsNonZero computed afresh. PodInfo shares the
// summed requests of pods whose containers ask for the same quantities (by their text); drawing the texts
// from small pools makes such repeats common, with containers that name or omit cpu and memory (the
// non-zero defaults), extended resources, and now and then an init container or overhead (no sharing).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { podRequests, podRequestsNonZero, type Pod } from '../../src/api/index.js';
import { makePodInfo } from '../../src/scheduler/podinfo.js';

const cpu = fc.option(fc.constantFrom('100m', '0.1', '250m', '1', '0'), { nil: undefined, freq: 2 });
const memory = fc.option(fc.constantFrom('500Mi', '524288000', '1Gi', '0'), { nil: undefined, freq: 2 });
const gpu = fc.option(fc.constantFrom('1', '2'), { nil: undefined, freq: 2 });
const requests = fc.record({ cpu, memory, 'nvidia.com/gpu': gpu }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>);
const container = fc.record({ requests, named: fc.boolean() });

function podOf(i: number, containers: { requests: Record<string, string>; named: boolean }[], init: Record<string, string> | undefined, overhead: boolean): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` },
    spec: {
      containers: containers.map((c, k) => ({ name: `c${k}`, image: 'pause', ...(c.named || Object.keys(c.requests).length > 0 ? { resources: { requests: c.requests } } : {}) })),
      ...(init !== undefined ? { initContainers: [{ name: 'init', image: 'pause', resources: { requests: init } }] } : {}),
      ...(overhead ? { overhead: { cpu: '50m', memory: '10Mi' } } : {}),
    },
  } as Pod;
}

test('makePodInfo has exactly the requests podRequests and podRequestsNonZero compute, pod after pod', () => {
  let i = 0;
  let shared = 0;
  fc.assert(
    fc.property(fc.array(container, { minLength: 1, maxLength: 3 }), fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: requests, weight: 1 }), fc.integer({ min: 0, max: 6 }), (containers, init, o) => {
      const pod = podOf(i++, containers, init, o === 0);
      const info = makePodInfo(pod);
      if (init === undefined && o !== 0) shared++;
      const req = podRequests(pod.spec);
      const nz = podRequestsNonZero(pod.spec);
      assert.equal([info.cpu, info.memory, info.gpus], [req.cpu, req.memory, req['nvidia.com/gpu'] ?? 0], 'requests');
      assert.equal([info.nonZeroCpu, info.nonZeroMemory], [nz.cpu, nz.memory], 'non-zero requests');
      assert.equal([...info.scalars], Object.entries(req).filter(([n, v]) => n === 'nvidia.com/gpu' && v > 0), 'extended resources');
    }),
    { numRuns: 500, seed: 20261128 },
  );
  assert.ok(shared > 300, `${shared} pods whose requests could be shared`);
});

test('the same request texts in another order of containers give the same sums; a container naming none gets the defaults', () => {
  const a = makePodInfo(podOf(1, [{ requests: { cpu: '250m' }, named: true }, { requests: {}, named: false }], undefined, false));
  const b = makePodInfo(podOf(2, [{ requests: {}, named: false }, { requests: { cpu: '250m' }, named: true }], undefined, false));
  // cpu: 250m + 0; non-zero: 250m + 100m (DefaultMilliCPURequest) and 200Mi + 200Mi (DefaultMemoryRequest).
  assert.equal([a.cpu, a.nonZeroCpu, a.nonZeroMemory], [250, 350, 2 * 200 * 1024 * 1024]);
  assert.equal([b.cpu, b.nonZeroCpu, b.nonZeroMemory], [250, 350, 2 * 200 * 1024 * 1024]);
});

test('the scheduler\'s assumed PodInfo (the queued one with the new object and nodeName) is what makePodInfo makes of that object', () => {
  // assumeAndBind derives the assumed pod's PodInfo from the queued one instead of calling makePodInfo again;
  // that holds only if no field of a PodInfo depends on anything but what the assumed object shares.
  fc.assert(
    fc.property(
      fc.array(container, { minLength: 1, maxLength: 3 }),
      fc.option(requests, { nil: undefined }),
      fc.boolean(),
      fc.record({ labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('a', 'b')), priority: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }), datasets: fc.option(fc.constantFrom('d1', 'd1,d2'), { nil: undefined }) }),
      (containers, init, overhead, extra) => {
        const base = podOf(1, containers, init, overhead);
        const pod: Pod = {
          ...base,
          metadata: { ...base.metadata, labels: extra.labels, creationTimestamp: '2026-01-01T00:00:00Z', ...(extra.datasets !== undefined ? { annotations: { 'drydock.io/datasets': extra.datasets } } : {}) },
          spec: { ...base.spec, ...(extra.priority !== undefined ? { priority: extra.priority } : {}), tolerations: [{ key: 'k', operator: 'Exists' }] },
        };
        const queued = makePodInfo(pod);
        const assumedObject: Pod = { ...pod, spec: { ...pod.spec, nodeName: 'n7' } };
        assert.equal({ ...queued, pod: assumedObject, nodeName: 'n7' }, makePodInfo(assumedObject));
      },
    ),
    { numRuns: 300, seed: 20261128 },
  );
});

test.run();
