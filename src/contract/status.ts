// The shapes a run writes into its resource's status: one node's work and progress, a restore's phases,
// condition changes and Events. Plain data: it travels in workflow history, so it never holds a
// credential value.

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

/** A Kubernetes Event to publish on the resource. */
export interface ResourceEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ConditionChange {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** A status write: top-level fields (null clears one) and condition changes applied to the live object. */
export interface StatusChange {
  fields: Record<string, unknown>;
  conditions?: ConditionChange[];
  /** Condition bookkeeping uses this generation. */
  generation: number;
}
