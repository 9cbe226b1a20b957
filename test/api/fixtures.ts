// Fluent fixtures for the api tests: makePod().req({ cpu: '3' }).obj().

import type { Container, Pod, PodSpec, ResourceList, Toleration } from '../../src/api/index.js';

export class PodBuilder {
  private spec: PodSpec = { containers: [] };

  constructor(private readonly name: string) {}

  /** Adds a container requesting `requests` (absent: a container with no requests at all). */
  req(requests?: ResourceList): this {
    return this.container({ name: `c${this.spec.containers.length}`, ...(requests === undefined ? {} : { resources: { requests } }) });
  }

  container(c: Container): this {
    this.spec = { ...this.spec, containers: [...this.spec.containers, c] };
    return this;
  }

  /** Adds a regular init container. */
  init(requests: ResourceList): this {
    return this.initContainer({ name: `i${this.spec.initContainers?.length ?? 0}`, resources: { requests } });
  }

  /** Adds a sidecar: an init container with restartPolicy Always. */
  sidecar(requests: ResourceList): this {
    return this.initContainer({ name: `s${this.spec.initContainers?.length ?? 0}`, restartPolicy: 'Always', resources: { requests } });
  }

  initContainer(c: Container): this {
    this.spec = { ...this.spec, initContainers: [...(this.spec.initContainers ?? []), c] };
    return this;
  }

  overhead(overhead: ResourceList): this {
    this.spec = { ...this.spec, overhead };
    return this;
  }

  podLevel(requests: ResourceList): this {
    this.spec = { ...this.spec, resources: { requests } };
    return this;
  }

  tolerate(...tolerations: Toleration[]): this {
    this.spec = { ...this.spec, tolerations: [...(this.spec.tolerations ?? []), ...tolerations] };
    return this;
  }

  with(fields: Partial<PodSpec>): this {
    this.spec = { ...this.spec, ...fields };
    return this;
  }

  obj(): Pod {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: this.name, namespace: 'default' }, spec: this.spec };
  }
}

export function makePod(name = 'p'): PodBuilder {
  return new PodBuilder(name);
}
