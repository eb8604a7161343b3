// The resources as the rest of the code sees them: generated spec/status types plus metadata,
// and the names needed to address them through the Kubernetes API.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  cassandraBackup,
  cassandraBackupSchedule,
  cassandraBackupSync,
  cassandraRestore,
} from './definitions.js';
import type {
  CassandraBackupScheduleSpec,
  CassandraBackupScheduleStatus,
  CassandraBackupSpec,
  CassandraBackupStatus,
  CassandraBackupSyncSpec,
  CassandraBackupSyncStatus,
  CassandraRestoreSpec,
  CassandraRestoreStatus,
} from './generated.js';
import { GROUP, VERSION } from './schema.js';

export * from './generated.js';

export interface CassandraBackup {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: 'CassandraBackup';
  metadata: V1ObjectMeta;
  spec: CassandraBackupSpec;
  status?: CassandraBackupStatus;
}

export interface CassandraRestore {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: 'CassandraRestore';
  metadata: V1ObjectMeta;
  spec: CassandraRestoreSpec;
  status?: CassandraRestoreStatus;
}

export interface CassandraBackupSchedule {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: 'CassandraBackupSchedule';
  metadata: V1ObjectMeta;
  spec: CassandraBackupScheduleSpec;
  status?: CassandraBackupScheduleStatus;
}

export interface CassandraBackupSync {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: 'CassandraBackupSync';
  metadata: V1ObjectMeta;
  spec: CassandraBackupSyncSpec;
  status?: CassandraBackupSyncStatus;
}

/** Group, version and plural of each kind, for CustomObjectsApi calls and informer paths. */
export const resourceNames = {
  CassandraBackup: { group: GROUP, version: VERSION, plural: cassandraBackup.plural },
  CassandraRestore: { group: GROUP, version: VERSION, plural: cassandraRestore.plural },
  CassandraBackupSchedule: { group: GROUP, version: VERSION, plural: cassandraBackupSchedule.plural },
  CassandraBackupSync: { group: GROUP, version: VERSION, plural: cassandraBackupSync.plural },
} as const;
