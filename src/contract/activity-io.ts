// The plain data the activities hand the workflows: a resource's spec as it is now, the plans, what the
// watch of the Icarus operations saw, how a cancel and a scheduled run's backup ended. Plain data only:
// it goes into workflow history, so it never holds a credential value. (Inputs that only one activity
// takes are declared next to it, in activities/.)
import type { CassandraBackupSpec, CassandraRestoreSpec } from '../kube/api/resources.js';
import type { BackupRequestTemplate, RestoreRequestTemplate } from './icarus-requests.js';
import type { ResourceKey, ResourceKind } from './ids.js';
import type { ScheduledBackupResult } from './runs.js';
import type { NodeWork } from './status.js';

/** What the plan activity found: where each node is and what the backup will be called. */
export interface BackupPlan {
  /** Cluster name as Cassandra reports it. */
  clusterName: string;
  schemaVersion: string;
  /** <tag>-<schemaVersion>-<epochMillis>, shared by every node. */
  resolvedTag: string;
  icarusGeneration: 2 | 3;
  dataDirs: string[];
  nodes: NodeWork[];
  /**
   * The backup's Icarus request, built once from the spec: each node's is made of it when submitted.
   * Absent from plans recorded before the workflows' `backup-request-built-in-plan` patch.
   */
  request?: BackupRequestTemplate;
}

export interface LoadedBackup {
  generation: number;
  spec: CassandraBackupSpec;
  /** The resource is being deleted (metadata.deletionTimestamp): nothing may start for it. */
  deleting?: boolean;
}

export interface LoadedRestore {
  generation: number;
  spec: CassandraRestoreSpec;
  deleting?: boolean;
}

/** Where a restore reads from, resolved from the spec or from its CassandraBackup. */
export interface RestoreSource {
  cassandraBackup?: string;
  storageLocation: string;
  /** The backup's full tag, or the prefix the user gave (each node then picks its newest match). */
  snapshotTag: string;
  secretName: string;
  /** The backup's schema version, when known (from the CassandraBackup). */
  schemaVersion?: string;
}

/** What the restore plan activity found: the source, the nodes to restore and where files go. */
export interface RestorePlan {
  clusterName: string;
  icarusGeneration: 2 | 3;
  source: RestoreSource;
  dataDirs: string[];
  cassandraDirectory: string;
  downloadDir: string;
  /** The selected nodes (spec.dc), in status order. */
  nodes: NodeWork[];
  /**
   * The restore's Icarus request, built once from the spec and the source: each phase's on each node
   * is made of it when submitted. Absent from plans recorded before `restore-request-built-in-plan`.
   */
  request?: RestoreRequestTemplate;
}

/** How an operation on one node ended, as the watch activity saw it. */
export type NodeOutcome = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'LOST' | 'UNREACHABLE';

export interface WatchInput {
  resource: ResourceKey;
  kind: ResourceKind;
  /** Every node, in status order; the ones in `active` are polled. */
  nodes: NodeWork[];
  active: string[];
  /** Return as soon as one active node ends ('any'), or when all have ('all'). */
  returnWhen: 'any' | 'all';
  /** Epoch ms after which the watch returns with timedOut (spec.timeout). */
  deadline: number;
  pollIntervalMs: number;
  unreachableAfterMs: number;
  /** Write nothing to the resource's status (the topology upload, which is not a node's progress). */
  silent?: boolean;
  /**
   * Restore: the overall progress counts phases. `done` phases are finished out of `total`; the active
   * nodes' mean progress is the current phase's share. Without it, progress is the mean over all nodes.
   */
  phaseProgress?: { done: number; total: number };
}

export interface WatchResult {
  nodes: NodeWork[];
  ended: { pod: string; outcome: NodeOutcome; message?: string }[];
  timedOut: boolean;
}

export interface CancelResult {
  /** Per pod: the state the operation ended in, or ABANDONED when it still ran after the grace period. */
  outcomes: Record<string, string>;
}

/** How a scheduled run's backup ended, as the activity that waited for it read it. */
export interface BackupRunOutcome {
  result: ScheduledBackupResult;
  /** The Succeeded condition's reason and message, when the backup has them. */
  reason?: string;
  message?: string;
}

/** What an imported backup is in storage (activities/imported-backup.ts): names and numbers only. */
export interface ImportedBackup {
  /** Its full name, `<tag>-<schemaVersion>-<epochMillis>`. */
  name: string;
  schemaVersion: string;
  /** When it was taken, ISO 8601. */
  time: string;
  /** The cluster folder it is in. */
  cluster: string;
  datacenters: string[];
  /** Each node's files and bytes, its tokens, and its host name when the topology file gives it. */
  nodes: { dc: string; hostId: string; files: number; bytes: number; tokens: string[]; hostname?: string }[];
  /** Nodes its topology file lists, when it has one. */
  expectedNodes?: number;
}
