// What the watcher hands the workflow of a CassandraBackupSync (workflows/backup-sync.ts). Plain data.
import type { ResourceKey } from './ids.js';

export interface BackupSyncInput {
  resource: ResourceKey;
  /** Its link in the Temporal Web UI, for the status, when configured. */
  workflowUrl?: string;
  /** A listing not heard of for this long is run again (by another worker): HEARTBEAT_TIMEOUT_SECONDS. */
  heartbeatTimeoutMs: number;
}
