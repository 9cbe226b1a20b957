// Container runtimes behind one CRI-shaped interface, chosen per pod by its RuntimeClass handler
// (node.k8s.io/v1 RuntimeClass.handler; a pod without runtimeClassName gets the kubelet's default runtime).
// What a simulated runtime contributes is time and resources: how long RunPodSandbox and each
// CreateContainer+StartContainer take, how long an image pull takes, and the pod overhead its RuntimeClass
// should declare. Every figure below says where it comes from; "assumption" marks those that are drydock's
// own estimate, not a published number. Image pulls are the same for every runtime here (the CRI image
// service pulls on the host; Kata's guest-pull and Virtlet's qcow2 images are not modelled differently).
import type { Pod, ResourceList } from '../api/index.js';

/** The isolation a handler gives: shared-kernel containers, a user-space kernel, or a VM per pod. */
export type Isolation = 'container' | 'sandbox' | 'vm';

export interface ContainerRuntime {
  /** The runtime's own name, e.g. "containerd", "kata-containers". */
  readonly name: string;
  /** The RuntimeClass handler that selects it (CRI RunPodSandboxRequest.runtime_handler). */
  readonly handler: string;
  /** What node.status.nodeInfo.containerRuntimeVersion shows when this is the node's default runtime. */
  readonly version: string;
  readonly isolation: Isolation;
  /** RunPodSandbox: pause container / VM boot and pod network setup, in ms. */
  readonly sandboxStartMs: number;
  /** CreateContainer + StartContainer for one container, in ms. */
  readonly containerStartMs: number;
  /** The overhead a RuntimeClass for this handler should declare (overhead.podFixed), if any. */
  readonly podOverhead?: ResourceList;
  /** Where the numbers come from. */
  readonly source: string;
  /** Time from admission to all containers running, not counting image pulls. */
  startLatencyMs(pod: Pod): number;
  /** How long pulling an image of this size takes at this bandwidth (the CRI PullImage call). */
  pullImageMs(sizeBytes: number, bandwidthBytesPerSecond: number): number;
}

/** A handler drydock knows but will not run, with the reason a pod that asks for it fails. */
export interface RuntimeRefusal {
  readonly handler: string;
  readonly reason: string;
  readonly message: string;
}

interface RuntimeSpec {
  readonly name: string;
  readonly handler: string;
  readonly version: string;
  readonly isolation: Isolation;
  readonly sandboxStartMs: number;
  readonly containerStartMs: number;
  readonly podOverhead?: ResourceList;
  readonly source: string;
}

function defineRuntime(spec: RuntimeSpec): ContainerRuntime {
  return {
    ...spec,
    startLatencyMs(pod: Pod): number {
      const containers = pod.spec.containers.length + (pod.spec.initContainers?.length ?? 0);
      return spec.sandboxStartMs + containers * spec.containerStartMs;
    },
    pullImageMs(sizeBytes: number, bandwidthBytesPerSecond: number): number {
      // Whole milliseconds, rounded up, so a pull is never free and timestamps stay integral.
      return Math.ceil((sizeBytes * 1000) / bandwidthBytesPerSecond);
    },
  };
}

/** containerd with runc, the default: the baseline every other runtime is compared with. */
export const CONTAINERD = defineRuntime({
  name: 'containerd',
  handler: 'runc',
  version: 'containerd://2.0.2',
  isolation: 'container',
  // Assumption: 500 ms for the pause sandbox plus CNI setup, 100 ms per runc container. Kubernetes' own
  // SLO for pod startup without image pulls is p99 <= 5 s (sig-scalability slos/pod_startup_latency.md);
  // a lightly loaded node is far inside it.
  sandboxStartMs: 500,
  containerStartMs: 100,
  source: 'assumption (order of magnitude of runc create/start plus CNI ADD); Kubernetes pod startup SLO p99 <= 5 s',
});

export const CRIO = defineRuntime({
  name: 'cri-o',
  handler: 'crio',
  version: 'cri-o://1.32.0',
  isolation: 'container',
  sandboxStartMs: 500,
  containerStartMs: 100,
  source: 'assumption: same as containerd (both drive runc; CRI-O runs conmon per container)',
});

export const DOCKER = defineRuntime({
  name: 'docker',
  handler: 'docker',
  version: 'docker://27.4.1',
  isolation: 'container',
  // Moby through cri-dockerd (dockershim was removed from the kubelet in 1.24): one more gRPC/HTTP hop per call.
  sandboxStartMs: 700,
  containerStartMs: 200,
  source: 'assumption: containerd figures plus the cri-dockerd -> dockerd -> containerd hops',
});

export const KATA = defineRuntime({
  name: 'kata-containers',
  handler: 'kata',
  version: 'containerd://2.0.2',
  isolation: 'vm',
  // A lightweight VM boots per pod: ~1 s on top of the normal sandbox setup (assumption from published
  // comparisons, which put Kata's cold start between ~0.1 s with Firecracker and ~1-2 s with QEMU).
  sandboxStartMs: 1500,
  containerStartMs: 150,
  // kata-deploy's RuntimeClass declares overhead.podFixed memory 160Mi, cpu 250m
  // (kata-containers/packaging kata-deploy/k8s-1.18/kata-runtimeClasses.yaml, adopted by openshift/kata-operator).
  podOverhead: { cpu: '250m', memory: '160Mi' },
  source: 'overhead: kata-deploy kata-runtimeClasses.yaml (250m, 160Mi); boot ~1 s: assumption',
});

export const GVISOR = defineRuntime({
  name: 'gvisor',
  handler: 'runsc',
  version: 'containerd://2.0.2',
  isolation: 'sandbox',
  // The Sentry (user-space kernel) and Gofer start per sandbox: assumption of ~300 ms more than runc, and
  // slower container creation through the Sentry.
  sandboxStartMs: 800,
  containerStartMs: 150,
  // Assumption: no declared overhead (GKE Sandbox's gvisor RuntimeClass declares none; the Sentry's memory
  // is charged to the pod's own cgroup).
  source: 'assumption: runc + ~300 ms sandbox start (gVisor documents startup as a cost of the Sentry, without a fixed figure)',
});

export const VIRTLET = defineRuntime({
  name: 'virtlet',
  handler: 'virtlet',
  version: 'virtlet://1.5.1',
  isolation: 'vm',
  // Virtlet runs a full VM image (qcow2) with libvirt/QEMU per pod; the "container" is the VM, whose
  // guest OS boot dominates: assumption 10 s. Overhead: assumption of one QEMU process (~0.1 cpu, 128Mi).
  sandboxStartMs: 500,
  containerStartMs: 10_000,
  podOverhead: { cpu: '100m', memory: '128Mi' },
  source: 'assumption: full guest OS boot ~10 s; QEMU overhead 100m/128Mi',
});

/** Every runtime drydock can run, by handler. */
export const RUNTIMES: ReadonlyMap<string, ContainerRuntime> = new Map(
  [CONTAINERD, CRIO, DOCKER, KATA, GVISOR, VIRTLET].map((r) => [r.handler, r]),
);

export const DEFAULT_RUNTIME_HANDLER = CONTAINERD.handler;

/**
 * rkt is history: the in-tree integration (rktnetes) was deprecated in Kubernetes 1.10 (kubernetes#58418)
 * and its code removed in 1.11 (kubernetes#61995); the CNCF archived the rkt project on 2019-08-16 and the
 * rkt/rkt repository was archived in February 2020 (rkt/rkt#4024).
 */
export const REFUSED: ReadonlyMap<string, RuntimeRefusal> = new Map([
  [
    'rkt',
    {
      handler: 'rkt',
      reason: 'FailedCreatePodSandBox',
      message:
        'Failed to create pod sandbox: no runtime for "rkt" is configured: rkt is a historical runtime (rktnetes was deprecated in Kubernetes 1.10 and removed in 1.11; the CNCF archived rkt in 2019 and its repository in 2020); use a RuntimeClass with handler "runc" (containerd), "crio", "kata" or "runsc" instead',
    },
  ],
]);

export type RuntimeResolution =
  | { readonly ok: true; readonly runtime: ContainerRuntime }
  | { readonly ok: false; readonly refusal: RuntimeRefusal };

/**
 * The runtime for a handler on a node offering `available` handlers (default: all of RUNTIMES). An unknown
 * or unavailable handler fails as containerd does ("no runtime for ... is configured").
 */
export function resolveRuntime(handler: string, available?: ReadonlySet<string>): RuntimeResolution {
  const refused = REFUSED.get(handler);
  if (refused !== undefined) return { ok: false, refusal: refused };
  const runtime = RUNTIMES.get(handler);
  if (runtime === undefined || (available !== undefined && !available.has(handler))) {
    return {
      ok: false,
      refusal: {
        handler,
        reason: 'FailedCreatePodSandBox',
        message: `Failed to create pod sandbox: no runtime for ${JSON.stringify(handler)} is configured`,
      },
    };
  }
  return { ok: true, runtime };
}
