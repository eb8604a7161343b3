// One run of a CassandraBackupSchedule, started by its Temporal Schedule at the time the run is due:
// create the run's CassandraBackup (which the watcher hands to its own backup workflow, like any other),
// wait for it to end, then apply the retention policy and record the run in the schedule's status.
// Temporal's overlap policy decides what happens when a run is due while this one still runs; under
// Replace this run is cancelled, and then cancels its backup before it ends.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { cancelSignal } from './signals.js';
import type { BackupRunOutcome } from '../src/contract/activity-io.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RetentionResult } from '../src/contract/retention.js';
import type { ScheduledBackupInput, ScheduledRunResult } from '../src/contract/runs.js';
import { k8s } from './run/activities.js';
import { backupWorkflowId } from '../src/contract/ids.js';

/** Set by Temporal on every workflow a Schedule starts: the time the run was due (not when it started). */
const scheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/** How long a replaced backup is given to reach CANCELLED before the next run starts anyway. */
const CANCEL_WAIT_ROUNDS = 60;
const ROUND = '2 seconds';

export async function scheduledBackupWorkflow(input: ScheduledBackupInput): Promise<ScheduledRunResult> {
  const { schedule, options } = input;
  const waiting = proxyActivities<Activities>({
    startToCloseTimeout: '30 days',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  const at = (
    workflowInfo().typedSearchAttributes.get(scheduledStartTime) ?? workflowInfo().startTime
  ).toISOString();

  let started;
  try {
    started = await k8s.startScheduledRun({ schedule, scheduledAt: at });
  } catch (err) {
    // Refused for good (BackupNameTaken, InvalidBackupTemplate): on the schedule, then the run fails.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      await k8s.refuseScheduledRun({
        schedule,
        scheduledAt: at,
        reason: err.cause.type ?? 'RunFailed',
        message: err.cause.message,
      });
    }
    throw err;
  }
  if ('gone' in started) return { outcome: 'ScheduleGone' };
  const { backup } = started;

  let outcome: BackupRunOutcome;
  try {
    outcome = await waiting.awaitBackup({ backup, pollIntervalMs: options.pollIntervalMs });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      const ended = await cancelBackup(backup);
      await k8s.endScheduledRun({ schedule, backup, scheduledAt: at, outcome: ended });
    });
    throw err;
  }

  // Retention finishes even if a newer run replaces this one meanwhile: a removal is never left half done.
  const retention =
    outcome.result === 'Succeeded'
      ? await CancellationScope.nonCancellable(() => applyRetention(input))
      : undefined;
  await k8s.endScheduledRun({
    schedule,
    backup,
    scheduledAt: at,
    outcome,
    ...(retention ? { retention } : {}),
  });
  return { outcome: outcome.result, backup: backup.name, ...(retention ? { retention } : {}) };
}

/**
 * Asks the backup's workflow to cancel (it may not be started yet: the watcher starts it) and waits until
 * the backup has ended, so that a replacing run does not overlap it.
 */
async function cancelBackup(backup: ResourceKey): Promise<BackupRunOutcome> {
  const handle = getExternalWorkflowHandle(backupWorkflowId(backup.namespace, backup.name, backup.uid));
  let asked = false;
  for (let round = 0; round < CANCEL_WAIT_ROUNDS; round++) {
    const now = await k8s.readBackupOutcome(backup);
    if (now) return now;
    if (!asked) {
      try {
        await handle.signal(cancelSignal, { reason: 'ReplacedBySchedule' });
        asked = true;
      } catch {
        // Not started yet: ask again next round.
      }
    }
    await sleep(ROUND);
  }
  return {
    result: 'Cancelled',
    message: 'replaced by a newer run; its backup had not ended when that run started',
  };
}

async function applyRetention(input: ScheduledBackupInput): Promise<RetentionResult | undefined> {
  const removal = proxyActivities<Activities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: input.options.heartbeatTimeoutMs,
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
    },
  });
  const plan = await k8s.planRetention(input.schedule);
  if (!plan.enabled) return undefined;
  const result: RetentionResult = {
    dry: plan.dry,
    removed: [],
    wouldRemove: [],
    kept: plan.kept,
    protected: plan.protected,
    failed: [],
  };
  for (const backup of plan.remove) {
    if (plan.dry) {
      result.wouldRemove.push(backup.name);
      continue;
    }
    try {
      const removed = await removal.removeScheduledBackup({
        schedule: input.schedule,
        backup,
        pollIntervalMs: input.options.pollIntervalMs,
      });
      if (removed) result.removed.push(backup.name);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      result.failed.push({ name: backup.name, message: err.cause?.message ?? err.message });
      result.kept += 1;
    }
  }
  return result;
}
