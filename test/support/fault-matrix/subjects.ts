// What the fault matrix (../fault-matrix.ts) strikes: its targets (a backup, and a restore in each
// phase), the table the restores bring back, where the operations are held, one resource under test
// (Subject) and a failure it is expected to end in.
import type { PodCluster } from '../cassandra-pods.js';

export const RESTORE_PHASES = ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;
export type Target = 'backup' | (typeof RESTORE_PHASES)[number];
export const TARGETS: Target[] = ['backup', ...RESTORE_PHASES];

export const TABLE = 'shop.orders';
export const HOLD_AT = 0.5;

/** One resource under test. */
export interface Subject {
  target: Target;
  kind: 'backup' | 'restore';
  name: string;
  cluster: PodCluster;
  /** Requests each node had received before this resource was created. */
  mark: number[];
  /** Rows per node before the restore's tables were emptied. */
  seeded?: unknown[];
}

/** A failure a person then answers with the `retry` signal, after which the resource completes. */
export interface Expected {
  failsWith: string;
}
