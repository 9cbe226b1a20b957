import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  QuantityError,
  podRequests,
  podRequestsNonZero,
  type PodResourceRequests,
} from '../../src/api/index.js';
import { makePod, type PodBuilder } from './fixtures.js';

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

function requests(b: PodBuilder): PodResourceRequests {
  return podRequests(b.obj().spec);
}

test('podRequests: max(sum of containers, max of init containers) + overhead, per resource', () => {
  const table: [string, PodBuilder, Partial<PodResourceRequests>][] = [
    ['no containers', makePod(), { cpu: 0, memory: 0, 'ephemeral-storage': 0 }],
    ['one container', makePod().req({ cpu: '500m', memory: '1Gi' }), { cpu: 500, memory: Gi }],
    // 1000m + 500m = 1500m; 1Gi + 512Mi = 1.5 × 2^30
    ['containers add up', makePod().req({ cpu: '1', memory: '1Gi' }).req({ cpu: '500m', memory: '512Mi' }), { cpu: 1500, memory: 1.5 * Gi }],
    // init 2 cores > containers' 1 core: the init container sets the minimum
    ['init container larger', makePod().req({ cpu: '1' }).init({ cpu: '2' }), { cpu: 2000 }],
    // init containers run one at a time: max(1, 2) = 2, not 1 + 2
    ['init containers do not add up', makePod().req({ cpu: '500m' }).init({ cpu: '1' }).init({ cpu: '2' }), { cpu: 2000 }],
    ['init container smaller', makePod().req({ cpu: '3' }).init({ cpu: '2' }), { cpu: 3000 }],
    // each resource separately: cpu from the containers (2 > 1), memory from the init container (2Gi > 1Gi)
    ['max is per resource', makePod().req({ cpu: '2', memory: '1Gi' }).init({ cpu: '1', memory: '2Gi' }), { cpu: 2000, memory: 2 * Gi }],
    // overhead comes after the max: max(1, 2) + 0.1 = 2.1 cores
    ['overhead on top', makePod().req({ cpu: '1' }).init({ cpu: '2' }).overhead({ cpu: '100m', memory: '64Mi' }), { cpu: 2100, memory: 64 * Mi }],
    ['ephemeral storage in bytes', makePod().req({ 'ephemeral-storage': '10Gi' }), { 'ephemeral-storage': 10 * Gi }],
    // extended resources by Value(): 1 + 1 GPUs; hugepages in bytes
    ['extended resources', makePod().req({ 'nvidia.com/gpu': '1' }).req({ 'nvidia.com/gpu': '1', 'hugepages-2Mi': '4Mi' }), { 'nvidia.com/gpu': 2, 'hugepages-2Mi': 4 * Mi }],
    // Quantities add exactly before rounding: 0.5m + 0.5m = 1m (rounding each up first would give 2m).
    ['exact sum, then round up', makePod().req({ cpu: '500u' }).req({ cpu: '500u' }), { cpu: 1 }],
    ['a lone fraction rounds up', makePod().req({ cpu: '100u', memory: '0.5' }), { cpu: 1, memory: 1 }],
    // the canonical example: 0.1 cores
    ['decimal cpu', makePod().req({ cpu: '0.1' }), { cpu: 100 }],
  ];
  for (const [name, pod, want] of table) {
    const got = requests(pod);
    for (const [resource, amount] of Object.entries(want)) assert.is(got[resource], amount, `${name}: ${resource}`);
  }
  assert.equal(requests(makePod().req({ cpu: '1' })), { cpu: 1000, memory: 0, 'ephemeral-storage': 0 });
});

test('podRequests: sidecars (init containers with restartPolicy Always), upstream helpers_test.go cases', () => {
  // "restartable init container": the sidecar runs alongside: 1 + 1 = 2.
  assert.is(requests(makePod().req({ cpu: '1' }).sidecar({ cpu: '1' })).cpu, 2000);
  // "multiple restartable init containers": max(init-1 = 5, containers 1 + sidecars 1+2+3 = 7) = 7.
  assert.is(requests(makePod().req({ cpu: '1' }).init({ cpu: '5' }).sidecar({ cpu: '1' }).sidecar({ cpu: '2' }).sidecar({ cpu: '3' })).cpu, 7000);
  // "multiple restartable and regular init containers": init-2 needs 5 + the sidecars already running
  // (1+2) = 8; the sidecar that starts after it does not count; containers + sidecars = 1+1+2+3 = 7.
  assert.is(
    requests(makePod().req({ cpu: '1' }).init({ cpu: '5' }).sidecar({ cpu: '1' }).sidecar({ cpu: '2' }).init({ cpu: '5' }).sidecar({ cpu: '3' })).cpu,
    8000,
  );
  // "restartable-init, init and regular": containers 100 + sidecar 10 = 110; init-1 runs next to the
  // sidecar: 200 + 10 = 210; max = 210.
  assert.is(requests(makePod().req({ cpu: '100' }).sidecar({ cpu: '10' }).init({ cpu: '200' })).cpu, 210000);
  // An init container before any sidecar runs alone: max(3, 1 + 1) = 3.
  assert.is(requests(makePod().req({ cpu: '1' }).init({ cpu: '3' }).sidecar({ cpu: '1' })).cpu, 3000);
});

test('podRequests: pod-level requests replace cpu/memory/hugepages only', () => {
  // Containers ask 1 core and 1Gi; the pod asks 2 cores: cpu 2000, memory still 1Gi. A pod-level
  // extended resource is not a pod-level resource and is ignored; overhead still adds on top.
  const got = requests(
    makePod().req({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' }).podLevel({ cpu: '2', 'nvidia.com/gpu': '4' }).overhead({ cpu: '250m' }),
  );
  assert.is(got.cpu, 2250);
  assert.is(got.memory, Gi);
  assert.is(got['nvidia.com/gpu'], 1);
});

test('podRequestsNonZero: defaults for a container that names no cpu or memory request (scoring only)', () => {
  const cpuDefault = DEFAULT_MILLI_CPU_REQUEST;
  const memDefault = DEFAULT_MEMORY_REQUEST;
  assert.is(cpuDefault, 100); // pod_resources.go: 0.1 core
  assert.is(memDefault, 200 * Mi); // pod_resources.go: 200 MB (MiB)
  const table: [string, PodBuilder, number, number][] = [
    // [name, pod, cpu, memory]
    ['best-effort container', makePod().req(), 100, 200 * Mi],
    ['two best-effort containers: per container', makePod().req().req(), 200, 400 * Mi],
    // cpu named (even 0) stays as written; memory missing gets 200Mi
    ['explicit zero stays zero', makePod().req({ cpu: '0' }), 0, 200 * Mi],
    ['500m + a container without cpu: 500 + 100', makePod().req({ cpu: '500m', memory: '1Gi' }).req({ memory: '1Mi' }), 600, Gi + Mi],
    // init containers get the defaults too: max(50, 100) = 100 cpu; max(200Mi, 200Mi) memory
    ['init container without requests', makePod().req({ cpu: '50m' }).initContainer({ name: 'i' }), 100, 200 * Mi],
    // overhead is not defaulted, it is added: 100 + 50
    ['overhead added after defaults', makePod().req().overhead({ cpu: '50m' }), 150, 200 * Mi],
  ];
  for (const [name, pod, cpu, memory] of table) {
    const got = podRequestsNonZero(pod.obj().spec);
    assert.is(got.cpu, cpu, `${name}: cpu`);
    assert.is(got.memory, memory, `${name}: memory`);
  }
  // The plain request of a best-effort pod is 0: the defaults exist only for scoring.
  assert.is(requests(makePod().req()).cpu, 0);
  // Extended resources are untouched by the defaults.
  assert.is(podRequestsNonZero(makePod().req({ 'nvidia.com/gpu': '1' }).obj().spec)['nvidia.com/gpu'], 1);
});

test('podRequests: a bad quantity names the field it came from', () => {
  const pod = makePod().req({ cpu: '1' }).req({ cpu: '12Gx' }).obj();
  assert.throws(
    () => podRequests(pod.spec, 'pod default/p: spec'),
    (e: unknown) =>
      e instanceof QuantityError &&
      e.message === 'pod default/p: spec.containers[1].resources.requests[cpu]: "12Gx" is not a quantity: unknown suffix "Gx" (expected e.g. 500m, 1.5, 2Gi, 512M, 1e3)',
  );
  assert.throws(() => podRequests(makePod().overhead({ memory: '1GB' }).obj().spec), /^spec\.overhead\[memory\]: "1GB"/);
  assert.throws(() => podRequests(makePod().init({ cpu: '' }).obj().spec), /^spec\.initContainers\[0\]\.resources\.requests\[cpu\]: "" is not a quantity/);
});

test.run();
