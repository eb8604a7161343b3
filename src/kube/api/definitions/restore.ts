// CassandraRestore: its spec, the fields frozen once it started, rules and printer columns.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { CrdDefinition, Schema } from '../schema.js';
import {
  cassandraCluster,
  concurrentConnections,
  entities,
  insecure,
  objectName,
  restoreSkipBucketVerification,
  retry,
  snapshotTag,
  storageLocation,
  timeout,
} from './fields.js';
import { status } from './status.js';
import { reasonColumn, succeededColumn } from './backup.js';

export const TABLE = String.raw`^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`;

/**
 * What a Verify restore refuses: fields that only mean something when data is loaded into the tables,
 * each with the CEL that says it is set (a false or empty value is what leaving it out means).
 */
export const VERIFY_REFUSES: Record<string, string> = {
  rename: 'has(self.rename) && size(self.rename) > 0',
  noDeleteTruncates: 'has(self.noDeleteTruncates) && self.noDeleteTruncates',
  noDeleteDownloads: 'has(self.noDeleteDownloads) && self.noDeleteDownloads',
  noDownloadData: 'has(self.noDownloadData) && self.noDownloadData',
  // `import` is a word CEL reserves: Kubernetes names the property `__import__` in rules.
  import: 'has(self.__import__)',
  allowClusterWideTruncate: 'has(self.allowClusterWideTruncate) && self.allowClusterWideTruncate',
};

const isVerify = "has(self.mode) && self.mode == 'Verify'";

export const restoreSpec: Schema = {
  tsName: 'CassandraRestoreSpec',
  type: 'object',
  required: ['cassandraCluster'],
  properties: {
    cassandraCluster,
    cassandraBackup: objectName(
      'cassandraBackup',
      'CassandraBackup (same namespace) to restore. Without it, storageLocation, snapshotTag and secretName are all required.',
      true,
    ),
    storageLocation: storageLocation(false),
    snapshotTag: {
      ...snapshotTag,
      description:
        'Tag of the backup to restore; a prefix picks the newest backup whose full tag starts with it. Taken from the CassandraBackup when empty.',
    },
    secretName: objectName(
      'secretName',
      "Secret with the storage credentials; the CassandraBackup's when empty.",
      true,
    ),
    concurrentConnections: concurrentConnections('download'),
    dc: {
      type: 'string',
      maxLength: 1024,
      description:
        'Restore only these datacenters, comma separated. Cassandra truncates tables cluster-wide: see allowClusterWideTruncate.',
      'x-kubernetes-validations': [
        {
          rule: String.raw`self == '' || self.matches(r'^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$')`,
          message: "dc is a comma-separated list of datacenter names, e.g. 'dc1,dc2'",
        },
      ],
    },
    entities,
    timeout,
    noDeleteTruncates: { type: 'boolean', description: 'CLEANUP keeps the truncated SSTables.' },
    noDeleteDownloads: { type: 'boolean', description: 'CLEANUP keeps the downloaded SSTables.' },
    noDownloadData: {
      type: 'boolean',
      description:
        'Skip downloading: the files are expected from an earlier restore that kept them (noDeleteDownloads).',
    },
    import: {
      tsName: 'RestoreImport',
      type: 'object',
      description: "Options of Cassandra's SSTable import (ColumnFamilyStoreMBean#importNewSSTables).",
      properties: {
        keepLevel: { type: 'boolean' },
        noVerify: { type: 'boolean' },
        noVerifyTokens: { type: 'boolean' },
        noInvalidateCaches: { type: 'boolean' },
        quick: { type: 'boolean', description: 'Sets noVerifyTokens, noInvalidateCaches and noVerify.' },
        extendedVerify: { type: 'boolean' },
        keepRepaired: { type: 'boolean' },
      },
    },
    resolveHostIdFromTopology: {
      type: 'boolean',
      description:
        'Map each node to its backup through the topology file written with the backup (restore into another cluster).',
    },
    insecure,
    skipBucketVerification: restoreSkipBucketVerification,
    retry,
    rename: {
      type: 'object',
      maxProperties: 256,
      additionalProperties: { type: 'string', maxLength: 97 },
      description:
        "Restore a table into another: {'ks.t1': 'ks.t2'} truncates ks.t2 and fills it with ks.t1's data.",
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.matches(r'${TABLE}') && self[k].matches(r'${TABLE}'))`,
          message:
            "rename maps 'keyspace.table' to 'keyspace.table', e.g. {'shop.orders': 'shop.orders_restored'}",
        },
      ],
    },
    schemaVersion: {
      type: 'string',
      maxLength: 36,
      description:
        'Pick the backup taken with this Cassandra schema version (a UUID) among backups with the same tag.',
      'x-kubernetes-validations': [
        {
          rule: "self == '' || self.matches(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",
          messageExpression: `'schemaVersion must be a UUID such as 5d4b8c4e-1c7b-3d5a-9a8e-0f2c6f1e7b11; got "' + self + '"'`,
        },
      ],
    },
    exactSchemaVersion: {
      type: 'boolean',
      description: "Require the nodes' current schema version to equal the backup's.",
    },
    restorationStrategyType: {
      type: 'string',
      enum: ['HARDLINKS', 'IMPORT'],
      default: 'HARDLINKS',
      description:
        '(added) How SSTables are loaded into the running nodes: HARDLINKS (any Cassandra) or IMPORT (Cassandra 4+). IN_PLACE needs stopped nodes and is not offered.',
    },
    allowClusterWideTruncate: {
      type: 'boolean',
      default: false,
      description:
        '(added) With dc set, TRUNCATE still empties the restored tables in every datacenter. The restore refuses to run such a plan unless this is true.',
    },
    mode: {
      type: 'string',
      enum: ['Restore', 'Verify'],
      default: 'Restore',
      description:
        "(added) Restore loads the backup into the cluster's tables. Verify only checks the backup: every selected node downloads its files of the backup into a folder of this restore's own, esop checks each file's SHA-256 against the backup's manifest, and CLEANUP deletes the download again; no table is truncated or loaded, no truncated-* snapshot deleted. The status gives per node the files and bytes verified.",
    },
  },
  'x-kubernetes-validations': [
    ...Object.entries(VERIFY_REFUSES).map(([field, set]) => ({
      rule: `!(${isVerify}) || !(${set})`,
      message: `mode Verify loads no data, so ${field}${field === 'allowClusterWideTruncate' ? ': true' : ''} has no meaning there: remove it (Verify only downloads the backup's files, checks them and deletes them again)`,
    })),
    {
      rule: "(has(self.cassandraBackup) && self.cassandraBackup != '') || (has(self.storageLocation) && self.storageLocation != '' && has(self.snapshotTag) && self.snapshotTag != '' && has(self.secretName) && self.secretName != '')",
      message:
        'set spec.cassandraBackup, or all three of spec.storageLocation, spec.snapshotTag and spec.secretName to restore without a CassandraBackup',
    },
  ],
};

/**
 * Fields that choose what is restored where, with the value that stands for "unset": frozen once the
 * restore has started touching nodes (status.startTime), because a change would mix two restores.
 */
export const RESTORE_FROZEN_ONCE_STARTED: Record<string, string> = {
  cassandraBackup: "''",
  storageLocation: "''",
  snapshotTag: "''",
  schemaVersion: "''",
  exactSchemaVersion: 'false',
  dc: "''",
  entities: "''",
  rename: '{}',
  restorationStrategyType: "''",
  allowClusterWideTruncate: 'false',
  resolveHostIdFromTopology: 'false',
  mode: "'Restore'",
};

/**
 * `has(x) ? x : unset` on both sides: the API server's cost estimator loses the declared maxLength
 * through optional selection (`self.spec.?dc`) and then rejects the rule as too expensive.
 */
export const unchanged = (field: string, unset: string) =>
  `(has(self.spec.${field}) ? self.spec.${field} : ${unset}) == (has(oldSelf.spec.${field}) ? oldSelf.spec.${field} : ${unset})`;

export const cassandraRestore: CrdDefinition = {
  kind: 'CassandraRestore',
  plural: 'cassandrarestores',
  singular: 'cassandrarestore',
  shortNames: ['cassrestore', 'crs'],
  categories: ['cassandra'],
  description:
    'A restore of a Cassandra backup into a running cluster, phase by phase on every node through Icarus.',
  spec: restoreSpec,
  status: status(true),
  rootRules: [
    {
      rule:
        '!has(oldSelf.status) || !has(oldSelf.status.startTime) || (' +
        Object.entries(RESTORE_FROZEN_ONCE_STARTED)
          .map(([field, unset]) => unchanged(field, unset))
          .join(' && ') +
        ')',
      message: `once a restore has started, these fields cannot change: ${Object.keys(RESTORE_FROZEN_ONCE_STARTED).join(', ')}; create a new CassandraRestore`,
    },
  ],
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.cassandraCluster' },
    { name: 'Backup', type: 'string', jsonPath: '.spec.cassandraBackup' },
    // The tag restored, resolved from the backup when the restore names a CassandraBackup.
    { name: 'Tag', type: 'string', jsonPath: '.status.snapshotTag' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.progress', description: 'Percent done' },
    succeededColumn,
    reasonColumn,
    { name: 'Location', type: 'string', jsonPath: '.status.source.storageLocation', priority: 1 },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
