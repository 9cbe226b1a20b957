import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { kinds, type Kind } from '../../src/api/index.js';
import {
  MAX_STRICT_ERRORS,
  QUANTITY_PATTERN,
  cannotBeHandledMessage,
  decodeProblems,
  goQuote,
  kindSchemas,
  pruneUnknownFields,
  strictDecodingErrorMessage,
  toOpenApiV3Schema,
  typeErrors,
  unknownFieldMessage,
  unknownFields,
} from '../../src/apiserver/schema.js';

// ---------------------------------------------------------------------------------------------------------
// Manifests as users write them (the JSON kubectl sends for the YAML).

type Json = Record<string, unknown>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function podSpec(): Json {
  return {
    serviceAccountName: 'web',
    automountServiceAccountToken: false,
    priorityClassName: 'high',
    terminationGracePeriodSeconds: 45,
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: false,
    hostname: 'web-0',
    subdomain: 'web',
    os: { name: 'linux' },
    nodeSelector: { 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'm5.xlarge' },
    imagePullSecrets: [{ name: 'regcred' }],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 3000,
      fsGroup: 2000,
      fsGroupChangePolicy: 'OnRootMismatch',
      supplementalGroups: [4000],
      seccompProfile: { type: 'RuntimeDefault' },
      sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    },
    initContainers: [
      { name: 'migrate', image: 'app:1.2', command: ['/bin/migrate'], envFrom: [{ configMapRef: { name: 'app-config' } }] },
      { name: 'log-shipper', image: 'fluent-bit:3', restartPolicy: 'Always', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
    ],
    containers: [
      {
        name: 'web',
        image: 'nginx:1.27',
        imagePullPolicy: 'IfNotPresent',
        args: ['--port=8080'],
        workingDir: '/srv',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9090 },
        ],
        env: [
          { name: 'MODE', value: 'production' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: false } } },
          { name: 'FEATURES', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'features' } } },
        ],
        envFrom: [{ prefix: 'APP_', secretRef: { name: 'app-secrets' } }],
        resources: {
          requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
          limits: { cpu: 1, memory: '512Mi', 'nvidia.com/gpu': '1' },
        },
        resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
        volumeMounts: [
          { name: 'config', mountPath: '/etc/app', readOnly: true },
          { name: 'cache', mountPath: '/var/cache/nginx', subPath: 'nginx' },
          { name: 'token', mountPath: '/var/run/secrets/tokens' },
        ],
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'liveness' }] },
          initialDelaySeconds: 10,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5, successThreshold: 1 },
        startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30, periodSeconds: 2 },
        lifecycle: {
          postStart: { exec: { command: ['/bin/sh', '-c', 'echo started'] } },
          preStop: { sleep: { seconds: 5 } },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'FallbackToLogsOnError',
        stdin: false,
        tty: false,
      },
      { name: 'grpc-sidecar', image: 'envoy:1.31', livenessProbe: { grpc: { port: 9901 } } },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'app-config', defaultMode: 0o644, items: [{ key: 'nginx.conf', path: 'nginx.conf' }] } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '128Mi' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
      { name: 'secrets', secret: { secretName: 'app-secrets', optional: true } },
      { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'nfs', nfs: { server: 'nfs.example.com', path: '/exports', readOnly: true } },
      {
        name: 'token',
        projected: {
          sources: [
            { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'vault-token' } },
            { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          ],
        },
      },
    ],
    tolerations: [
      { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a', 'eu-west-1b'] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, preference: { matchExpressions: [{ key: 'node-type', operator: 'In', values: ['spot'] }] } },
        ],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] },
          },
        ],
      },
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['cache'] }] }, topologyKey: 'topology.kubernetes.io/zone', namespaces: ['infra'] },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' } },
        minDomains: 2,
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Ignore',
      },
    ],
    readinessGates: [{ conditionType: 'example.com/feature-1' }],
    schedulingGates: [{ name: 'example.com/quota' }],
    hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
    dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  };
}

const meta = (name: string, extra: Json = {}): Json => ({
  name,
  namespace: 'default',
  labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  ...extra,
});

function pod(): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-0', { generateName: 'web-' }), spec: podSpec() };
}

function deployment(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web'),
    spec: {
      replicas: 3,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      minReadySeconds: 5,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } }, spec: podSpec() },
    },
  };
}

function job(): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('backfill'),
    spec: {
      completions: 10,
      parallelism: 3,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 2,
      maxFailedIndexes: 3,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 600,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
        ],
      },
      successPolicy: { rules: [{ succeededIndexes: '0-4', succeededCount: 3 }] },
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 0'], resources: { requests: { cpu: '1' } } }],
        },
      },
    },
  };
}

function service(): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web'),
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
        { name: 'metrics', port: 9090, targetPort: 9090, nodePort: 30090 },
      ],
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ipFamilyPolicy: 'PreferDualStack',
      ipFamilies: ['IPv4', 'IPv6'],
      loadBalancerSourceRanges: ['10.0.0.0/8'],
      allocateLoadBalancerNodePorts: true,
      trafficDistribution: 'PreferClose',
    },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.7', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] } },
  };
}

function node(): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', 'topology.kubernetes.io/zone': 'eu-west-1a' } },
    spec: {
      podCIDR: '10.244.1.0/24',
      podCIDRs: ['10.244.1.0/24'],
      providerID: 'aws:///eu-west-1a/i-0abc',
      unschedulable: false,
      taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule', timeAdded: '2024-05-01T12:00:00Z' }],
    },
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T12:00:00Z', lastTransitionTime: '2024-05-01T11:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.1.17' }, { type: 'Hostname', address: 'node-1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm', systemUUID: 'u', bootID: 'b', kernelVersion: '6.1.0', osImage: 'Bottlerocket', containerRuntimeVersion: 'containerd://1.7.0',
        kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64',
      },
      images: [{ names: ['nginx:1.27'], sizeBytes: 70000000 }],
      runtimeHandlers: [{ name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } }],
      features: { supplementalGroupsPolicy: true },
    },
  };
}

function priorityClass(): Json {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'high' },
    value: 1000000,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'For user-facing services.',
  };
}

function nodePool(): Json {
  return {
    apiVersion: 'drydock.io/v1',
    kind: 'NodePool',
    metadata: { name: 'gpu', labels: { team: 'ml' } },
    spec: {
      shape: { cpu: '8', memory: '32Gi', pods: 110, ephemeralStorage: '100Gi', gpu: 1, gpuModel: 'A10G' },
      pricePerHour: 1.006,
      spotPricePerHour: 0.42,
      spot: true,
      labels: { 'nvidia.com/gpu.product': 'A10G' },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      zones: ['eu-west-1a', 'eu-west-1b'],
      minSize: 0,
      maxSize: 10,
      initialSize: 1,
      provisioningDelaySeconds: 90,
      systemReserved: { cpu: '100m', memory: '512Mi' },
    },
    status: { size: 1, readyNodes: 1 },
  };
}

// ---------------------------------------------------------------------------------------------------------

test('realistic manifests of every kind have no unknown fields and no type errors', () => {
  const manifests: [Kind, Json][] = [
    ['Pod', pod()],
    ['Deployment', deployment()],
    ['Job', job()],
    ['Service', service()],
    ['Node', node()],
    ['PriorityClass', priorityClass()],
    ['NodePool', nodePool()],
    ['ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-5d4f'), spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: podSpec() } } }],
    ['Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
    ['Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('web'), subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] }],
    ['ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('web'), automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] }],
    ['Secret', { apiVersion: 'v1', kind: 'Secret', metadata: meta('db'), type: 'Opaque', data: { password: 'aHVudGVyMg==' }, stringData: { user: 'admin' }, immutable: true }],
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('app'), data: { LOG_LEVEL: 'debug' }, binaryData: { 'logo.bin': 'AAEC/w==' }, immutable: true }],
    ['Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T12:00:00.000000Z' } }],
    ['Event', { apiVersion: 'v1', kind: 'Event', metadata: meta('web-0.17c'), involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default' }, reason: 'Scheduled', message: 'Successfully assigned default/web-0 to node-1', type: 'Normal', source: { component: 'default-scheduler' }, count: 1, reportingComponent: 'default-scheduler', series: { count: 2, lastObservedTime: '2024-05-01T12:00:00.000000Z' } }],
    ['RuntimeClass', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'gvisor' }, tolerations: [{ key: 'sandbox', operator: 'Exists' }] } }],
    ['PodDisruptionBudget', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: { 'web-0': '2024-05-01T12:00:00Z' } } }],
  ];
  assert.equal(manifests.map(([k]) => k).sort(), Object.keys(kinds).sort(), 'one manifest per kind');
  for (const [kind, manifest] of manifests) {
    assert.equal(unknownFields(kind, manifest), [], kind);
    assert.equal(typeErrors(kind, manifest), [], kind);
  }
});

test('typos at every depth are reported with the strict decoder\'s path', () => {
  const table: [Kind, (o: Json) => void, string][] = [
    // [kind, where the typo goes, the path kube-apiserver prints]
    ['Pod', (o) => { at(o, 'spec', 'containers', 0).imagee = 'nginx'; }, 'spec.containers[0].imagee'],
    ['Pod', (o) => { at(o, 'metadata').lables = { app: 'web' }; }, 'metadata.lables'],
    ['Pod', (o) => { at(o).specc = {}; }, 'specc'],
    ['Deployment', (o) => { at(o, 'spec', 'template', 'spec').nodeSelectr = { disk: 'ssd' }; }, 'spec.template.spec.nodeSelectr'],
    ['Pod', (o) => { at(o, 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms', 0).matchExpression = []; }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpression'],
    ['Pod', (o) => { at(o, 'spec', 'containers', 1, 'livenessProbe', 'grpc').services = 'x'; }, 'spec.containers[1].livenessProbe.grpc.services'],
    ['Pod', (o) => { at(o, 'spec', 'containers', 0, 'livenessProbe').initialDelay = 5; }, 'spec.containers[0].livenessProbe.initialDelay'],
    ['Pod', (o) => { at(o, 'spec', 'volumes', 6, 'projected', 'sources', 0, 'serviceAccountToken').audiences = ['a']; }, 'spec.volumes[6].projected.sources[0].serviceAccountToken.audiences'],
    ['Pod', (o) => { at(o, 'spec', 'containers', 0, 'securityContext').runAsNonroot = true; }, 'spec.containers[0].securityContext.runAsNonroot'],
    ['Pod', (o) => { at(o, 'spec', 'containers', 0, 'resources').request = { cpu: '1' }; }, 'spec.containers[0].resources.request'],
    ['Pod', (o) => { at(o, 'spec', 'containers', 0).Image = 'nginx'; }, 'spec.containers[0].Image'], // matching is case-sensitive
    ['Job', (o) => { at(o, 'spec', 'template', 'spec').backoffLimit = 3; }, 'spec.template.spec.backoffLimit'],
    ['Service', (o) => { at(o, 'spec', 'ports', 1).nodeport = 30091; }, 'spec.ports[1].nodeport'],
    ['Node', (o) => { at(o, 'status', 'nodeInfo').kernel = '6.1'; }, 'status.nodeInfo.kernel'],
    ['PriorityClass', (o) => { at(o).preemption = 'Never'; }, 'preemption'],
    ['NodePool', (o) => { at(o, 'spec', 'shape').gpus = 2; }, 'spec.shape.gpus'],
    ['NodePool', (o) => { at(o, 'spec').maxNodes = 3; }, 'spec.maxNodes'],
  ];
  for (const [kind, edit, path] of table) {
    const manifest = make(kind);
    edit(manifest);
    assert.equal(unknownFields(kind, manifest), [path], path);
  }
});

test('several unknown fields come in document order; an unknown field\'s contents are not looked into', () => {
  const manifest = deployment();
  const spec = at(manifest, 'spec');
  spec.replica = 3; // after the known fields of spec
  at(manifest, 'metadata').lables = {};
  at(spec, 'template', 'spec', 'containers', 0).imagee = 'x';
  at(manifest).extra = { also: { unknown: true } }; // only "extra" is reported
  assert.equal(unknownFields('Deployment', manifest), [
    'metadata.lables',
    'spec.template.spec.containers[0].imagee',
    'spec.replica',
    'extra',
  ]);
});

test('maps (labels, annotations, nodeSelector, resource lists) accept any keys', () => {
  const manifest = pod();
  at(manifest, 'metadata').labels = { 'anything.example.com/goes': 'x', spec: 'y', constructor: 'z', __proto__x: 'w' };
  at(manifest, 'spec').nodeSelector = { 'whatever/key': 'v' };
  at(manifest, 'spec', 'containers', 0, 'resources').requests = { 'example.com/dongle': '2', cpu: '1', hugepages_weird: '1Mi' };
  assert.equal(unknownFields('Pod', manifest), []);
  // Object.prototype names are unknown fields like any other, not schema entries.
  Object.assign(at(manifest, 'spec'), { toString: 'x', constructor: 'y' });
  assert.equal(unknownFields('Pod', manifest), ['spec.toString', 'spec.constructor']);
});

test('"any object" volume sources are not looked into, but the fields beside them are', () => {
  const manifest = pod();
  const nfs = at(manifest, 'spec', 'volumes', 5);
  at(nfs, 'nfs').whatever = true;
  nfs.nsf = {};
  assert.equal(unknownFields('Pod', manifest), ['spec.volumes[5].nsf']);
});

test('pruneUnknownFields removes exactly the unknown fields and leaves the input untouched', () => {
  const clean = deployment();
  const dirty = deployment();
  at(dirty, 'metadata').lables = { a: 'b' };
  at(dirty, 'spec', 'template', 'spec').nodeSelectr = { disk: 'ssd' };
  at(dirty, 'spec', 'template', 'spec', 'containers', 0, 'ports', 1).hostPortt = 1;
  at(dirty, 'spec', 'template', 'spec', 'volumes', 5, 'nfs').kept = 'any object'; // not unknown: nfs is "any object"
  at(clean, 'spec', 'template', 'spec', 'volumes', 5, 'nfs').kept = 'any object';
  const before = JSON.stringify(dirty);
  deepFreeze(dirty);

  const pruned = pruneUnknownFields('Deployment', dirty);
  assert.equal(pruned, clean);
  assert.equal(unknownFields('Deployment', pruned), []);
  assert.is(JSON.stringify(dirty), before, 'input unchanged');
  assert.is.not(pruned, dirty);
  assert.ok(!Object.isFrozen(pruned), 'a fresh copy, free to edit');

  // Wrongly typed values are copied as they are: pruning is not validation.
  const odd = deepFreeze({ apiVersion: 'v1', kind: 'Pod', metadata: 'not an object', spec: { containers: 'nope', hostNetwork: 'yes' } });
  assert.equal(pruneUnknownFields('Pod', odd), odd);
});

test('messages: strict decoding error, Warning text and the create/update wrapping, as kube-apiserver prints them', () => {
  assert.is(unknownFieldMessage('spec.containers[0].imagee'), 'unknown field "spec.containers[0].imagee"');
  assert.is(strictDecodingErrorMessage(['spec.containers[0].imagee']), 'strict decoding error: unknown field "spec.containers[0].imagee"');
  assert.is(strictDecodingErrorMessage(['a', 'b']), 'strict decoding error: unknown field "a", unknown field "b"');
  assert.is(
    cannotBeHandledMessage('Pod', 'v1', strictDecodingErrorMessage(['metadata.lables'])),
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.lables"',
  );
  // sigs.k8s.io/json keeps 100: 150 unknown fields print 100 times "unknown field".
  const many = Array.from({ length: 150 }, (_, i) => `f${i}`);
  assert.is(strictDecodingErrorMessage(many).split('unknown field').length - 1, MAX_STRICT_ERRORS);
  // strconv.Quote: quotes and backslashes escaped, control characters as Go escapes, printable Unicode kept.
  assert.is(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.is(goQuote('tab\there\nnl\x01\x7f'), '"tab\\there\\nnl\\x01\\x7f"');
  assert.is(goQuote('zoné 日本'), '"zoné 日本"');
  assert.is(goQuote('\u200b'), '"\\u200b"'); // zero-width space is a format character, not printable
});

test('typeErrors: the Go decoder\'s messages for built-in kinds', () => {
  const table: [string, Kind, (o: Json) => void, string, string][] = [
    // [case, kind, edit, path, message]
    ['string for int32', 'Deployment', (o) => { at(o, 'spec').replicas = '3'; }, 'spec.replicas',
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['indexes are not in the Go field path', 'Pod', (o) => { at(o, 'spec', 'containers', 0, 'ports', 0).containerPort = '8080'; }, 'spec.containers[0].ports[0].containerPort',
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
    ['fraction for int64', 'Pod', (o) => { at(o, 'spec').terminationGracePeriodSeconds = 1.5; }, 'spec.terminationGracePeriodSeconds',
      'json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['int32 overflow', 'PriorityClass', (o) => { at(o).value = 2 ** 31; }, 'value',
      'json: cannot unmarshal number 2147483648 into Go struct field PriorityClass.value of type int32'],
    ['map value', 'Pod', (o) => { at(o, 'metadata', 'labels').tier = 1; }, 'metadata.labels.tier',
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
    ['object for array', 'Pod', (o) => { at(o, 'spec').containers = { name: 'c' }; }, 'spec.containers',
      'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'],
    ['string for bool', 'Pod', (o) => { at(o, 'spec').hostNetwork = 'true'; }, 'spec.hostNetwork',
      'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool'],
    ['string for object', 'Pod', (o) => { at(o).metadata = 'web'; }, 'metadata',
      'json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta'],
    ['named map type', 'Node', (o) => { at(o, 'status').capacity = ['4']; }, 'status.capacity',
      'json: cannot unmarshal array into Go struct field NodeStatus.status.capacity of type v1.ResourceList'],
    ['quantity', 'Pod', (o) => { at(o, 'spec', 'containers', 0, 'resources', 'requests').memory = '12Gx'; }, 'spec.containers[0].resources.requests.memory',
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['int-or-string', 'Deployment', (o) => { at(o, 'spec', 'strategy', 'rollingUpdate').maxSurge = true; }, 'spec.strategy.rollingUpdate.maxSurge',
      'json: cannot unmarshal bool into Go value of type int32'],
    ['time', 'Node', (o) => { at(o, 'spec', 'taints', 0).timeAdded = 1714564800; }, 'spec.taints[0].timeAdded',
      'json: cannot unmarshal number into Go value of type string'],
    ['null is the zero value, not an error', 'Pod', (o) => { at(o).spec = null; }, '', ''],
  ];
  for (const [name, kind, edit, path, message] of table) {
    const manifest = make(kind);
    edit(manifest);
    assert.equal(typeErrors(kind, manifest), message === '' ? [] : [{ path, message, reason: 'BadRequest' }], name);
  }
  assert.equal(typeErrors('Pod', []), [{ path: '', message: 'json: cannot unmarshal array into Go value of type v1.Pod', reason: 'BadRequest' }]);
  // Quantities may be JSON numbers, int-or-string fields either form: no errors.
  assert.equal(typeErrors('Pod', { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 2, memory: ' 1Gi ' } } }] } }), []);
});

test('typeErrors: NodePool is validated like a CustomResource (422 Invalid field errors)', () => {
  const manifest = nodePool();
  at(manifest, 'spec').minSize = '0';
  at(manifest, 'spec', 'shape').cpu = '8 cores';
  at(manifest, 'spec', 'shape').memory = 32; // an integer quantity is fine
  at(manifest, 'spec').zones = 'eu-west-1a';
  assert.equal(typeErrors('NodePool', manifest), [
    { path: 'spec.shape.cpu', message: `spec.shape.cpu: Invalid value: "8 cores": spec.shape.cpu in body should match '${QUANTITY_PATTERN}'`, reason: 'Invalid' },
    { path: 'spec.zones', message: 'spec.zones: Invalid value: "string": spec.zones in body must be of type array: "string"', reason: 'Invalid' },
    { path: 'spec.minSize', message: 'spec.minSize: Invalid value: "string": spec.minSize in body must be of type integer: "string"', reason: 'Invalid' },
  ]);
});

test('toOpenApiV3Schema: structural schema with int-or-string, quantities, maps and group-version-kind', () => {
  for (const kind of Object.keys(kinds) as Kind[]) {
    const s = toOpenApiV3Schema(kind) as Json;
    assert.is(s.type, 'object', kind);
    assert.equal(s['x-kubernetes-group-version-kind'], [{ group: kinds[kind].group, kind, version: kinds[kind].version }], kind);
    assert.equal(Object.keys(at(s, 'properties')).slice(0, 3), ['apiVersion', 'kind', 'metadata'], kind);
  }
  const deploy = toOpenApiV3Schema('Deployment') as Json;
  const spec = at(deploy, 'properties', 'spec');
  assert.equal(at(spec, 'properties', 'replicas'), { type: 'integer', format: 'int32' });
  assert.equal(at(spec, 'properties', 'strategy', 'properties', 'rollingUpdate', 'properties', 'maxSurge'), {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  });
  const container = at(spec, 'properties', 'template', 'properties', 'spec', 'properties', 'containers', 'items');
  assert.equal(at(container, 'properties', 'resources', 'properties', 'requests'), {
    type: 'object',
    additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: QUANTITY_PATTERN, 'x-kubernetes-int-or-string': true },
  });
  assert.equal(at(deploy, 'properties', 'metadata', 'properties', 'labels'), { type: 'object', additionalProperties: { type: 'string' } });
  assert.equal(at(deploy, 'properties', 'metadata', 'properties', 'creationTimestamp'), { type: 'string', format: 'date-time' });
  const volume = at(spec, 'properties', 'template', 'properties', 'spec', 'properties', 'volumes', 'items');
  assert.equal(at(volume, 'properties', 'nfs'), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  // The controller-gen quantity pattern accepts what users write and rejects the rest.
  const re = new RegExp(QUANTITY_PATTERN);
  assert.equal(['500m', '1.5', '2Gi', '1e3', '+1', '.5'].filter((q) => !re.test(q)), []);
  assert.equal(['12Gx', '1 Gi', 'Gi', ''].filter((q) => re.test(q)), []);
  // Each call builds a fresh object.
  assert.is.not(toOpenApiV3Schema('Pod'), toOpenApiV3Schema('Pod'));
});

test('unknown kinds are a programming error', () => {
  assert.throws(() => unknownFields('Widget', {}), /no schema for kind "Widget"/);
  assert.throws(() => toOpenApiV3Schema('toString'), /no schema for kind "toString"/);
  assert.equal(Object.keys(kindSchemas).sort(), Object.keys(kinds).sort());
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

test('decodeProblems (one walk) finds exactly what typeErrors and unknownFields find, on randomly broken manifests', () => {
  const containers = (v: unknown): Json[] => {
    const out: Json[] = [];
    const visit = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(visit);
      else if (typeof x === 'object' && x !== null) {
        out.push(x as Json);
        Object.values(x).forEach(visit);
      }
    };
    visit(v);
    return out;
  };
  const wrong = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant([1, 'x']), fc.constant({ zz: 1 }), fc.double(), fc.constant(null));
  const edit = fc.record({ at: fc.nat(), key: fc.nat(), unknown: fc.boolean(), value: wrong });
  let broken = 0;
  fc.assert(
    fc.property(fc.constantFrom<Kind>('Pod', 'Deployment', 'Job', 'Service', 'Node', 'PriorityClass', 'NodePool'), fc.array(edit, { maxLength: 4 }), (kind, edits) => {
      const manifest = make(kind);
      for (const e of edits) {
        const objects = containers(manifest);
        const target = objects[e.at % objects.length]!;
        const keys = Object.keys(target);
        // Either a field nobody knows, or an existing field (known, or a map key) given a value of another type.
        if (e.unknown || keys.length === 0) target[`zz${e.key % 3}`] = e.value;
        else target[keys[e.key % keys.length]!] = e.value;
      }
      const got = decodeProblems(kind, manifest);
      const want = { typeErrors: typeErrors(kind, manifest), unknown: unknownFields(kind, manifest) };
      assert.equal(got, want, kind);
      if (want.typeErrors.length > 0 && want.unknown.length > 0) broken++;
    }),
    { numRuns: 400, seed: 20261128 },
  );
  assert.ok(broken > 40, `${broken} manifests with both kinds of problem`);
});

function make(kind: Kind): Json {
  switch (kind) {
    case 'Pod': return pod();
    case 'Deployment': return deployment();
    case 'Job': return job();
    case 'Service': return service();
    case 'Node': return node();
    case 'PriorityClass': return priorityClass();
    case 'NodePool': return nodePool();
    default: throw new Error(`no fixture for ${kind}`);
  }
}

/** The object at a path of keys and indexes, which must exist. */
function at(o: unknown, ...path: (string | number)[]): Json {
  let cur = o;
  for (const step of path) {
    if (typeof cur !== 'object' || cur === null) throw new Error(`fixture has no ${path.join('.')}`);
    cur = (cur as Record<string | number, unknown>)[step];
  }
  if (typeof cur !== 'object' || cur === null) throw new Error(`fixture has no object at ${path.join('.')}`);
  return cur as Json;
}

test.run();
