// Every API error is a metav1 Status with Kubernetes' code, reason and message wording
// (k8s.io/apimachinery/pkg/api/errors/errors.go).

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details !== undefined ? { details } : {}),
    code,
  });
}

export function successStatus(code = 200, details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details !== undefined ? { details } : {}), code };
}

/** "pods" or "deployments.apps": how Kubernetes names a resource in messages (GroupResource.String()). */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** One field error, printed as field.Error does: `<field>: <type>: <value>: <detail>`. */
export interface FieldError {
  readonly type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTypeInvalid';
  readonly field: string;
  readonly value?: unknown;
  readonly detail: string;
}

const typeWords: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTypeInvalid: 'Invalid value',
};

function printValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatFieldError(e: FieldError): string {
  const words = typeWords[e.type];
  // Required and Forbidden carry no value in Kubernetes' rendering.
  if (e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong') {
    return `${e.field}: ${words}${e.detail ? `: ${e.detail}` : ''}`;
  }
  return `${e.field}: ${words}: ${printValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
}

export const errors = {
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: (message = 'Unauthorized') => failure(401, 'Unauthorized', message),
  forbidden: (resource: string, group: string, name: string, why: string) =>
    failure(403, 'Forbidden', `${qualifiedResource(resource, group)}${name ? ` "${name}"` : ''} is forbidden: ${why}`, {
      ...(name ? { name } : {}),
      ...(group ? { group } : {}),
      kind: resource,
    }),
  notFound: (resource: string, group: string, name: string) =>
    failure(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource }),
  /** The URL names no resource this server serves. */
  noResource: () => failure(404, 'NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (resource: string, group: string, name: string) =>
    failure(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, { name, ...(group ? { group } : {}), kind: resource }),
  conflict: (resource: string, group: string, name: string, why: string) =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    }),
  /** apierrors.NewInvalid: `Pod "web" is invalid: <field errors joined by ", ">`. */
  invalid: (kind: string, name: string, group: string, errs: readonly FieldError[]) => {
    const rendered = errs.map(formatFieldError);
    const list = rendered.length === 1 ? rendered[0]! : `[${rendered.join(', ')}]`;
    return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: errs.map((e, i) => ({ reason: e.type, message: rendered[i]!.slice(e.field.length + 2), field: e.field })),
    });
  },
  /** NewInvalid with causes whose text is already rendered (e.g. a CustomResource schema's type errors). */
  invalidMessages: (kind: string, name: string, group: string, causes: readonly { field: string; message: string }[]) =>
    failure(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${causes.length === 1 ? causes[0]!.message : `[${causes.map((c) => c.message).join(', ')}]`}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({ reason: 'FieldValueTypeInvalid', message: c.message, field: c.field })),
    }),
  gone: (message: string) => failure(410, 'Gone', message),
  expired: (message: string) => failure(410, 'Expired', message),
  methodNotAllowed: () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  tooLarge: (limit: number) => failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unsupportedMediaType: (contentType: string) =>
    failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json, application/apply-patch+yaml (got ${JSON.stringify(contentType)})`),
  timeout: (message: string, retryAfterSeconds: number) => failure(504, 'Timeout', message, { retryAfterSeconds }),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => failure(503, 'ServiceUnavailable', message),
};
