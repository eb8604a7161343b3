// The activities of a scheduled run: create the run's CassandraBackup (named after the time the run was
// due, owned by the schedule: a repeated run finds it instead of making a second one), wait until that
// backup ends (its own workflow runs it, started by the watcher), and record the run in the schedule's
// status and Events, with the backup's verify first when the schedule asks for one
// (./schedule-verify.ts). Retention is in ./retention.ts, what a run reports of it in ./retention-report.ts.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import { resourceNames, type CassandraBackup } from '../src/kube/api/resources.js';
import { findCondition } from '../src/kube/conditions.js';
import { recordEvent, type EventRecord } from '../src/kube/events.js';
import { readSchedule } from '../src/kube/schedule-status.js';
import {
  SCHEDULE_LABEL,
  SCHEDULED_TIME_ANNOTATION,
  scheduledBackupName,
  scheduledSnapshotTag,
} from '../src/schedule/backup-name.js';
import type { BackupRunOutcome } from '../src/contract/activity-io.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RetentionResult } from '../src/contract/retention.js';
import { isReason } from '../src/contract/reasons.js';
import type { ScheduledBackupResult } from '../src/contract/runs.js';
import type { StatusFields } from '../src/contract/status.js';
import type { ActivityDeps } from './deps.js';
import { readResource } from './resource.js';
import { retentionEvents, retentionStatus } from './retention-report.js';
import { verifyScheduledBackup } from './schedule-verify.js';
import { errorCode } from '../src/contract/error-code.js';
import { apiMessage } from '../src/kube/api-message.js';

const backups = resourceNames.CassandraBackup;

/** How a backup ended, from its resource; undefined while it runs. */
export function backupOutcome(obj: CassandraBackup | undefined): BackupRunOutcome | undefined {
  if (!obj || obj.metadata.deletionTimestamp) return { result: 'Deleted' };
  const succeeded = findCondition(obj.status?.conditions, 'Succeeded');
  if (!succeeded || succeeded.status === 'Unknown') return undefined;
  const result: ScheduledBackupResult =
    succeeded.status === 'True' ? 'Succeeded' : obj.status?.state === 'CANCELLED' ? 'Cancelled' : 'Failed';
  return { result, reason: succeeded.reason, message: succeeded.message };
}

/** The schedule's backups (its label and its uid as owner), as they are now. */
export async function scheduleBackups(
  custom: CustomObjectsApi,
  schedule: ResourceKey,
): Promise<CassandraBackup[]> {
  const list = (await custom.listNamespacedCustomObject({
    ...backups,
    namespace: schedule.namespace,
    labelSelector: `${SCHEDULE_LABEL}=${schedule.name}`,
  })) as { items: CassandraBackup[] };
  return list.items.filter((b) => b.metadata.ownerReferences?.some((o) => o.uid === schedule.uid));
}

export async function scheduleEvent(
  deps: ActivityDeps,
  schedule: ResourceKey,
  event: EventRecord,
): Promise<void> {
  await recordEvent(
    deps.core,
    { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackupSchedule', ...schedule },
    event,
  );
  deps.logger.info({ ...schedule, reason: event.reason, type: event.type }, event.message);
}

export interface StartRunInput {
  schedule: ResourceKey;
  /** When the run was due (ISO): names the backup. */
  scheduledAt: string;
}

export type StartRunResult = { backup: ResourceKey; created: boolean } | { gone: true };

export async function startScheduledRun(deps: ActivityDeps, input: StartRunInput): Promise<StartRunResult> {
  const { schedule } = input;
  const obj = await readSchedule(deps.custom, schedule.namespace, schedule.name);
  if (obj?.metadata.uid !== schedule.uid || obj.metadata.deletionTimestamp) return { gone: true };
  const at = new Date(input.scheduledAt);
  const name = scheduledBackupName(schedule.name, at);
  const template = obj.spec.backupTemplate;
  const tag = scheduledSnapshotTag(template.spec.snapshotTag, at);
  const body: CassandraBackup = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CassandraBackup',
    metadata: {
      name,
      namespace: schedule.namespace,
      labels: { ...template.metadata?.labels, [SCHEDULE_LABEL]: schedule.name },
      annotations: { ...template.metadata?.annotations, [SCHEDULED_TIME_ANNOTATION]: at.toISOString() },
      ownerReferences: [
        {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'CassandraBackupSchedule',
          name: schedule.name,
          uid: schedule.uid,
          controller: true,
        },
      ],
    },
    spec: { ...template.spec, ...(tag ? { snapshotTag: tag } : {}) },
  };
  let backup: CassandraBackup;
  let created = true;
  try {
    backup = (await deps.custom.createNamespacedCustomObject({
      ...backups,
      namespace: schedule.namespace,
      body,
    })) as CassandraBackup;
  } catch (err) {
    const code = errorCode(err);
    if (code === 422) {
      throw ApplicationFailure.create({
        message: `the API server refused the backup made from spec.backupTemplate: ${apiMessage(err)}`,
        type: 'InvalidBackupTemplate',
        nonRetryable: true,
      });
    }
    if (code !== 409) throw err;
    // This run made it before (a retried activity, a repeated run): take it, if it is this schedule's.
    const found = (await deps.custom.getNamespacedCustomObject({
      ...backups,
      namespace: schedule.namespace,
      name,
    })) as CassandraBackup;
    if (!found.metadata.ownerReferences?.some((o) => o.uid === schedule.uid)) {
      throw ApplicationFailure.create({
        message: `a CassandraBackup named ${name} exists and does not belong to this schedule: rename or delete it`,
        type: 'BackupNameTaken',
        nonRetryable: true,
      });
    }
    backup = found;
    created = false;
  }
  const key = { namespace: schedule.namespace, name, uid: backup.metadata.uid ?? '' };
  await recordRun(deps, schedule, at, { lastBackup: name, lastResult: 'Running' });
  if (created) {
    await scheduleEvent(deps, schedule, {
      type: 'Normal',
      reason: 'BackupCreated',
      message: `Created CassandraBackup ${name} for the run due at ${at.toISOString()}`,
    });
  }
  return { backup: key, created };
}

export interface AwaitBackupInput {
  backup: ResourceKey;
  pollIntervalMs: number;
}

/** Waits (heartbeating) until the backup ended; cancelled with the run (concurrencyPolicy Replace). */
export async function awaitBackup(deps: ActivityDeps, input: AwaitBackupInput): Promise<BackupRunOutcome> {
  const ctx = Context.current();
  for (;;) {
    const outcome = backupOutcome(await readResource(deps, 'CassandraBackup', input.backup));
    if (outcome) return outcome;
    ctx.heartbeat();
    await ctx.sleep(Math.max(500, Math.min(input.pollIntervalMs * 5, 5000)));
  }
}

/** How the backup stands now: undefined while it runs. */
export async function readBackupOutcome(
  deps: ActivityDeps,
  backup: ResourceKey,
): Promise<BackupRunOutcome | undefined> {
  return backupOutcome(await readResource(deps, 'CassandraBackup', backup));
}

export interface EndRunInput {
  schedule: ResourceKey;
  backup: ResourceKey;
  scheduledAt: string;
  outcome: BackupRunOutcome;
  retention?: RetentionResult;
}

export async function endScheduledRun(deps: ActivityDeps, input: EndRunInput): Promise<void> {
  const { schedule, backup, outcome } = input;
  // With spec.verifyBackups, a backup that succeeded gets its verify before the run says it ended.
  if (outcome.result === 'Succeeded') {
    const obj = await readSchedule(deps.custom, schedule.namespace, schedule.name);
    const verifying =
      obj?.metadata.uid === schedule.uid ? await verifyScheduledBackup(deps, obj, backup) : undefined;
    if (verifying) await scheduleEvent(deps, schedule, verifying);
  }
  const at = new Date(input.scheduledAt);
  await recordRun(deps, schedule, at, {
    lastBackup: backup.name,
    lastResult: outcome.result === 'Deleted' ? 'Cancelled' : outcome.result,
    ...(outcome.result === 'Succeeded' ? { lastSuccessfulTime: at.toISOString() } : {}),
    ...(input.retention ? { retention: retentionStatus(input.retention) } : {}),
  });
  for (const event of input.retention ? retentionEvents(input.retention) : [])
    await scheduleEvent(deps, schedule, event);
  const detail = outcome.message ? `: ${outcome.message}` : '';
  await scheduleEvent(
    deps,
    schedule,
    outcome.result === 'Succeeded'
      ? { type: 'Normal', reason: 'BackupSucceeded', message: `CassandraBackup ${backup.name} succeeded` }
      : {
          type: 'Warning',
          reason: outcome.result === 'Failed' ? 'BackupFailed' : 'BackupCancelled',
          message: `CassandraBackup ${backup.name} ${outcome.result === 'Deleted' ? 'was deleted before it ended' : outcome.result.toLowerCase()}${detail}`,
        },
  );
}

export interface RefuseRunInput {
  schedule: ResourceKey;
  scheduledAt: string;
  reason: string;
  message: string;
}

/** A run that could not create its backup (a name taken, a template the API server refuses): said where users look. */
export async function refuseScheduledRun(deps: ActivityDeps, input: RefuseRunInput): Promise<void> {
  await recordRun(deps, input.schedule, new Date(input.scheduledAt), {
    lastResult: 'Failed',
    lastBackup: null,
  });
  await scheduleEvent(deps, input.schedule, {
    type: 'Warning',
    reason: isReason(input.reason) ? input.reason : 'RunFailed',
    message: `The run due at ${input.scheduledAt} made no backup: ${input.message}`,
  });
}

/**
 * The run's fields, written only when no later run wrote its own (runs may end out of order), and the
 * backups still running. Retention is written by whichever run applied it. Derived from the schedule's
 * status as the status writer last saw it: derived again when another run or the watcher wrote first.
 */
async function recordRun(
  deps: ActivityDeps,
  schedule: ResourceKey,
  at: Date,
  fields: StatusFields<'CassandraBackupSchedule'>,
): Promise<void> {
  const ref = { kind: 'CassandraBackupSchedule' as const, ...schedule };
  await deps.statusWriter.flush(ref, {
    derive: async (seen) => {
      const status = seen.status ?? {};
      const latest = !status.lastScheduleTime || Date.parse(status.lastScheduleTime) <= at.getTime();
      const { lastSuccessfulTime, retention, ...runFields } = fields;
      const newerSuccess =
        lastSuccessfulTime &&
        (!status.lastSuccessfulTime ||
          Date.parse(status.lastSuccessfulTime) < Date.parse(lastSuccessfulTime));
      const active = (await scheduleBackups(deps.custom, schedule))
        .filter((b) => !backupOutcome(b))
        .map((b) => b.metadata.name ?? '')
        .sort();
      return {
        ...(latest ? { ...runFields, lastScheduleTime: at.toISOString() } : {}),
        ...(newerSuccess ? { lastSuccessfulTime } : {}),
        ...(retention ? { retention } : {}),
        active,
      };
    },
  });
}
