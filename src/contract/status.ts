// The shapes a run writes into its resource's status: one node's work and progress, a restore's phases,
// condition changes and Events, and the status patch of each kind, typed from the generated status
// schema (src/kube/api/generated.ts): a change cannot carry a field its kind's CRD status does not have,
// nor a reason that is not one of src/contract/reasons.ts. Plain data: it travels in workflow history, so
// it never holds a credential value.
import type {
  CassandraBackupScheduleStatus,
  CassandraBackupStatus,
  CassandraBackupSyncStatus,
  CassandraRestoreStatus,
} from '../kube/api/resources.js';
import type { ResourceKind } from './ids.js';
import type { Reason } from './reasons.js';

/** One Cassandra node's part of the work. */
export interface NodeWork {
  pod: string;
  dc: string;
  rack: string;
  hostId: string;
  /** Icarus endpoint as host:port. */
  address: string;
  icarusUrl: string;
  operationId?: string;
  /** Icarus state of operationId: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED. */
  state?: string;
  /** 0..100 */
  progress?: number;
  startTime?: string;
  completionTime?: string;
  lastError?: string;
  /** Restore only: the phase of operationId (DOWNLOAD, TRUNCATE, IMPORT, CLEANUP). */
  phase?: RestorePhaseName;
  /** Restore only: the backup node whose folder this node reads, when it is not its own. */
  source?: BackupNodeRef;
  /** mode Verify: the files of the node's manifest its DOWNLOAD checked, and their bytes. */
  verifiedFiles?: number;
  verifiedBytes?: number;
}

/** A node of a backup, by its folder in the storage location. */
export interface BackupNodeRef {
  cluster: string;
  dc: string;
  hostId: string;
}

export const restorePhaseNames = ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;
export type RestorePhaseName = (typeof restorePhaseNames)[number];

/** One restore phase over all its nodes (status.phases). */
export interface PhaseWork {
  name: RestorePhaseName;
  state: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  nodes: number;
  completedNodes: number;
  startTime?: string;
  completionTime?: string;
}

/** A node's entry in status.nodes: its work without the Icarus URL, which stays internal. */
export type NodeStatus = Omit<NodeWork, 'icarusUrl'>;

/** A Kubernetes Event to publish on the resource. */
export interface ResourceEvent {
  type: 'Normal' | 'Warning';
  reason: Reason;
  message: string;
}

export interface ConditionChange {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
}

/** The status of each kind with a status subresource, as its CRD's schema has it. */
export interface StatusOf {
  CassandraBackup: CassandraBackupStatus;
  CassandraRestore: CassandraRestoreStatus;
  CassandraBackupSchedule: CassandraBackupScheduleStatus;
  CassandraBackupSync: CassandraBackupSyncStatus;
}

export type StatusKind = keyof StatusOf;

/** A JSON merge patch of a status: any of its top-level fields, each optional; null clears one. */
export type MergePatchOf<S> = { [F in keyof S]?: S[F] | null };

/** The fields a status write sets as values: every field but `conditions`, which changes set one by one. */
export type FieldsPatchOf<S> = Omit<MergePatchOf<S>, 'conditions'>;

/** S, and the fields only `Other` has declared absent: a value for one of those is refused. */
type Without<S, Other> = S & { [F in Exclude<keyof Other, keyof S>]?: never };

type BackupFields = FieldsPatchOf<CassandraBackupStatus>;
type RestoreFields = FieldsPatchOf<CassandraRestoreStatus>;

/**
 * A kind's status fields as a write sets them. Looked up by kind, so that code shared by both runs
 * (`StatusFields<K>` for a K of either) may write only what both kinds' statuses have: each run kind
 * declares the other's own fields absent.
 */
export interface StatusFieldsOf {
  CassandraBackup: Without<BackupFields, RestoreFields>;
  CassandraRestore: Without<RestoreFields, BackupFields>;
  CassandraBackupSchedule: FieldsPatchOf<CassandraBackupScheduleStatus>;
  CassandraBackupSync: FieldsPatchOf<CassandraBackupSyncStatus>;
}

export type StatusFields<K extends StatusKind> = StatusFieldsOf[K];

/** A whole merge patch of a kind's status, conditions included. */
export type StatusPatch<K extends StatusKind> = MergePatchOf<StatusOf[K]>;

/**
 * A status write of a backup's or restore's run: top-level fields (null clears one) and condition
 * changes applied to the resource's conditions. Its JSON shape is what recorded histories hold:
 * `{ fields, conditions, generation }`.
 */
export interface StatusChange<K extends ResourceKind = ResourceKind> {
  fields: StatusFields<K>;
  conditions?: ConditionChange[];
  /** Condition bookkeeping uses this generation. */
  generation: number;
}
