// The documents kubectl and @kubernetes/client-node read before they touch a resource, generated from the kinds
// table (src/api/types.ts) and the subresources the server serves:
//
//   /version                      version()                   version.Info
//   /api                          apiVersions(address)        legacy APIVersions
//   /apis                         apiGroupList()              legacy APIGroupList
//   /api/v1, /apis/<g>/<v>        apiResourceList(gv)         APIResourceList (undefined: not served → 404)
//   /openapi/v3                   openApiV3Root()             kube-openapi handler3 discovery
//   /openapi/v3/api/v1?hash=…     openApiV3GroupVersion(p)    OpenAPI 3.0 document (undefined → 404)
//
// Shapes: k8s.io/apimachinery pkg/apis/meta/v1 types.go (APIVersions, APIGroupList, APIResourceList);
// kube-openapi pkg/handler3 (OpenAPIV3Discovery); what kubectl v1.32 reads is in
// /work/shared/reference/etcd-and-apiserver.md §4.
//
// The OpenAPI documents are deliberately partial. Each kind gets the PATCH operation on its item path with
// `x-kubernetes-group-version-kind` and the dryRun/fieldManager/fieldValidation/force query parameters, which is
// what kubectl's query-parameter verifier looks for (cli-runtime pkg/resource/query_param_verifier_v3.go), so
// `kubectl apply` sends fieldValidation=Strict and skips client-side validation. The PATCH request body does NOT
// list application/strategic-merge-patch+json: kubectl's apply patcher (kubectl pkg/cmd/apply/patcher.go
// gvkSupportsPatchOpenAPIV3) would otherwise compute strategic merge patches from our schemas, which carry no
// patch-merge keys; without it kubectl falls back to its compiled-in Go types for built-in kinds (exact SMP) and
// to JSON merge patch for NodePool. Component schemas describe each kind's top-level fields, so that
// `kubectl explain <kind>` has something to show.

import { createHash } from 'node:crypto';
import { kinds } from '../api/index.js';
import type { Kind, KindInfo } from '../api/index.js';

// ---------------------------------------------------------------------------------------------------------
// Wire shapes

export interface ServerAddressByClientCIDR {
  readonly clientCIDR: string;
  readonly serverAddress: string;
}

export interface APIVersions {
  readonly kind: 'APIVersions';
  readonly versions: readonly string[];
  readonly serverAddressByClientCIDRs: readonly ServerAddressByClientCIDR[];
}

export interface GroupVersionForDiscovery {
  readonly groupVersion: string;
  readonly version: string;
}

export interface APIGroup {
  readonly name: string;
  readonly versions: readonly GroupVersionForDiscovery[];
  readonly preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  readonly kind: 'APIGroupList';
  readonly apiVersion: 'v1';
  readonly groups: readonly APIGroup[];
}

export interface APIResource {
  /** Plural resource, or "<resource>/<subresource>". */
  readonly name: string;
  /** "" for subresources, as upstream. */
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

export interface APIResourceList {
  readonly kind: 'APIResourceList';
  /** Present on /apis/<g>/<v> and absent on /api/v1, as kube-apiserver answers. */
  readonly apiVersion?: 'v1';
  readonly groupVersion: string;
  readonly resources: readonly APIResource[];
}

export interface OpenAPIV3Root {
  readonly paths: Readonly<Record<string, { readonly serverRelativeURL: string }>>;
}

/** An OpenAPI 3.0 document; the part of it we generate is typed loosely. */
export interface OpenAPIV3Document {
  readonly openapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, unknown>> };
}

/** k8s.io/apimachinery pkg/version Info. */
export interface VersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

// ---------------------------------------------------------------------------------------------------------
// What is served

/** The Kubernetes release drydock's API surface imitates (kubectl warns when client and server minors differ by more than one). */
export const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' } as const;

/**
 * `/version`. gitVersion is "v1.32.0+drydock": semver build metadata (as k3s does with "+k3s1") keeps version
 * comparisons and the gcloud kubectl dispatcher's minor-version pick working while saying what answers. Fields
 * that describe a Go build describe the Node.js process instead (compiler "node", goVersion = Node's version);
 * buildDate is fixed unless given, so responses are deterministic.
 */
export function version(options: { readonly buildDate?: string; readonly platform?: string } = {}): VersionInfo {
  const { major, minor, patch } = KUBERNETES_VERSION;
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}+drydock`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: options.buildDate ?? '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: options.platform ?? `${process.platform}/${goArch(process.arch)}`,
  };
}

function goArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

export type SubresourceName = 'status' | 'binding';

export interface SubresourceInfo {
  readonly kind: Kind;
  readonly subresource: SubresourceName;
  /** The kind the subresource takes and returns (Binding for pods/binding). */
  readonly responseKind: string;
  readonly verbs: readonly string[];
}

const statusVerbs = Object.freeze(['get', 'patch', 'update']);

/** The subresources the API server serves; discovery lists exactly these. */
export const subresources: readonly SubresourceInfo[] = Object.freeze([
  { kind: 'Pod', subresource: 'binding', responseKind: 'Binding', verbs: Object.freeze(['create']) },
  { kind: 'Pod', subresource: 'status', responseKind: 'Pod', verbs: statusVerbs },
  { kind: 'Node', subresource: 'status', responseKind: 'Node', verbs: statusVerbs },
  { kind: 'Deployment', subresource: 'status', responseKind: 'Deployment', verbs: statusVerbs },
  { kind: 'ReplicaSet', subresource: 'status', responseKind: 'ReplicaSet', verbs: statusVerbs },
  { kind: 'Job', subresource: 'status', responseKind: 'Job', verbs: statusVerbs },
  { kind: 'NodePool', subresource: 'status', responseKind: 'NodePool', verbs: statusVerbs },
] satisfies SubresourceInfo[]);

const allVerbs = Object.freeze(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);

/** The verbs discovery lists for a kind: all eight, except that upstream serves no deletecollection on namespaces. */
export function resourceVerbs(kind: Kind): readonly string[] {
  return kind === 'Namespace' ? allVerbs.filter((v) => v !== 'deletecollection') : allVerbs;
}

/** The kinds upstream puts in the "all" category (`kubectl get all`). */
const categoryAll: ReadonlySet<Kind> = new Set<Kind>(['Pod', 'Service', 'Deployment', 'ReplicaSet', 'Job']);

// ---------------------------------------------------------------------------------------------------------
// Group versions

const kindNames = Object.keys(kinds) as Kind[];

/** "v1" for the core group, "<group>/<version>" otherwise. */
function groupVersionOf(info: KindInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/**
 * kube-apiserver orders /apis by APIService group priority; this is that order for the built-in groups, and
 * groups it does not know (drydock.io) come after them by name, as CRD groups do.
 */
const upstreamGroupOrder = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
];

function groupRank(group: string): number {
  const i = upstreamGroupOrder.indexOf(group);
  return i < 0 ? upstreamGroupOrder.length : i;
}

/** Named groups (not the core group) with their versions, in /apis order. */
function namedGroups(): { name: string; versions: string[] }[] {
  const byGroup = new Map<string, string[]>();
  for (const k of kindNames) {
    const { group, version } = kinds[k];
    if (group === '') continue;
    const versions = byGroup.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    byGroup.set(group, versions);
  }
  return [...byGroup]
    .map(([name, versions]) => ({ name, versions }))
    .sort((a, b) => groupRank(a.name) - groupRank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every served group version: "v1" first, then "<group>/<version>" in /apis order. */
export function servedGroupVersions(): string[] {
  const core = [...new Set(kindNames.filter((k) => kinds[k].group === '').map((k) => kinds[k].version))];
  return [...core, ...namedGroups().flatMap((g) => g.versions.map((v) => `${g.name}/${v}`))];
}

// ---------------------------------------------------------------------------------------------------------
// /api, /apis, /api/v1, /apis/<g>/<v>

/** `/api`: the core group's versions and the address clients should use. */
export function apiVersions(serverAddress: string): APIVersions {
  const versions = servedGroupVersions().filter((gv) => !gv.includes('/'));
  return {
    kind: 'APIVersions',
    versions,
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/**
 * `/apis`: every named group; each has an APIResourceList at /apis/<group>/<version>. `aggregated` groups
 * (APIServices served by another component, src/apiserver/aggregator.ts) come last, as their
 * groupPriorityMinimum puts metrics.k8s.io after the built-in groups.
 */
export function apiGroupList(aggregated: readonly { name: string; versions: readonly string[] }[] = []): APIGroupList {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...namedGroups(), ...aggregated].map((g) => {
      const versions = g.versions.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
      return { name: g.name, versions, preferredVersion: versions[0]! };
    }),
  };
}

/**
 * `/api/v1` (groupVersion "v1") and `/apis/<group>/<version>` ("apps/v1"): the resources and subresources of that
 * group version, sorted by name as kube-apiserver lists them. undefined for a group version that is not served.
 */
export function apiResourceList(groupVersion: string): APIResourceList | undefined {
  const members = kindNames.filter((k) => groupVersionOf(kinds[k]) === groupVersion);
  if (members.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const k of members) {
    const info = kinds[k];
    resources.push({
      name: info.resource,
      singularName: info.singularName,
      namespaced: info.namespaced,
      kind: k,
      verbs: resourceVerbs(k),
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(categoryAll.has(k) ? { categories: ['all'] } : {}),
    });
    for (const sub of subresources) {
      if (sub.kind !== k) continue;
      resources.push({
        name: `${info.resource}/${sub.subresource}`,
        singularName: '',
        namespaced: info.namespaced,
        kind: sub.responseKind,
        verbs: sub.verbs,
      });
    }
  }
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return groupVersion.includes('/')
    ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources }
    : { kind: 'APIResourceList', groupVersion, resources };
}

// ---------------------------------------------------------------------------------------------------------
// OpenAPI v3

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise: the keys of /openapi/v3's paths. */
export function openApiV3Path(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

/** The group version behind an /openapi/v3 path key, or the group version itself. */
function groupVersionOfPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/^openapi\/v3\//, '');
  if (p.startsWith('apis/')) return p.slice('apis/'.length);
  if (p.startsWith('api/')) return p.slice('api/'.length);
  return p;
}

/** kube-openapi names definitions after the Go package: io.k8s.api.core.v1.Pod; CRDs reverse their group. */
export function schemaName(kind: Kind): string {
  const { group, version } = kinds[kind];
  if (group === '') return `io.k8s.api.core.${version}.${kind}`;
  if (group.endsWith('.k8s.io')) return `io.k8s.api.${group.slice(0, -'.k8s.io'.length)}.${version}.${kind}`;
  if (!group.includes('.')) return `io.k8s.api.${group}.${version}.${kind}`;
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The operationId prefix upstream derives from the group: Core, Apps, Coordination, Scheduling, DrydockIo. */
function operationGroup(group: string): string {
  if (group === '') return 'Core';
  const name = group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return name
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
}

const objectMetaSchema = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const patchSchema = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

const str = (description: string): object => ({ type: 'string', description });
const obj = (description: string): object => ({ type: 'object', description });
const typeMetaFields = {
  apiVersion: str(
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  ),
  kind: str(
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  ),
  metadata: {
    allOf: [{ $ref: `#/components/schemas/${objectMetaSchema}` }],
    default: {},
    description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  },
};
const specStatus = (what: string): Record<string, object> => ({
  spec: obj(`Specification of the desired behavior of the ${what}.`),
  status: obj(`Most recently observed status of the ${what}. Populated by the system. Read-only.`),
});

/** Each kind's fields besides apiVersion/kind/metadata (k8s.io/api types; drydock's NodePool). */
const topLevelFields: Readonly<Record<Kind, Record<string, object>>> = {
  Namespace: specStatus('Namespace'),
  Node: specStatus('node'),
  Pod: specStatus('pod'),
  ReplicaSet: specStatus('ReplicaSet'),
  Deployment: specStatus('Deployment'),
  Job: specStatus('job'),
  Service: specStatus('service'),
  Endpoints: { subsets: { type: 'array', items: { type: 'object' }, description: 'The set of all endpoints is the union of all subsets.' } },
  ServiceAccount: {
    secrets: { type: 'array', items: { type: 'object' }, description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' },
    imagePullSecrets: { type: 'array', items: { type: 'object' }, description: 'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.' },
    automountServiceAccountToken: { type: 'boolean', description: 'AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.' },
  },
  Secret: {
    data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' }, description: 'Data contains the secret data, base64 encoded.' },
    stringData: { type: 'object', additionalProperties: { type: 'string' }, description: 'stringData allows specifying non-binary secret data in string form. It is merged into data on write.' },
    type: str('Used to facilitate programmatic handling of secret data.'),
    immutable: { type: 'boolean', description: 'Immutable, if set to true, ensures that data stored in the Secret cannot be updated.' },
  },
  ConfigMap: {
    data: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    },
    binaryData: {
      type: 'object',
      additionalProperties: { type: 'string', format: 'byte' },
      description: "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. BinaryData can contain byte sequences that are not in the UTF-8 range. The keys stored in BinaryData must not overlap with the ones in the Data field, this is enforced during validation process. Using this field will require 1.10+ apiserver and kubelet.",
    },
    immutable: { type: 'boolean', description: 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.' },
  },
  Lease: { spec: obj('spec contains the specification of the Lease.') },
  Event: {
    involvedObject: obj('The object that this event is about.'),
    reason: str("This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    message: str('A human-readable description of the status of this operation.'),
    type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    source: obj('The component reporting this event.'),
    count: { type: 'integer', format: 'int32', description: 'The number of times this event has occurred.' },
    firstTimestamp: { type: 'string', format: 'date-time', description: 'The time at which the event was first recorded.' },
    lastTimestamp: { type: 'string', format: 'date-time', description: 'The time at which the most recent occurrence of this event was recorded.' },
    eventTime: { type: 'string', format: 'date-time', description: 'Time when this Event was first observed.' },
    action: str('What action was taken/failed regarding to the Regarding object.'),
    related: obj('Optional secondary object for more complex actions.'),
    reportingComponent: str('Name of the controller that emitted this Event.'),
    reportingInstance: str('ID of the controller instance.'),
    series: obj('Data about the Event series this event represents.'),
  },
  PriorityClass: {
    value: { type: 'integer', format: 'int32', description: 'value represents the integer value of this priority class.' },
    globalDefault: { type: 'boolean', description: 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.' },
    description: str('description is an arbitrary string that usually provides guidelines on when this priority class should be used.'),
    preemptionPolicy: str('preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority.'),
  },
  RuntimeClass: {
    handler: str('handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'),
    overhead: obj('overhead represents the resource overhead associated with running a pod for a given RuntimeClass.'),
    scheduling: obj('scheduling holds the scheduling constraints to ensure that pods running with this RuntimeClass are scheduled to nodes that support it.'),
  },
  PodDisruptionBudget: specStatus('PodDisruptionBudget'),
  NodePool: specStatus('node pool (instance type or shape, size bounds, labels, taints, zones)'),
};

/** A query parameter as kube-apiserver's OpenAPI v3 spells it. */
function queryParameter(name: string, description: string, type: 'string' | 'boolean' = 'string'): object {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const patchParameters = [
  queryParameter(
    'dryRun',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  queryParameter(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
  ),
  queryParameter(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  queryParameter(
    'force',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
    'boolean',
  ),
];

function pathParameter(name: string, description: string): object {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

/** The OpenAPI document of one group version (built once; the documents are immutable). */
function buildDocument(groupVersion: string): OpenAPIV3Document | undefined {
  const members = kindNames.filter((k) => groupVersionOf(kinds[k]) === groupVersion);
  if (members.length === 0) return undefined;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {
    [objectMetaSchema]: {
      type: 'object',
      description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      properties: {
        name: str('Name must be unique within a namespace.'),
        generateName: str('GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.'),
        namespace: str('Namespace defines the space within which each name must be unique.'),
        uid: str('UID is the unique in time and space value for this object.'),
        resourceVersion: str('An opaque value that represents the internal version of this object.'),
        generation: { type: 'integer', format: 'int64', description: 'A sequence number representing a specific generation of the desired state.' },
        creationTimestamp: { type: 'string', format: 'date-time', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
        deletionTimestamp: { type: 'string', format: 'date-time', description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.' },
        labels: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' },
        annotations: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.' },
        ownerReferences: { type: 'array', items: { type: 'object' }, description: 'List of objects depended by this object.' },
        finalizers: { type: 'array', items: { type: 'string', default: '' }, description: 'Must be empty before the object is deleted from the registry.' },
      },
    },
    [patchSchema]: {
      type: 'object',
      description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    },
  };
  for (const k of members) {
    const info = kinds[k];
    const gvk = { group: info.group, version: info.version, kind: k };
    const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
    const scope = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}` : `${base}/${info.resource}`;
    const itemRef = { $ref: `#/components/schemas/${schemaName(k)}` };
    const patchBody = { schema: { $ref: `#/components/schemas/${patchSchema}` } };
    paths[`${scope}/{name}`] = {
      patch: {
        tags: [`${operationGroup(info.group).toLowerCase()}_${info.version}`],
        description: `partially update the specified ${k}`,
        operationId: `patch${operationGroup(info.group)}${capitalize(info.version)}${info.namespaced ? 'Namespaced' : ''}${k}`,
        parameters: patchParameters,
        // No application/strategic-merge-patch+json on purpose: see the header comment.
        requestBody: {
          content: {
            'application/apply-patch+yaml': patchBody,
            'application/json-patch+json': patchBody,
            'application/merge-patch+json': patchBody,
          },
          required: true,
        },
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: itemRef } } },
          '201': { description: 'Created', content: { 'application/json': { schema: itemRef } } },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
      },
      parameters: [
        pathParameter('name', `name of the ${k}`),
        ...(info.namespaced ? [pathParameter('namespace', 'object name and auth scope, such as for teams and projects')] : []),
      ],
    };
    schemas[schemaName(k)] = {
      type: 'object',
      description: `${k} (${info.apiVersion}).`,
      properties: { ...typeMetaFields, ...topLevelFields[k] },
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  const { major, minor, patch } = KUBERNETES_VERSION;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: `v${major}.${minor}.${patch}` },
    paths,
    components: { schemas },
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface CachedDocument {
  readonly document: OpenAPIV3Document;
  /** kube-openapi's etag: the upper-case hex SHA-512 of the served JSON. */
  readonly hash: string;
}

let documents: Map<string, CachedDocument> | undefined;

function cachedDocuments(): Map<string, CachedDocument> {
  if (documents === undefined) {
    documents = new Map();
    for (const gv of servedGroupVersions()) {
      const document = buildDocument(gv);
      if (document === undefined) continue;
      const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
      documents.set(gv, { document, hash });
    }
  }
  return documents;
}

/** `/openapi/v3`: one entry per served group version; the hash changes only when the document does. */
export function openApiV3Root(): OpenAPIV3Root {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, { hash }] of cachedDocuments()) {
    const key = openApiV3Path(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

/**
 * `/openapi/v3/<path>`: the document for a root path key ("api/v1", "apis/apps/v1"; a leading "/openapi/v3/"
 * is ignored) or a group version ("v1", "apps/v1"). undefined when that group version is not served.
 */
export function openApiV3GroupVersion(path: string): OpenAPIV3Document | undefined {
  return cachedDocuments().get(groupVersionOfPath(path))?.document;
}

/** The hash /openapi/v3 advertises for a path key or group version (for ETag / Cache-Control handling). */
export function openApiV3Hash(path: string): string | undefined {
  return cachedDocuments().get(groupVersionOfPath(path))?.hash;
}
