// A storm resource's journal: what the person who created it did and saw (its failures, the retries
// sent, its end), which the checks (./checks.ts) then hold against what Icarus ran; and what makes a
// lost TRUNCATE explained (a restart of the cluster's sidecars).
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { PodCluster } from '../cassandra-pods.js';
import type { ResourceClass } from './load.js';

export type Resource = CassandraBackup | CassandraRestore;

/** Restores that fail with these after a restart of their sidecars ended as designed (checks.ts). */
export const TRUNCATE_REASONS = new Set(['TruncateLost', 'TruncateOutcomeUnknown']);

/** Whether a sidecar of the journal's cluster restarted after `from` (epoch ms). */
export function restartedSince(j: Journal, from: number, to = Date.now()): boolean {
  const [a, b] = [new Date(from).toISOString(), new Date(to).toISOString()];
  return j.cluster.cluster.nodes.some((n) => n.simulator.restarts.some((t) => t >= a && t <= b));
}

export interface Journal {
  name: string;
  kind: 'backup' | 'restore';
  class: ResourceClass;
  cluster: PodCluster;
  uid?: string;
  createdAt: number;
  /** Restores: the CassandraBackup restored and the rows each node had when it was taken. */
  source?: { backup: string; rows: unknown[] };
  edit?: { at: number; from: string; to: string; progress: number } | { missed: string };
  deletedAt?: number;
  failures: { at: number; reason: string; message: string }[];
  retries: { at: number; afterReason: string }[];
  /** Restores: the second restore a person started while this one waited for retry. */
  second?: string;
  /** Last thing seen: the resource, or 'gone' once deleted. */
  end?: Resource | 'gone';
  /** It reached an end (COMPLETED, FAILED with no retry left, CANCELLED, gone) before the deadline. */
  ended: boolean;
  /** Restores: each node's rows when COMPLETED was seen, and whether another restore of the cluster was busy then. */
  rowsAtEnd?: { rows: unknown[]; othersBusy: boolean };
  /** What the person could not do (a call that kept failing). */
  problems: string[];
}
