// A simulated kubelet for every Node object: when a Node appears (created by a user, or by the cloud's node
// controller), a kubelet adopts it and starts; when the Node goes, its kubelet stops. This is what makes
// `drydock serve` a cluster whose pods run, report Ready and finish.
import type { ApiServer } from '../apiserver/apiserver.js';
import type { SharedInformerFactory } from '../apiserver/informer.js';
import type { Node } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import { createKubelet, type Kubelet, type KubeletOptions } from './kubelet.js';

export interface KubeletFleetOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  /** Options for every kubelet besides api/informers/clock/nodeName. */
  readonly kubelet?: Omit<KubeletOptions, 'api' | 'informers' | 'clock' | 'nodeName' | 'register'>;
  readonly onError?: (nodeName: string, err: unknown) => void;
}

export class KubeletFleet {
  private readonly kubelets = new Map<string, Kubelet>();
  private stopped = false;

  constructor(private readonly options: KubeletFleetOptions) {
    options.informers.informer<Node>('nodes').addEventHandler({
      onAdd: (n) => this.adopt(n.metadata?.name ?? ''),
      onDelete: (n) => this.release(n.metadata?.name ?? ''),
    });
  }

  /** The kubelet of a node, if one runs there. */
  kubelet(nodeName: string): Kubelet | undefined {
    return this.kubelets.get(nodeName);
  }

  get size(): number {
    return this.kubelets.size;
  }

  private adopt(nodeName: string): void {
    if (this.stopped || nodeName === '' || this.kubelets.has(nodeName)) return;
    const { api, informers, clock, kubelet, onError } = this.options;
    const k = createKubelet({ ...kubelet, api, informers, clock, nodeName, onError: (err) => onError?.(nodeName, err) });
    this.kubelets.set(nodeName, k);
    k.start().catch((err: unknown) => onError?.(nodeName, err));
  }

  private release(nodeName: string): void {
    this.kubelets.get(nodeName)?.stop();
    this.kubelets.delete(nodeName);
  }

  stop(): void {
    this.stopped = true;
    for (const k of this.kubelets.values()) k.stop();
    this.kubelets.clear();
  }
}
