// Every reason the operator puts on a condition or an Event, in one list: each has its entry in
// docs/troubleshooting.md (test/unit/docs/troubleshooting.test.ts fails otherwise), grouped as there.
// A new reason goes here and into that document.

export const reasons = [
  // Progress (nothing to do): conditions and Normal Events.
  'Pending',
  'Planning',
  'Running',
  'UploadingTopology',
  'Downloading',
  'Truncating',
  'Importing',
  'CleaningUp',
  'Completed',
  'Scheduled',
  'Suspended',
  'BackupStarted',
  'NodeBackedUp',
  'BackupSucceeded',
  'RestoreStarted',
  'Downloaded',
  'Truncated',
  'Imported',
  'CleanedUp',
  'RestoreSucceeded',
  'BackupVerified',
  'BackupRetried',
  'RestoreRetried',
  'RetryRequested',
  'ScheduleCreated',
  'ScheduleUpdated',
  'ScheduleSuspended',
  'ScheduleResumed',
  'BackupCreated',
  'VerifyCreated',
  'BackupRemoved',
  'RetentionDryRun',
  'RetentionProtected',
  // A backup deleted with deletionPolicy Delete: its data leaves storage before the resource goes.
  'RemovingBackup',
  'BackupInUse',
  'NothingToRemove',
  'BackupRetained',
  // A retry asked of a resource that cannot take one.
  'RetryIgnored',
  // The Warning Event of every failure and cancel.
  'BackupFailed',
  'RestoreFailed',
  'BackupCancelled',
  'RestoreCancelled',
  // The Cassandra cluster and its pods; Icarus.
  'NoCassandraPods',
  'NodesWithoutAddress',
  'CassandraClusterNotFound',
  'CassandraClusterNotReady',
  'UnknownDatacenter',
  'NodeNotInTopology',
  'SchemaVersionUnknown',
  'IcarusUnreachable',
  'IcarusUnavailable',
  'IcarusRejected',
  'IcarusProtocolError',
  'OperationLost',
  'IcarusOperationLost',
  // Storage and credentials.
  'SecretNotFound',
  'SecretMissingKeys',
  'InvalidStorageLocation',
  'UnsupportedStorageProtocol',
  'InvalidDuration',
  // Backups.
  'NodeFailed',
  'BucketNotFound',
  'StorageAccessDenied',
  'StorageUnreachable',
  'BucketCheckFailed',
  'TopologyUploadFailed',
  'SpecChanged',
  'Timeout',
  'PlanningFailed',
  'InvalidSpec',
  // Restores.
  'WaitingForBackup',
  'CassandraBackupNotFound',
  'CassandraBackupFailed',
  'CassandraBackupCancelled',
  'WaitingForRestore',
  'TruncateAffectsOtherDatacenters',
  'EntitiesNotInBackup',
  'SnapshotTagNotFound',
  'BackupTablesRead',
  'BackupContentsUnknown',
  'TruncateLost',
  'DownloadAgain',
  'DownloadsUnconfirmed',
  'TruncateOutcomeUnknown',
  'BackupVerificationFailed',
  // Cancel and deletion.
  'Cancelled',
  'CancelRequested',
  'CancelIgnored',
  'ResourceDeleted',
  'WorkflowCancelled',
  // Schedules.
  'InvalidSchedule',
  'BackupNameTaken',
  'InvalidBackupTemplate',
  'ReplacedBySchedule',
  'RunFailed',
  'RetentionFailed',
  'RemoveBackupFailed',
  'VerifyNotCreated',
  // Resources of another controller.
  'ManagedElsewhere',
  // Backups found in storage (CassandraBackupSync, spec.imported).
  'Synced',
  'BackupImported',
  'BackupIncomplete',
  // Restores into another cluster.
  'NodesDoNotMatchBackup',
  'TokensDoNotMatch',
  'SchemaNotInCluster',
] as const;

/** A reason of a condition or an Event. */
export type Reason = (typeof reasons)[number];

/**
 * Transient waits for something the spec names that does not exist yet: PENDING at first (it may be
 * created in the same apply), then FAILED after the operator's CONFIGURATION_WAIT_SECONDS, still checked
 * so that the run starts as soon as it appears. Other transient waits (pods starting, a backup still
 * running) stay PENDING for the whole retry window.
 */
export const configurationWaits: readonly Reason[] = [
  'NoCassandraPods',
  'CassandraClusterNotFound',
  'SecretNotFound',
  'CassandraBackupNotFound',
];

const known: ReadonlySet<string> = new Set(reasons);

/** Whether `text` is one of the reasons above. */
export function isReason(text: string): text is Reason {
  return known.has(text);
}

/**
 * Whether `text` has the form of a reason: one CamelCase word (what Kubernetes expects of a condition's
 * and an Event's reason, and what a program can act on).
 */
export function isReasonName(text: string): boolean {
  return /^[A-Z][A-Za-z0-9]*$/.test(text);
}
