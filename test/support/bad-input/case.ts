// A bad-input case of test/reliability/bad-input.test.ts: what is wrong, the resource that has it, and
// what the operator must answer (its reason, Succeeded=Unknown while it waits or False, and the words the
// message names the culprit with); and what the cases are written with.
import { randomInt } from 'node:crypto';
import { uniqueName } from '../stack-env.js';
import type { Kind } from './world.js';

export interface Case {
  /** What is wrong, as the summary shows it. */
  name: string;
  kind: Kind;
  /** metadata.name; a unique one by default. */
  resource?: string;
  /** Runs before the resource is created (other resources it needs, faults to inject). */
  setup?: () => Promise<void>;
  spec: () => Record<string, unknown>;
  /** Runs once the resource exists (a fault in the middle of its work). */
  whileRunning?: (resource: string) => Promise<void>;
  reason: string;
  /** Unknown: waiting (PENDING, checked again); False: failed. */
  succeeded: 'Unknown' | 'False';
  /** In the condition's message; the first one also in the Event's. */
  messageIncludes: string[];
}

/** A DNS subdomain of exactly 253 characters (labels of at most 63, joined by dots). */
export function longName(prefix: string): string {
  const label = 'n'.repeat(63);
  return `${`${prefix}-${randomInt(1000, 9999)}-`.padEnd(61, 'a')}.${label}.${label}.${label}`;
}

/** A backup spec to the bad-input bucket with the S3 Secret, on `cluster` unless `over` says otherwise. */
export const s3Spec =
  (cluster: string) =>
  (over: Record<string, unknown> = {}) => ({
    cassandraCluster: cluster,
    storageLocation: 's3://bad-input',
    secretName: 'creds',
    ...over,
  });
export const backup = (c: Omit<Case, 'kind'>): Case => ({ ...c, kind: 'CassandraBackup' });
export const restore = (c: Omit<Case, 'kind'>): Case => ({ ...c, kind: 'CassandraRestore' });
export const name = (prefix: string) => uniqueName(prefix);
