// Authentication by bearer token, and the one authorisation rule drydock has: read-only users may only
// get, list and watch. Tokens come from a static token file (kube-apiserver's --token-file format) and
// from TokenRequests for service accounts (POST .../serviceaccounts/{name}/token).
//
// Service account tokens are signed by the control plane and verified statelessly, as kube-apiserver's
// (pkg/serviceaccount/jwt.go, claims.go): a JWT whose claims name the account and its uid, with an
// expiry. kube-apiserver signs with RS256/ES256 (--service-account-signing-key-file); drydock signs with
// HS256 (HMAC-SHA256, node:crypto) under one control-plane secret, since signer and verifier are the same
// process. Because nothing about an issued token is kept in memory, a token survives an API server restart
// as long as the key does: `loadOrCreateSigningKey(path)` keeps the key in a file (0600), by default
// <data-dir>/sa-signing.key, created on first start (see SIGNING_KEY_FILE_NAME).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserInputError } from '../cli/errors.js';
import type { Clock } from '../util/clock.js';

export interface UserInfo {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  /** Members of READ_ONLY_GROUP may not write. */
  readonly readOnly: boolean;
}

/** Users in this group may get, list and watch, nothing else. */
export const READ_ONLY_GROUP = 'drydock:read-only';

export interface Authenticator {
  /** The user a request's Authorization header names, or undefined (401). */
  authenticate(header: string | undefined): UserInfo | undefined;
  /** Issues a token for a service account (TokenRequest). */
  issueServiceAccountToken(namespace: string, name: string): string;
  /** A token with full access, for the kubeconfig `drydock serve` writes, if any. */
  readonly adminToken: string | undefined;
  /**
   * Late-binds the existence check for signed service account tokens (the API server's informers exist
   * only after the authenticator is made). Absent on authenticators without a signing key.
   */
  setServiceAccountLookup?(lookup: ServiceAccountLookup): void;
}

/**
 * Reads a token file: one user per line, `token,user,uid[,"group1,group2"]`, as kube-apiserver's
 * --token-file. Blank lines and lines starting with # are skipped. Bad lines fail with file:line.
 */
export function readTokenFile(path: string): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserInputError(`${path}: cannot read the token file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const users = new Map<string, UserInfo>();
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, comment: '#', trim: true, info: true }) as unknown as typeof records;
  } catch (err) {
    // csv-parse knows the line: "tokens.csv:2: Quote Not Closed: ..."
    const e = err as Error & { lines?: number };
    const message = e.message.replace(/ at line \d+$/, '');
    throw new UserInputError(`${path}:${e.lines ?? '?'}: ${message}`);
  }
  for (const { record, info } of records) {
    const [token, name, uid, groupText] = record;
    if (token === undefined || token === '' || name === undefined || name === '' || uid === undefined || uid === '') {
      throw new UserInputError(`${path}:${info.lines}: expected token,user,uid[,"group1,group2"]`);
    }
    if (users.has(token)) throw new UserInputError(`${path}:${info.lines}: duplicate token for user ${JSON.stringify(name)}`);
    const groups = (groupText ?? '').split(',').map((g) => g.trim()).filter((g) => g.length > 0);
    users.set(token, { name, uid, groups, readOnly: groups.includes(READ_ONLY_GROUP) });
  }
  if (users.size === 0) throw new UserInputError(`${path}: the token file holds no tokens`);
  return users;
}

/** The ServiceAccount a token names, as the lookup hook sees it now; undefined when it does not exist. */
export type ServiceAccountLookup = (namespace: string, name: string) => { readonly uid: string } | undefined;

/** kube-apiserver's usual --service-account-issuer (kubeadm's default); also the default audience. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** A TokenRequest's default spec.expirationSeconds (authentication/v1 defaults: 1 hour). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/**
 * Clock skew allowed when checking exp/nbf/iat: kube-apiserver validates service account JWTs with
 * go-jose's jwt.DefaultLeeway, one minute (pkg/serviceaccount/claims.go validates with jwt.Expected{Time}).
 */
export const TOKEN_LEEWAY_SECONDS = 60;
/** The key file `drydock serve --data-dir DIR` keeps as DIR/sa-signing.key. */
export const SIGNING_KEY_FILE_NAME = 'sa-signing.key';

export interface ServiceAccountTokenOptions {
  /** The HMAC-SHA256 key; at least 32 bytes. */
  readonly signingKey: Uint8Array;
  /** Expiry and issued-at come from this clock (the API server's). */
  readonly clock: Clock;
  readonly issuer?: string;
  /** Default DEFAULT_TOKEN_EXPIRATION_SECONDS (what http.ts reports in the TokenRequest status). */
  readonly expirationSeconds?: number;
  /** Default [issuer] (kube-apiserver: --api-audiences defaults to the issuer). */
  readonly audiences?: readonly string[];
  /** The existence check (also settable later with setServiceAccountLookup). */
  readonly lookup?: ServiceAccountLookup;
}

/** The claims drydock signs: RFC 7519 registered claims plus kube's private "kubernetes.io" claim. */
export interface ServiceAccountClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly uid: string;
  readonly 'kubernetes.io': { readonly namespace: string; readonly serviceaccount: { readonly name: string; readonly uid: string } };
}

/**
 * Reads the signing key from `path`, creating 32 random bytes there (mode 0600) if the file does not
 * exist. The file holds the key as hex on one line. A key shorter than 32 bytes is refused.
 */
export function loadOrCreateSigningKey(path: string): Buffer {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new UserInputError(`${path}: cannot read the service account signing key: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!/^[0-9a-f]+$/i.test(text) || text.length % 2 !== 0 || text.length < 64) {
    throw new UserInputError(`${path}:1: expected the signing key as at least 64 hex digits (32 bytes), e.g. the output of "openssl rand -hex 32"`);
  }
  return Buffer.from(text, 'hex');
}

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * Signs and verifies service account tokens. Stateless: everything needed to check a token is in it or
 * in the key, except whether the account still exists with the same uid, which the lookup hook answers
 * (kube-apiserver's --service-account-lookup, default true: a deleted or recreated account's tokens stop
 * working at once).
 */
export class ServiceAccountTokenSigner {
  private readonly key: Uint8Array;
  private readonly clock: Clock;
  readonly issuer: string;
  readonly expirationSeconds: number;
  readonly audiences: readonly string[];
  lookup: ServiceAccountLookup | undefined;

  constructor(options: ServiceAccountTokenOptions) {
    if (options.signingKey.length < 32) throw new Error(`the service account signing key has ${options.signingKey.length} bytes; at least 32 are needed`);
    this.key = options.signingKey;
    this.clock = options.clock;
    this.issuer = options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.expirationSeconds = options.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    this.audiences = options.audiences ?? [this.issuer];
    this.lookup = options.lookup;
  }

  private sign(signingInput: string): Buffer {
    return createHmac('sha256', this.key).update(signingInput).digest();
  }

  /** A token for namespace/name; the uid comes from the lookup (empty without one). */
  issue(namespace: string, name: string): string {
    const uid = this.lookup?.(namespace, name)?.uid ?? '';
    const now = Math.floor(this.clock.now() / 1000);
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${namespace}:${name}`,
      aud: this.audiences,
      exp: now + this.expirationSeconds,
      iat: now,
      nbf: now,
      uid,
      'kubernetes.io': { namespace, serviceaccount: { name, uid } },
    };
    const input = `${JWT_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${this.sign(input).toString('base64url')}`;
  }

  /** The claims of a valid token, or why it is not valid (kube-apiserver's wording where it has one). */
  verify(token: string): { readonly claims: ServiceAccountClaims } | { readonly error: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { error: 'not a JWT' };
    const [header, payload, signature] = parts as [string, string, string];
    if (header !== JWT_HEADER) return { error: 'unexpected JWT header' };
    const expected = this.sign(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'invalid signature' };
    let claims: ServiceAccountClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ServiceAccountClaims;
    } catch {
      return { error: 'malformed claims' };
    }
    if (claims.iss !== this.issuer) return { error: 'token issuer is not ' + this.issuer };
    if (!Array.isArray(claims.aud) || !claims.aud.some((a) => this.audiences.includes(a))) return { error: 'token audiences do not match' };
    const now = this.clock.now() / 1000;
    if (typeof claims.exp !== 'number' || now > claims.exp + TOKEN_LEEWAY_SECONDS) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && now + TOKEN_LEEWAY_SECONDS < claims.nbf) return { error: 'service account token is not valid yet' };
    const k8s = claims['kubernetes.io'];
    const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(String(claims.sub));
    if (match === null || k8s?.namespace !== match[1] || k8s.serviceaccount?.name !== match[2]) return { error: 'malformed service account claims' };
    if (this.lookup !== undefined) {
      const sa = this.lookup(match[1]!, match[2]!);
      // pkg/serviceaccount/legacy.go / claims.go: "service account ... has been deleted" / uid mismatch.
      if (sa === undefined) return { error: `service account ${match[1]}/${match[2]} has been deleted` };
      if (sa.uid !== k8s.serviceaccount.uid) return { error: `service account UID (${sa.uid}) does not match claim (${k8s.serviceaccount.uid})` };
    }
    return { claims };
  }
}

function serviceAccountUser(namespace: string, name: string, uid: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    uid: uid !== '' ? uid : `${namespace}/${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    readOnly: false,
  };
}

/**
 * Static tokens first (--token-file), then signed service account tokens when `serviceAccountTokens`
 * is given. Without it, TokenRequests get random tokens remembered in memory only (they do not survive a
 * restart), as before signing existed.
 */
export function tokenAuthenticator(staticTokens: Map<string, UserInfo>, serviceAccountTokens?: ServiceAccountTokenOptions): Authenticator {
  const issued = new Map<string, UserInfo>();
  const admin = [...staticTokens].find(([, u]) => !u.readOnly)?.[0];
  const signer = serviceAccountTokens !== undefined ? new ServiceAccountTokenSigner(serviceAccountTokens) : undefined;
  const auth: Authenticator = {
    adminToken: admin,
    authenticate(header) {
      if (header === undefined) return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) return undefined;
      const token = match[1]!;
      const known = staticTokens.get(token) ?? issued.get(token);
      if (known !== undefined || signer === undefined) return known;
      const verified = signer.verify(token);
      if ('error' in verified) return undefined;
      const sa = verified.claims['kubernetes.io'];
      return serviceAccountUser(sa.namespace, sa.serviceaccount.name, sa.serviceaccount.uid);
    },
    issueServiceAccountToken(namespace, name) {
      if (signer !== undefined) return signer.issue(namespace, name);
      const token = randomBytes(24).toString('base64url');
      issued.set(token, serviceAccountUser(namespace, name, ''));
      return token;
    },
  };
  if (signer !== undefined) {
    auth.setServiceAccountLookup = (lookup) => {
      signer.lookup = lookup;
    };
  }
  return auth;
}
