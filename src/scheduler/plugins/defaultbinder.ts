// DefaultBinder: binds through the API server's pods/binding (plugins/defaultbinder/default_binder.go),
// carrying the GPU devices the GpuDevices plugin chose as an annotation on the binding.
import { Code, ConfigError, status, SUCCESS, type BindPlugin, type ClusterAccess, type CycleState, type PluginFactory, type Status } from '../framework.js';
import { GPU_DEVICES_ANNOTATION, type PodInfo } from '../podinfo.js';

export const NAME = 'DefaultBinder';

/** CycleState key under which a plugin (GpuDevices) leaves annotations for the binding. */
export const BINDING_ANNOTATIONS_KEY = 'DefaultBinder/annotations';

/** Lets a Reserve plugin ask for annotations on the binding (e.g. the GPU devices it chose). */
export function addBindingAnnotation(state: CycleState, key: string, value: string): void {
  const current = state.read<Record<string, string>>(BINDING_ANNOTATIONS_KEY) ?? {};
  state.write(BINDING_ANNOTATIONS_KEY, { ...current, [key]: value });
}

class DefaultBinder implements BindPlugin {
  readonly name = NAME;
  constructor(private readonly cluster: ClusterAccess | undefined) {}

  async bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    if (this.cluster === undefined) return status(Code.Error, 'DefaultBinder has no API access');
    const annotations = state.read<Record<string, string>>(BINDING_ANNOTATIONS_KEY);
    try {
      await this.cluster.bind(pod, nodeName, annotations);
      return SUCCESS;
    } catch (err) {
      return status(Code.Error, `binding rejected: ${(err as Error).message}`);
    }
  }
}

export const newDefaultBinder: PluginFactory = (handle) => {
  if (handle.args !== undefined && Object.keys(handle.args).length > 0) throw new ConfigError('DefaultBinder takes no arguments');
  return new DefaultBinder(handle.cluster);
};

export { GPU_DEVICES_ANNOTATION };
