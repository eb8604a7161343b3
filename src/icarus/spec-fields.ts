// Where every spec field goes: into an Icarus request body (src/contract/icarus-requests.ts), or nowhere because only
// the operator reads it (with why, in one line). `spec.skipBucketVerification` was once read by no
// builder and so silently dropped; these tables make that a compile error (every key of each spec type
// needs an entry) and test/unit/icarus/spec-fields.test.ts a test failure (every key of each zod schema
// needs one, and a field said to be sent must change the body when it changes).
// A new spec field: add it in src/kube/api/definitions/<kind>.ts, then here, then to the builder if it is sent.
import type {
  BackupTemplate,
  CassandraBackupScheduleSpec,
  CassandraBackupSpec,
  CassandraRestoreSpec,
} from '../kube/api/resources.js';
import type { BackupRequest, RestoreRequest } from '../contract/icarus-requests.js';

/** How one spec field reaches Icarus, if it does. */
export type FieldUse<Request> =
  /** The builder copies it (converted as Icarus reads it) into these fields of the body. */
  | { sent: readonly (keyof Request)[] }
  /** The plan turns it into what the builder sends into these fields: `by` says how. */
  | { resolved: readonly (keyof Request)[]; by: string }
  /** Never sent: what the operator does with it. */
  | { operatorOnly: string };

/** One entry per field of `Spec`, optional fields included. */
export type SpecCoverage<Spec, Request> = { readonly [K in keyof Spec]-?: FieldUse<Request> };

/** CassandraBackup's spec into the backup request of each node (and of the topology upload). */
export const backupSpecFields: SpecCoverage<CassandraBackupSpec, BackupRequest> = {
  cassandraCluster: {
    operatorOnly: "selects the Cassandra pods by label; the request's cluster folder is Cassandra's own name",
  },
  storageLocation: { sent: ['storageLocation'] },
  secretName: {
    resolved: ['k8sSecretName'],
    by: 'credentialsFor(): the Secret name (and namespace) for Icarus 2.x; Icarus 3.x reads its environment',
  },
  snapshotTag: {
    resolved: ['snapshotTag'],
    by: 'planBackup: <tag or the resource name>-<schemaVersion>-<epochMillis>, the same on every node',
  },
  duration: { sent: ['duration'] },
  bandwidth: { sent: ['bandwidth'] },
  concurrentConnections: { sent: ['concurrentConnections'] },
  dc: { sent: ['dc'] },
  entities: { sent: ['entities'] },
  timeout: { sent: ['timeout'] },
  metadataDirective: { sent: ['metadataDirective'] },
  insecure: { sent: ['insecure'] },
  createMissingBucket: { sent: ['createMissingBucket'] },
  skipBucketVerification: { sent: ['skipBucketVerification'] },
  skipRefreshing: { sent: ['skipRefreshing'] },
  retry: { sent: ['retry'] },
  imported: {
    operatorOnly:
      'an imported backup sends no backup request: the operator reads its manifests from storage and marks it COMPLETED (activities/imported-backup.ts)',
  },
  deletionPolicy: {
    operatorOnly:
      'on deletion, Delete makes the operator remove the backup from storage (a remove-backup request built from the resource) before the finalizer goes',
  },
};

/** CassandraRestore's spec into the restore request of each phase on each node. */
export const restoreSpecFields: SpecCoverage<CassandraRestoreSpec, RestoreRequest> = {
  cassandraCluster: {
    operatorOnly: "selects the Cassandra pods by label; the request's cluster folder is Cassandra's own name",
  },
  cassandraBackup: {
    resolved: ['storageLocation', 'snapshotTag', 'k8sSecretName'],
    by: "planRestore: the source is the CassandraBackup's location, full tag and Secret, unless the spec gives them",
  },
  storageLocation: { resolved: ['storageLocation'], by: 'planRestore: the source, this or the backup’s' },
  snapshotTag: { resolved: ['snapshotTag'], by: 'planRestore: the source, this or the backup’s full tag' },
  secretName: {
    resolved: ['k8sSecretName'],
    by: "planRestore: the source's Secret, for Icarus 2.x; Icarus 3.x reads its environment",
  },
  concurrentConnections: { sent: ['concurrentConnections'] },
  dc: {
    operatorOnly:
      'selects the nodes the operator sends phases to (and the TruncateAffectsOtherDatacenters check); a per-node request names no dc',
  },
  entities: { sent: ['entities'] },
  timeout: { sent: ['timeout'] },
  noDeleteTruncates: { sent: ['noDeleteTruncates'] },
  noDeleteDownloads: { sent: ['noDeleteDownloads'] },
  noDownloadData: { sent: ['noDownloadData'] },
  import: { sent: ['import'] },
  resolveHostIdFromTopology: { sent: ['resolveHostIdFromTopology'] },
  insecure: { sent: ['insecure'] },
  skipBucketVerification: { sent: ['skipBucketVerification'] },
  retry: { sent: ['retry'] },
  rename: { sent: ['rename'] },
  schemaVersion: { sent: ['schemaVersion'] },
  exactSchemaVersion: { sent: ['exactSchemaVersion'] },
  restorationStrategyType: { sent: ['restorationStrategyType'] },
  allowClusterWideTruncate: {
    operatorOnly:
      'lets planRestore accept a dc filter although TRUNCATE empties the tables in every datacenter',
  },
  mode: {
    operatorOnly:
      'Verify makes the workflow run only DOWNLOAD and CLEANUP (CLEANUP keeping truncated files), into a download folder planRestore gives this restore alone',
  },
};

/** A CassandraBackupSchedule reaches Icarus only through the CassandraBackups it creates. */
export const scheduleSpecFields: { readonly [K in keyof CassandraBackupScheduleSpec]-?: string } = {
  schedules: 'when the Temporal Schedule starts a run',
  timeZone: 'the time zone of the Temporal Schedule',
  suspend: 'pauses the Temporal Schedule',
  concurrencyPolicy: "what a run does while the previous run's backup still runs",
  catchupWindow: 'the Temporal Schedule’s catch-up window',
  backupTemplate: 'each run creates a CassandraBackup from it (backupTemplateFields)',
  retention:
    'which backups a retention pass removes; each removal is a remove-backup request built from that backup',
  verifyBackups: 'each run whose backup succeeded creates a CassandraRestore of mode Verify for it',
};

/** The template of each run's CassandraBackup. */
export const backupTemplateFields: { readonly [K in keyof BackupTemplate]-?: string } = {
  metadata: "labels and annotations of the CassandraBackup each run creates: Kubernetes' only",
  spec: "the CassandraBackup's spec, copied whole (snapshotTag gets the run time): backupSpecFields",
};
