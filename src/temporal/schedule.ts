// The Temporal Schedule a CassandraBackupSchedule stands for, pure: its cron expressions and time zone,
// the overlap policy for concurrencyPolicy, the catch-up window, paused for suspend, and the action that
// starts one scheduledBackupWorkflow per run. A fingerprint of everything but `suspend` travels in the
// action's memo, so the watcher can tell whether the schedule in Temporal still matches the resource.
import { createHash } from 'node:crypto';
import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../config.js';
import type { CassandraBackupSchedule } from '../kube/api/resources.js';
import type { ScheduledBackupInput } from '../contract/runs.js';
import { scheduleIdOf } from '../contract/ids.js';
import { resourceSearchAttributes } from './search-attributes.js';
import { parseScheduleDuration } from '../schedule/duration.js';

export const SCHEDULED_WORKFLOW_TYPE = 'scheduledBackupWorkflow';

/** concurrencyPolicy → Temporal's overlap policy (what happens when a run is due while one runs). */
export const OVERLAP: Record<CassandraBackupSchedule['spec']['concurrencyPolicy'], ScheduleOverlapPolicy> = {
  Forbid: 'SKIP',
  Allow: 'ALLOW_ALL',
  Replace: 'CANCEL_OTHER',
};

export type ScheduleConfig = Pick<
  Config,
  'TEMPORAL_TASK_QUEUE' | 'ICARUS_POLL_INTERVAL_MS' | 'HEARTBEAT_TIMEOUT_SECONDS'
>;

export interface DesiredSchedule {
  options: ScheduleOptions;
  /** Changes whenever the schedule in Temporal must be updated (suspend aside: that is pause / unpause). */
  fingerprint: string;
}

export function desiredSchedule(
  obj: CassandraBackupSchedule,
  config: ScheduleConfig,
  opts: { withSearchAttributes: boolean },
): DesiredSchedule {
  const namespace = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  const scheduleId = scheduleIdOf(namespace, name, uid);
  const input: ScheduledBackupInput = {
    schedule: { namespace, name, uid },
    options: {
      pollIntervalMs: config.ICARUS_POLL_INTERVAL_MS,
      heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_SECONDS * 1000,
    },
  };
  const { spec } = obj;
  const temporalSpec = { cronExpressions: [...spec.schedules], timezone: spec.timeZone };
  const policies = {
    overlap: OVERLAP[spec.concurrencyPolicy],
    catchupWindow: parseScheduleDuration(spec.catchupWindow),
    pauseOnFailure: false,
  };
  const cluster = spec.backupTemplate.spec.cassandraCluster;
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        temporalSpec,
        policies,
        input,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        cluster,
        searchAttributes: opts.withSearchAttributes,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    fingerprint,
    options: {
      scheduleId,
      spec: temporalSpec,
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_WORKFLOW_TYPE,
        // Temporal appends the run's time: one readable workflow per run in the Web UI.
        workflowId: `${scheduleId}/run`,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
        memo: { kind: 'CassandraBackupSchedule', namespace, name, cluster, fingerprint },
        ...(opts.withSearchAttributes
          ? {
              typedSearchAttributes: resourceSearchAttributes('CassandraBackupSchedule', namespace, cluster),
            }
          : {}),
      },
      policies,
      memo: { kind: 'CassandraBackupSchedule', namespace, name },
      state: { paused: spec.suspend, note: pauseNote(spec.suspend) },
    },
  };
}

export function pauseNote(suspended: boolean): string {
  return suspended
    ? 'suspended: spec.suspend is true on the CassandraBackupSchedule'
    : 'managed by cassandra-backup-operator';
}

/** The fingerprint the schedule in Temporal was made from (undefined for one this operator did not make). */
export function fingerprintOf(action: { memo?: Record<string, unknown> } | undefined): string | undefined {
  const value = action?.memo?.fingerprint;
  return typeof value === 'string' ? value : undefined;
}
