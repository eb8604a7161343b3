import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cassandraBackupScheduleSpecSchema,
  type CassandraBackupSchedule,
} from '../../../src/kube/api/resources.js';
import { runStamp, scheduledBackupName, scheduledSnapshotTag } from '../../../src/schedule/backup-name.js';
import { parseScheduleDuration } from '../../../src/schedule/duration.js';
import { desiredSchedule } from '../../../src/temporal/schedule.js';

const config = { TEMPORAL_TASK_QUEUE: 'q', ICARUS_POLL_INTERVAL_MS: 1000, HEARTBEAT_TIMEOUT_SECONDS: 30 };

function schedule(spec: Record<string, unknown>): CassandraBackupSchedule {
  return {
    apiVersion: 'db.ibm.com/v1alpha1',
    kind: 'CassandraBackupSchedule',
    metadata: { namespace: 'ns', name: 'nightly', uid: 'u1', generation: 1 },
    spec: cassandraBackupScheduleSpecSchema.parse({
      schedules: ['0 2 * * *'],
      backupTemplate: { spec: { cassandraCluster: 'c', storageLocation: 's3://b', secretName: 's' } },
      ...spec,
    }),
  };
}

test('durations: days, hours, minutes and seconds, combined', () => {
  assert.equal(parseScheduleDuration('7d'), 7 * 86_400_000);
  assert.equal(parseScheduleDuration('1d12h'), 36 * 3_600_000);
  assert.equal(parseScheduleDuration('90m'), 5_400_000);
  assert.equal(parseScheduleDuration('1h30s'), 3_630_000);
  assert.throws(() => parseScheduleDuration('2w'), /whole days, hours, minutes and seconds/);
  assert.throws(() => parseScheduleDuration(''), /whole days/);
});

test('a run is named after the UTC time it was due, to the second; the tag too when the template has one', () => {
  const at = new Date('2026-11-24T02:00:07.123Z');
  assert.equal(runStamp(at), '20261124-020007');
  assert.equal(scheduledBackupName('nightly', at), 'nightly-20261124-020007');
  assert.equal(scheduledSnapshotTag('prod', at), 'prod-20261124-020007');
  assert.equal(scheduledSnapshotTag(undefined, at), undefined, "without one, the backup's name is its tag");
  assert.equal(scheduledBackupName('x'.repeat(47), at).length, 63, 'the longest name is still a label value');
});

test('the Temporal Schedule: crons, time zone, overlap policy, catch-up window, paused, one action per run', () => {
  const { options } = desiredSchedule(
    schedule({ timeZone: 'Europe/Paris', concurrencyPolicy: 'Replace', catchupWindow: '2h', suspend: true }),
    config,
    { withSearchAttributes: true },
  );
  assert.equal(options.scheduleId, 'cassandrabackupschedule/ns/nightly/u1');
  assert.deepEqual(options.spec, { cronExpressions: ['0 2 * * *'], timezone: 'Europe/Paris' });
  assert.deepEqual(options.policies, {
    overlap: 'CANCEL_OTHER',
    catchupWindow: 7_200_000,
    pauseOnFailure: false,
  });
  assert.equal(options.state?.paused, true);
  assert.equal(options.action.workflowType, 'scheduledBackupWorkflow');
  assert.equal(options.action.workflowId, 'cassandrabackupschedule/ns/nightly/u1/run');
  assert.deepEqual(options.action.args, [
    {
      schedule: { namespace: 'ns', name: 'nightly', uid: 'u1' },
      options: { pollIntervalMs: 1000, heartbeatTimeoutMs: 30_000 },
    },
  ]);
  assert.equal(
    desiredSchedule(schedule({ concurrencyPolicy: 'Forbid' }), config, { withSearchAttributes: true }).options
      .policies?.overlap,
    'SKIP',
  );
  assert.equal(
    desiredSchedule(schedule({ concurrencyPolicy: 'Allow' }), config, { withSearchAttributes: true }).options
      .policies?.overlap,
    'ALLOW_ALL',
  );
});

test('the fingerprint follows what Temporal holds, not suspend or retention (read at run time)', () => {
  const fp = (spec: Record<string, unknown>, cfg = config) =>
    desiredSchedule(schedule(spec), cfg, { withSearchAttributes: true }).fingerprint;
  const base = fp({});
  assert.equal(fp({ suspend: true }), base);
  assert.equal(fp({ retention: { keepLast: 3 } }), base);
  assert.notEqual(fp({ schedules: ['0 3 * * *'] }), base);
  assert.notEqual(fp({ timeZone: 'Asia/Tokyo' }), base);
  assert.notEqual(fp({ concurrencyPolicy: 'Allow' }), base);
  assert.notEqual(fp({ catchupWindow: '5m' }), base);
  assert.notEqual(fp({}, { ...config, TEMPORAL_TASK_QUEUE: 'other' }), base);
});
