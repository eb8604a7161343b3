// The invalid CassandraBackupSync specs of test/api/crd-refusals.test.ts, as [what, kind, spec,
// fragment of the message the user sees]: each must be refused by the real API server with that
// message, and by the operator's own checks of the CEL rules alike.
import { sync, type Invalid } from '../../support/crd-api.js';

export const invalidSyncs: Invalid[] = [
  [
    'sync of a location without a protocol',
    'CassandraBackupSync',
    { ...sync, storageLocation: 'bucket' },
    'storageLocation must start with one of',
  ],
  [
    'sync of a location with spaces',
    'CassandraBackupSync',
    { ...sync, storageLocation: 's3://my bucket' },
    'storageLocation must be protocol://bucket[/path]',
  ],
  [
    'sync of a location with two folders after the bucket',
    'CassandraBackupSync',
    { ...sync, storageLocation: 's3://bucket/backup/location' },
    'never one or two folders after the bucket',
  ],
  [
    'sync with a Secret name that is no object name',
    'CassandraBackupSync',
    { ...sync, secretName: 'Creds_1' },
    'secretName must be a Kubernetes object name',
  ],
  [
    'sync with a cassandraCluster that is no label value',
    'CassandraBackupSync',
    { ...sync, cassandraCluster: 'my cluster' },
    'cassandraCluster must be a label value',
  ],
  [
    'sync every week',
    'CassandraBackupSync',
    { ...sync, interval: '1w' },
    'interval must be whole days, hours, minutes and seconds',
  ],
  [
    'sync with an interval of zero',
    'CassandraBackupSync',
    { ...sync, interval: '0m' },
    'interval must be at least 1m',
  ],
];
