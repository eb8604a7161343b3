// The invalid CassandraBackupSchedule specs of test/api/crd-refusals.test.ts, as [what, kind, spec,
// fragment of the message the user sees]: each must be refused by the real API server with that
// message, and by the operator's own checks of the CEL rules alike.
import { backup, schedule, without, type Invalid } from '../../support/crd-api.js';

export const invalidSchedules: Invalid[] = [
  [
    'schedule without a time',
    'CassandraBackupSchedule',
    { ...schedule, schedules: [] },
    'spec.schedules: Invalid value: 0: spec.schedules in body should have at least 1 items',
  ],
  [
    'schedule with a cron of 3 fields',
    'CassandraBackupSchedule',
    { ...schedule, schedules: ['0 2 *'] },
    'a schedule is a cron expression of 5 fields',
  ],
  [
    'schedule with a time zone that is a sentence',
    'CassandraBackupSchedule',
    { ...schedule, timeZone: 'Paris time' },
    'timeZone must be an IANA time zone name',
  ],
  [
    'schedule with an unknown concurrency policy',
    'CassandraBackupSchedule',
    { ...schedule, concurrencyPolicy: 'Skip' },
    'spec.concurrencyPolicy: Unsupported value: "Skip"',
  ],
  [
    'schedule with a catch-up window in weeks',
    'CassandraBackupSchedule',
    { ...schedule, catchupWindow: '2w' },
    'catchupWindow must be whole days, hours, minutes and seconds',
  ],
  [
    'schedule with a catch-up window of zero',
    'CassandraBackupSchedule',
    { ...schedule, catchupWindow: '0s' },
    'catchupWindow must be at least 10s',
  ],
  [
    'schedule whose template misses the secret',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: without(backup, 'secretName') } },
    'spec.backupTemplate.spec.secretName: Required value',
  ],
  [
    'schedule whose template has a bad location',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, storageLocation: 'bucket' } } },
    'storageLocation must start with one of',
  ],
  [
    'schedule template location with two folders after the bucket',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, storageLocation: 's3://bucket/backup/location' } } },
    'never one or two folders after the bucket',
  ],
  [
    'schedule whose template has every name and list wrong',
    'CassandraBackupSchedule',
    {
      ...schedule,
      backupTemplate: {
        spec: {
          cassandraCluster: 'a b',
          storageLocation: 's3://a b',
          secretName: 'X',
          snapshotTag: 'a/b',
          duration: '2 weeks',
          dc: 'a,b',
          entities: 'a;b',
        },
      },
    },
    'spec.backupTemplate.spec.cassandraCluster',
  ],
  [
    'schedule whose template has an unknown deletion policy',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, deletionPolicy: 'Purge' } } },
    'spec.backupTemplate.spec.deletionPolicy: Unsupported value: "Purge"',
  ],
  [
    'retention that keeps everything',
    'CassandraBackupSchedule',
    { ...schedule, retention: { dry: true } },
    'retention needs keepLast, maxAge or both',
  ],
  [
    'retention keeping zero backups',
    'CassandraBackupSchedule',
    { ...schedule, retention: { keepLast: 0 } },
    'spec.retention.keepLast: Invalid value: 0',
  ],
  [
    'retention of an age in weeks',
    'CassandraBackupSchedule',
    { ...schedule, retention: { maxAge: '2w' } },
    'maxAge must be whole days, hours, minutes and seconds',
  ],
  [
    'retention of age zero',
    'CassandraBackupSchedule',
    { ...schedule, retention: { maxAge: '0d' } },
    'maxAge must be at least 1s',
  ],
  [
    'schedule whose template imports',
    'CassandraBackupSchedule',
    { ...schedule, backupTemplate: { spec: { ...backup, snapshotTag: 'x', imported: true } } },
    "a schedule's backups are taken, not imported",
  ],
];
