// The removal of a deleted CassandraBackup's data (spec.deletionPolicy Delete), as it travels between the
// watcher that starts it, its workflow and its activity: plain data, no credential value (it goes into
// workflow history).
import type { ResourceKey } from './ids.js';
import type { Reason } from './reasons.js';

/** The condition a backup being deleted with deletionPolicy Delete carries: is its data gone yet. */
export const DATA_REMOVED_CONDITION = 'DataRemoved';

export interface BackupRemovalInput {
  backup: ResourceKey;
  pollIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** The wait before the next try after a held or failed one; doubled after each, up to `maxRecheckMs`. */
  recheckMs: number;
  maxRecheckMs: number;
}

/** How the removal ended: the finalizer may go. */
export type BackupRemovalOutcome =
  /** Icarus removed the backup from storage. */
  | 'Removed'
  /** There was nothing to remove: the backup wrote nothing, or retention had removed it already. */
  | 'NothingToRemove'
  /** deletionPolicy is no longer Delete: the data stays. */
  | 'Retained'
  /** The resource is gone (its finalizer was removed by hand). */
  | 'ResourceGone';

export interface BackupRemovalResult {
  outcome: BackupRemovalOutcome;
}

/** One try: done, or not yet (a restore still uses the backup, or the removal failed) and why. */
export type BackupRemovalStep =
  { done: true; outcome: BackupRemovalOutcome } | { done: false; reason: Reason; message: string };

/** The signature of backupRemovalWorkflow, for the client that starts it. */
export type BackupRemovalWorkflow = (input: BackupRemovalInput) => Promise<BackupRemovalResult>;
