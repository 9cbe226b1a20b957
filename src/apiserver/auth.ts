// Authentication by bearer token, and the one authorisation rule drydock has: read-only users may only
// get, list and watch. Tokens come from a static token file (kube-apiserver's --token-file format) and
// from TokenRequests for service accounts (POST .../serviceaccounts/{name}/token).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UserInputError } from '../cli/errors.js';

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

export function tokenAuthenticator(staticTokens: Map<string, UserInfo>): Authenticator {
  const issued = new Map<string, UserInfo>();
  const admin = [...staticTokens].find(([, u]) => !u.readOnly)?.[0];
  return {
    adminToken: admin,
    authenticate(header) {
      if (header === undefined) return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) return undefined;
      const token = match[1]!;
      return staticTokens.get(token) ?? issued.get(token);
    },
    issueServiceAccountToken(namespace, name) {
      const token = randomBytes(24).toString('base64url');
      issued.set(token, {
        name: `system:serviceaccount:${namespace}:${name}`,
        uid: `${namespace}/${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        readOnly: false,
      });
      return token;
    },
  };
}
