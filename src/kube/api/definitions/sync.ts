// CassandraBackupSync (added): a storage location kept listed, its backups made restorable by name.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { CrdDefinition, Schema } from '../schema.js';
import { insecure, objectName, storageLocation } from './fields.js';
import { condition, time } from './status.js';
import { scheduleDuration } from './schedule.js';

/** How many backups status.backups lists (the newest): the imported CassandraBackups are the full list. */
export const SYNC_STATUS_BACKUPS_MAX = 50;

export const syncSpec: Schema = {
  tsName: 'CassandraBackupSyncSpec',
  type: 'object',
  required: ['storageLocation', 'secretName'],
  properties: {
    storageLocation: {
      ...storageLocation(true),
      description:
        "The location to list, as backups write to it: 'protocol://bucket' (s3, gcp, azure, oracle, minio, ceph) or file:///absolute/folder/bucket. Every cluster folder in it is read (see clusterName). Nothing is ever written there.",
    },
    secretName: objectName(
      'secretName',
      'Secret (same namespace) with credentials that may list and read the location: the same keys as a CassandraBackup\u2019s.',
      false,
    ),
    insecure,
    clusterName: {
      type: 'string',
      maxLength: 253,
      description:
        "Only the backups of this Cassandra cluster: its name as the location's top folder has it (Cassandra's cluster name, whitespace as '-'). Empty: every cluster.",
    },
    cassandraCluster: {
      type: 'string',
      maxLength: 63,
      description:
        "The cassandraCluster of the CassandraBackups it creates (the cluster label value). Empty: each backup's cluster folder name.",
      'x-kubernetes-validations': [
        {
          rule: String.raw`self == '' || self.matches(r'^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')`,
          messageExpression: `'cassandraCluster must be a label value (letters, digits, \\'-\\', \\'_\\', \\'.\\', at most 63); got "' + self + '"'`,
        },
      ],
    },
    interval: {
      ...scheduleDuration('interval', 'How often the location is listed again.', '1m'),
      default: '1h',
    },
  },
};

const syncedBackup: Schema = {
  tsName: 'SyncedBackup',
  type: 'object',
  required: ['snapshotTag'],
  properties: {
    backup: {
      type: 'string',
      description:
        'The CassandraBackup that restores it by name (spec.cassandraBackup of a CassandraRestore).',
    },
    snapshotTag: {
      type: 'string',
      description: "Its full name in storage, '<tag>-<schemaVersion>-<epochMillis>'.",
    },
    schemaVersion: { type: 'string' },
    time: time('When it was taken (the time in its name).'),
    cluster: { type: 'string', description: 'The cluster folder it is in.' },
    datacenters: { type: 'string', description: 'Its datacenters, comma separated.' },
    nodes: { type: 'integer', minimum: 0, description: 'Nodes whose manifest it has.' },
    expectedNodes: {
      type: 'integer',
      minimum: 0,
      description: 'Nodes its topology file lists (none for backups made without one).',
    },
    complete: {
      type: 'boolean',
      description:
        'Every node its topology file lists finished (has its manifest). Incomplete backups are listed, not imported.',
    },
    files: { type: 'integer', format: 'int64', minimum: 0, description: 'SSTable files, all nodes.' },
    bytes: { type: 'integer', format: 'int64', minimum: 0, description: 'Their bytes, all nodes.' },
  },
};

export const syncStatus: Schema = {
  tsName: 'CassandraBackupSyncStatus',
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      description: 'Synced: whether the last listing of the location succeeded, and why not.',
    },
    workflowId: { type: 'string', description: 'The Temporal workflow that lists the location.' },
    workflowUrl: { type: 'string', description: 'Its link in the Temporal Web UI, when configured.' },
    lastSyncTime: time('When the location was last listed successfully.'),
    backupCount: { type: 'integer', minimum: 0, description: 'Backups the location holds.' },
    importedCount: {
      type: 'integer',
      minimum: 0,
      description: 'CassandraBackups this sync created for them.',
    },
    unreadable: {
      type: 'array',
      maxItems: 20,
      items: { type: 'string' },
      description:
        'Objects that look like manifests or topology files but could not be read as one (the first 20).',
    },
    backups: {
      type: 'array',
      maxItems: SYNC_STATUS_BACKUPS_MAX,
      items: syncedBackup,
      description: `The newest ${SYNC_STATUS_BACKUPS_MAX} backups the location holds, newest first.`,
    },
  },
};

export const cassandraBackupSync: CrdDefinition = {
  kind: 'CassandraBackupSync',
  plural: 'cassandrabackupsyncs',
  singular: 'cassandrabackupsync',
  shortNames: ['cbsync'],
  categories: ['cassandra'],
  description:
    'A storage location listed from storage alone: every backup it holds becomes a read-only CassandraBackup (spec.imported) a restore can name.',
  spec: syncSpec,
  status: syncStatus,
  rootRules: [],
  printerColumns: [
    { name: 'Location', type: 'string', jsonPath: '.spec.storageLocation' },
    { name: 'Backups', type: 'integer', jsonPath: '.status.backupCount' },
    { name: 'Imported', type: 'integer', jsonPath: '.status.importedCount' },
    { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSyncTime' },
    { name: 'Synced', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].status' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].reason' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
