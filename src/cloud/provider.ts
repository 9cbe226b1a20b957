// The contract between the simulated cloud and what manages capacity on it (the node-pool autoscaler, the
// cloud-controller-manager), shaped after Cluster Autoscaler's cloudprovider.CloudProvider / NodeGroup
// (cluster-autoscaler/cloudprovider/cloud_provider.go). Time comes from the injected clock.
import type { Node } from '../api/index.js';

/** One machine shape from the instance catalog (datasets/instance-catalog.csv). */
export interface InstanceType {
  readonly name: string;
  readonly cloud: string;
  readonly family: string;
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly gpus: number;
  readonly gpuModel: string;
  readonly arch: 'amd64' | 'arm64';
  /** On-demand price, USD per hour. */
  readonly pricePerHour: number;
  /** Spot price, USD per hour, if the catalog has one. */
  readonly spotPricePerHour?: number;
}

export type InstanceState = 'provisioning' | 'running' | 'unresponsive' | 'terminating' | 'terminated';

/** A VM of the simulated cloud. */
export interface CloudInstance {
  /** providerID, e.g. "drydock://pool-a/zone-1/i-0007". */
  readonly id: string;
  readonly pool: string;
  readonly zone: string;
  readonly nodeName: string;
  readonly spot: boolean;
  readonly state: InstanceState;
  /** When the VM was asked for, and when it started (ms, injected clock). */
  readonly requestedAt: number;
  readonly runningAt?: number;
  /** For spot VMs: when the 2-minute interruption notice was given. */
  readonly interruptionNoticeAt?: number;
}

/** A group of same-shape machines that scales as one (a NodePool; CA's NodeGroup). */
export interface NodeGroup {
  readonly id: string;
  minSize(): number;
  maxSize(): number;
  /** Machines asked for, whether running or still provisioning (NodeGroup.TargetSize). */
  targetSize(): number;
  /** Asks for `delta` more machines; throws if that would exceed maxSize (NodeGroup.IncreaseSize). */
  increaseSize(delta: number): void;
  /** Removes these nodes' machines; throws if that would go below minSize (NodeGroup.DeleteNodes). */
  deleteNodes(nodeNames: readonly string[]): void;
  /** Forgets machines asked for but not yet running (NodeGroup.DecreaseTargetSize; delta < 0). */
  decreaseTargetSize(delta: number): void;
  /** What a new node of this group looks like, for scale-up simulation (NodeGroup.TemplateNodeInfo). */
  templateNode(): Node;
  instances(): readonly CloudInstance[];
  /** USD per hour per machine (spot price when the pool is spot). */
  pricePerHour(): number;
}

export interface CloudProvider {
  readonly name: string;
  nodeGroups(): readonly NodeGroup[];
  /** The group a node belongs to (NodeGroupForNode), or undefined for nodes no group manages. */
  nodeGroupForNode(node: Node): NodeGroup | undefined;
  instance(providerId: string): CloudInstance | undefined;
}
