// The invalid CassandraRestore specs of test/api/crd-refusals.test.ts, as [what, kind, spec,
// fragment of the message the user sees]: each must be refused by the real API server with that
// message, and by the operator's own checks of the CEL rules alike.
import { manual, restore, without, type Invalid } from '../../support/crd-api.js';

export const invalidRestores: Invalid[] = [
  [
    'restore location with two folders after the bucket',
    'CassandraRestore',
    { ...restore, storageLocation: 'azure://container/a/b/', snapshotTag: 't', secretName: 's' },
    'Icarus takes protocol://bucket or protocol://bucket/cluster/dc/node',
  ],
  [
    'restore without any source',
    'CassandraRestore',
    { cassandraCluster: 'c1' },
    'set spec.cassandraBackup, or all three of spec.storageLocation, spec.snapshotTag and spec.secretName',
  ],
  [
    'restore by location without secret',
    'CassandraRestore',
    without(manual, 'secretName'),
    'set spec.cassandraBackup, or all three',
  ],
  [
    'restore by location without tag',
    'CassandraRestore',
    without(manual, 'snapshotTag'),
    'set spec.cassandraBackup, or all three',
  ],
  [
    'restore without cassandraCluster',
    'CassandraRestore',
    without(restore, 'cassandraCluster'),
    'spec.cassandraCluster: Required value',
  ],
  [
    'rename to a bare table',
    'CassandraRestore',
    { ...restore, rename: { 'ks.t1': 't2' } },
    "rename maps 'keyspace.table' to 'keyspace.table'",
  ],
  [
    'rename from a bare table',
    'CassandraRestore',
    { ...restore, rename: { t1: 'ks.t2' } },
    "rename maps 'keyspace.table' to 'keyspace.table'",
  ],
  [
    'schemaVersion not a UUID',
    'CassandraRestore',
    { ...restore, schemaVersion: 'v42' },
    'schemaVersion must be a UUID',
  ],
  [
    'IN_PLACE strategy',
    'CassandraRestore',
    { ...restore, restorationStrategyType: 'IN_PLACE' },
    'spec.restorationStrategyType: Unsupported value: "IN_PLACE"',
  ],
  [
    'empty dc in a list',
    'CassandraRestore',
    { ...restore, dc: 'dc1,,dc2' },
    'dc is a comma-separated list of datacenter names',
  ],
  [
    'backup reference with capitals',
    'CassandraRestore',
    { ...restore, cassandraBackup: 'Nightly_Backup' },
    'cassandraBackup must be a Kubernetes object name',
  ],
  [
    'restore from an unknown protocol',
    'CassandraRestore',
    { ...manual, storageLocation: 'nfs://server/x' },
    'storageLocation must start with one of',
  ],
  [
    'restore whose names and lists are all wrong',
    'CassandraRestore',
    {
      cassandraCluster: 'my ring',
      storageLocation: 's3://my bucket',
      snapshotTag: 'a/b',
      secretName: 'My_Secret',
      entities: 'ks1;ks2',
    },
    'cassandraCluster must be a label value',
  ],
  [
    'import option as text',
    'CassandraRestore',
    { ...restore, import: { quick: 'yes' } },
    'spec.import.quick in body must be of type boolean',
  ],
  // mode Verify refuses what only loading data needs (each rule once).
  ...(
    [
      ['rename', { rename: { 'ks.a': 'ks.b' } }],
      ['noDeleteTruncates', { noDeleteTruncates: true }],
      ['noDeleteDownloads', { noDeleteDownloads: true }],
      ['noDownloadData', { noDownloadData: true }],
      ['import', { import: {} }],
      ['allowClusterWideTruncate: true', { dc: 'dc1', allowClusterWideTruncate: true }],
    ] as const
  ).map(([field, fields]): Invalid => [
    `verify with ${field}`,
    'CassandraRestore',
    { ...restore, mode: 'Verify', ...fields },
    `mode Verify loads no data, so ${field} has no meaning there`,
  ]),
  [
    'unknown mode',
    'CassandraRestore',
    { ...restore, mode: 'Check' },
    'spec.mode: Unsupported value: "Check"',
  ],
];
