// Fixtures for the autoscaler tests: node groups as data, pending/bound pods, and a small in-memory
// CloudProvider (instances provision after a delay; the test registers them as Nodes with tick()).
import type { Node, Pod } from '../../src/api/index.js';
import type { ApiServer } from '../../src/apiserver/apiserver.js';
import { SharedInformerFactory } from '../../src/apiserver/informer.js';
import type { CloudInstance, CloudProvider, NodeGroup } from '../../src/cloud/provider.js';
import { Autoscaler, resolveAutoscalerSettings, type GroupState, type Observed } from '../../src/controllers/autoscaler/index.js';
import { createScheduler } from '../../src/scheduler/index.js';
import { seededRng } from '../../src/util/rng.js';
import { makeApi } from '../apiserver/fixtures.js';
import { makeNode, makePod } from '../scheduler/fixtures.js';

export const T0 = Date.UTC(2026, 10, 28);
export const S = 1000;
export const MIN = 60 * S;
export const GROUP_LABEL = 'drydock.io/node-group';

export interface GroupSpec {
  min?: number;
  max?: number;
  target?: number;
  cpu?: string;
  memory?: string;
  price?: number;
  labels?: Record<string, string>;
}

export function templateNode(id: string, spec: GroupSpec = {}): Node {
  let b = makeNode(`template-${id}`).capacity({ cpu: spec.cpu ?? '2', memory: spec.memory ?? '4Gi', pods: '110' }).label(GROUP_LABEL, id);
  for (const [k, v] of Object.entries(spec.labels ?? {})) b = b.label(k, v);
  return b.obj();
}

export function group(id: string, spec: GroupSpec = {}): GroupState {
  return {
    id,
    minSize: spec.min ?? 0,
    maxSize: spec.max ?? 10,
    targetSize: spec.target ?? 0,
    template: templateNode(id, spec),
    pricePerHour: spec.price ?? 0.1,
  };
}

/** A registered node of a group (same shape as its template). */
export function groupNode(name: string, g: GroupState): Node {
  const t = g.template;
  return { ...t, metadata: { ...t.metadata, name, labels: { ...t.metadata?.labels, 'kubernetes.io/hostname': name } } };
}

const OWNER = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: 'rs-1', controller: true }];

/** A pod the scheduler could not place: PodScheduled=False/Unschedulable, created at `created`. */
export function pendingPod(name: string, req: Record<string, string>, created = T0, extra: (b: ReturnType<typeof makePod>) => ReturnType<typeof makePod> = (b) => b): Pod {
  const p = extra(makePod(name).req(req)).obj();
  return {
    ...p,
    metadata: { ...p.metadata, creationTimestamp: new Date(created).toISOString(), ownerReferences: OWNER },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/0 nodes are available' } as never] },
  };
}

/** A running pod bound to `node`, owned by a ReplicaSet unless `extra` changes that. */
export function boundPod(name: string, node: string, req: Record<string, string>, extra: (b: ReturnType<typeof makePod>) => ReturnType<typeof makePod> = (b) => b): Pod {
  const p = extra(makePod(name).req(req).node(node)).obj();
  return { ...p, metadata: { ownerReferences: OWNER, ...p.metadata }, status: { phase: 'Running' } };
}

export function observed(parts: { groups: GroupState[]; nodes?: Node[]; pods?: Pod[]; pdbs?: Observed['pdbs'] }): Observed {
  const groupOfNode = new Map<string, string>();
  for (const n of parts.nodes ?? []) {
    const g = n.metadata?.labels?.[GROUP_LABEL];
    if (g !== undefined) groupOfNode.set(n.metadata?.name ?? '', g);
  }
  return { nodes: parts.nodes ?? [], pods: parts.pods ?? [], pdbs: parts.pdbs ?? [], groups: parts.groups, groupOfNode };
}

// ---- a fake cloud ---------------------------------------------------------------------------------------

interface FakeInstance {
  id: string;
  nodeName: string;
  requestedAt: number;
  registered: boolean;
}

export class FakeNodeGroup implements NodeGroup {
  readonly instancesList: FakeInstance[] = [];
  private seq = 0;
  /** Calls for assertions. */
  readonly calls: string[] = [];
  constructor(
    readonly id: string,
    private readonly spec: Required<Pick<GroupSpec, 'min' | 'max'>> & GroupSpec,
    private readonly now: () => number,
    /** How long a machine takes to register; Infinity = never. */
    public registrationDelay: number,
  ) {}
  minSize(): number {
    return this.spec.min;
  }
  maxSize(): number {
    return this.spec.max;
  }
  targetSize(): number {
    return this.instancesList.length;
  }
  increaseSize(delta: number): void {
    this.calls.push(`increaseSize(${delta})`);
    if (delta <= 0) throw new Error(`size increase must be positive, got ${delta}`);
    if (this.targetSize() + delta > this.maxSize()) throw new Error(`size increase too large: ${this.targetSize()} + ${delta} > max ${this.maxSize()}`);
    for (let i = 0; i < delta; i++) {
      const n = this.seq++;
      this.instancesList.push({ id: `fake://${this.id}/i-${n}`, nodeName: `${this.id}-${n}`, requestedAt: this.now(), registered: false });
    }
  }
  deleteNodes(nodeNames: readonly string[]): void {
    this.calls.push(`deleteNodes(${nodeNames.join(',')})`);
    if (this.targetSize() - nodeNames.length < this.minSize()) throw new Error(`min size reached: ${this.targetSize()} - ${nodeNames.length} < ${this.minSize()}`);
    for (const name of nodeNames) {
      const i = this.instancesList.findIndex((x) => x.nodeName === name);
      if (i < 0) throw new Error(`node ${name} is not in group ${this.id}`);
      this.instancesList.splice(i, 1);
    }
  }
  decreaseTargetSize(delta: number): void {
    this.calls.push(`decreaseTargetSize(${delta})`);
    if (delta >= 0) throw new Error(`size decrease must be negative, got ${delta}`);
    for (let k = 0; k < -delta; k++) {
      const i = this.instancesList.findIndex((x) => !x.registered);
      if (i < 0) throw new Error('attempt to delete existing nodes');
      this.instancesList.splice(i, 1);
    }
  }
  templateNode(): Node {
    return templateNode(this.id, this.spec);
  }
  instances(): readonly CloudInstance[] {
    return this.instancesList.map((x) => ({
      id: x.id,
      pool: this.id,
      zone: 'zone-a',
      nodeName: x.nodeName,
      spot: false,
      state: x.registered ? 'running' : 'provisioning',
      requestedAt: x.requestedAt,
    }));
  }
  pricePerHour(): number {
    return this.spec.price ?? 0.1;
  }
  node(name: string): Node {
    const t = this.templateNode();
    return { ...t, metadata: { name, labels: { ...t.metadata?.labels, 'kubernetes.io/hostname': name } } };
  }
}

export class FakeCloud implements CloudProvider {
  readonly name = 'fake';
  readonly groups: FakeNodeGroup[] = [];
  constructor(private readonly now: () => number) {}
  add(id: string, spec: GroupSpec & { min: number; max: number }, registrationDelay = MIN): FakeNodeGroup {
    const g = new FakeNodeGroup(id, spec, this.now, registrationDelay);
    this.groups.push(g);
    return g;
  }
  nodeGroups(): readonly NodeGroup[] {
    return this.groups;
  }
  nodeGroupForNode(node: Node): NodeGroup | undefined {
    const id = node.metadata?.labels?.[GROUP_LABEL];
    return this.groups.find((g) => g.id === id);
  }
  instance(providerId: string): CloudInstance | undefined {
    for (const g of this.groups) for (const i of g.instances()) if (i.id === providerId) return i;
    return undefined;
  }
  /** Registers machines whose delay has passed; returns the Nodes to create and the names to delete. */
  registerDue(known: ReadonlySet<string>): { create: Node[]; remove: string[] } {
    const create: Node[] = [];
    const alive = new Set<string>();
    for (const g of this.groups) {
      for (const x of g.instancesList) {
        alive.add(x.nodeName);
        if (!x.registered && x.requestedAt + g.registrationDelay <= this.now()) {
          x.registered = true;
          create.push(g.node(x.nodeName));
        }
      }
    }
    const remove = [...known].filter((n) => !alive.has(n) && this.groups.some((g) => n.startsWith(`${g.id}-`)));
    return { create, remove };
  }
  /** Applies registerDue through the API server (the cloud-controller-manager's part). */
  async tick(api: ApiServer): Promise<void> {
    const list = await api.list<Node>('nodes');
    const known = new Set(list.items.map((n) => n.metadata?.name ?? ''));
    const { create, remove } = this.registerDue(known);
    for (const n of create) await api.create('nodes', n as never);
    for (const n of remove) await api.delete('nodes', undefined, n, {});
  }
}

/**
 * The autoscaler end to end: the real API server, informers and scheduler, the autoscaler's loop, and a
 * FakeCloud with the given groups (added by the caller through `cloud`). Errors from the loop are collected
 * in `errors`, or thrown from the scan with `throwErrors`.
 */
export async function autoscalerWorld(expander: string, addGroups: (cloud: FakeCloud) => void, throwErrors = false) {
  const ctx = await makeApi();
  const informers = new SharedInformerFactory(ctx.api);
  const scheduler = createScheduler({ api: ctx.api, informers, clock: ctx.clock, rng: seededRng(1) });
  const cloud = new FakeCloud(() => ctx.clock.now());
  addGroups(cloud);
  const errors: unknown[] = [];
  const autoscaler = new Autoscaler({ api: ctx.api, informers, clock: ctx.clock, cloud, settings: resolveAutoscalerSettings({ expander }),
    onError: (e) => {
      if (throwErrors) throw e;
      errors.push(e);
    },
  });
  await scheduler.start();
  await autoscaler.start();
  /** One scan interval: time passes, machines register, the scheduler places what it can, the autoscaler scans. */
  const scan = async () => {
    ctx.clock.advance(10 * S);
    await cloud.tick(ctx.api);
    scheduler.flushQueues();
    await scheduler.runUntilIdle();
    return autoscaler.runOnce();
  };
  return { ...ctx, informers, scheduler, cloud, autoscaler, scan, errors };
}
