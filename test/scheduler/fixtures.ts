// Fluent fixtures for scheduler tests, shaped like kube-scheduler's st.MakeNode() / st.MakePod():
//   makeNode('n1').capacity({ cpu: '4', memory: '10Gi' }).label('zone', 'a').obj()
//   makePod('p').req({ cpu: '1', memory: '1Gi' }).req({ cpu: '500m' }).node('n1').obj()
// Note: upstream's Capacity({"cpu": "4000"}) means 4000 cores; write '4000' here for the same numbers.
import type { Node, Pod, Taint, Toleration } from '../../src/api/index.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import { NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

export class NodeBuilder {
  private readonly n: Mutable<Node>;
  constructor(name: string) {
    this.n = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { capacity: {}, allocatable: {}, conditions: [{ type: 'Ready', status: 'True' }] },
    } as Mutable<Node>;
  }
  /** Sets capacity and allocatable (pods defaults to 110 unless given). */
  capacity(res: Record<string, string>): this {
    const all = { pods: '110', ...res };
    this.n.status!.capacity = { ...all };
    this.n.status!.allocatable = { ...all };
    return this;
  }
  label(key: string, value: string): this {
    this.n.metadata!.labels = { ...this.n.metadata!.labels, [key]: value };
    return this;
  }
  taint(t: Taint): this {
    this.n.spec!.taints = [...(this.n.spec!.taints ?? []), t];
    return this;
  }
  unschedulable(): this {
    this.n.spec!.unschedulable = true;
    return this;
  }
  images(list: { names: string[]; sizeBytes: number }[]): this {
    this.n.status!.images = list;
    return this;
  }
  obj(): Node {
    return structuredClone(this.n) as Node;
  }
}

export class PodBuilder {
  private readonly p: Mutable<Pod>;
  constructor(name: string) {
    this.p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: {}, creationTimestamp: '2026-11-28T00:00:00Z' },
      spec: { containers: [] },
      status: { phase: 'Pending' },
    } as Mutable<Pod>;
  }
  /** Adds one container with these requests (like st.MakePod().Req()). */
  req(requests: Record<string, string>, image = 'registry.k8s.io/pause:3.10'): this {
    const i = this.p.spec!.containers!.length;
    this.p.spec!.containers!.push({ name: `c${i}`, image, resources: { requests: { ...requests } } } as never);
    return this;
  }
  /** Adds one container without requests (for the 100m / 200Mi non-zero defaults). */
  container(image = 'registry.k8s.io/pause:3.10'): this {
    const i = this.p.spec!.containers!.length;
    this.p.spec!.containers!.push({ name: `c${i}`, image } as never);
    return this;
  }
  namespace(ns: string): this {
    this.p.metadata!.namespace = ns;
    return this;
  }
  label(key: string, value: string): this {
    this.p.metadata!.labels = { ...this.p.metadata!.labels, [key]: value };
    return this;
  }
  annotation(key: string, value: string): this {
    this.p.metadata!.annotations = { ...this.p.metadata!.annotations, [key]: value };
    return this;
  }
  node(name: string): this {
    this.p.spec!.nodeName = name;
    return this;
  }
  priority(p: number): this {
    this.p.spec!.priority = p;
    return this;
  }
  toleration(t: Toleration): this {
    this.p.spec!.tolerations = [...(this.p.spec!.tolerations ?? []), t];
    return this;
  }
  /** Merges fields into spec (affinity, topologySpreadConstraints, nodeSelector ...). */
  spec(fields: Record<string, unknown>): this {
    Object.assign(this.p.spec!, structuredClone(fields));
    return this;
  }
  startTime(iso: string): this {
    this.p.status!.startTime = iso;
    return this;
  }
  obj(): Pod {
    return structuredClone(this.p) as Pod;
  }
  info(): PodInfo {
    return makePodInfo(this.obj());
  }
}

export const makeNode = (name: string) => new NodeBuilder(name);
export const makePod = (name: string) => new PodBuilder(name);

/** A cache and an up-to-date snapshot holding these nodes and assigned pods (pods need .node(...)). */
export function clusterOf(nodes: readonly Node[], pods: readonly Pod[] = []): { cache: NodeCache; snapshot: Snapshot } {
  const cache = new NodeCache();
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) cache.addPod(makePodInfo(p));
  const snapshot = new Snapshot();
  snapshot.update(cache);
  return { cache, snapshot };
}

/** The snapshot row of each named node, in the given order. */
export function rows(snapshot: Snapshot, ...names: string[]): number[] {
  return names.map((n) => {
    const r = snapshot.rowOf(n);
    if (r < 0) throw new Error(`no node ${n} in the snapshot`);
    return r;
  });
}
