// Reconciles one CassandraBackupSchedule by key, level-triggered, into its Temporal Schedule:
//   - finalizer first, so a deletion always removes the Temporal Schedule;
//   - create the schedule when Temporal has none, update it when the spec (or the operator settings it
//     carries) changed, pause or unpause it for `suspend`; all idempotent, keyed by the deterministic id;
//   - status: Ready, the schedule id and Web UI link, the next run time (requeued for when it is due,
//     so that it moves on after each run);
//   - a schedule Temporal refuses (a cron expression or time zone it cannot read) gets Ready=False with
//     Temporal's message and a Warning Event; the other schedules are served as before.
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../config.js';
import { GROUP, VERSION } from '../kube/api/schema.js';
import {
  cassandraBackupScheduleSpecSchema,
  resourceNames,
  type CassandraBackupSchedule,
} from '../kube/api/resources.js';
import { findCondition, setCondition, type ConditionUpdate } from '../kube/conditions.js';
import { recordEvent, type EventRecord } from '../kube/events.js';
import type { StatusWriter } from '../kube/status-writer.js';
import type { Logger } from '../logger.js';
import { scheduleUrl } from '../temporal/connection.js';
import { SearchAttributeFallback } from '../temporal/search-attributes.js';
import { desiredSchedule, fingerprintOf, pauseNote } from '../temporal/schedule.js';
import { scheduleIdOf } from '../contract/ids.js';
import type { Reason } from '../contract/reasons.js';
import type { StatusFields, StatusPatch } from '../contract/status.js';
import { SCHEDULE_FINALIZER, addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import type { ReconcileResult } from './work-queue.js';
import { errorCode } from '../contract/error-code.js';

export interface ScheduleReconcilerDeps {
  config: Config;
  temporal: Client;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  logger: Logger;
  /** The one status writer (src/kube/status-writer.ts), shared with the worker when both run here. */
  statusWriter: StatusWriter;
  get(namespace: string, name: string): CassandraBackupSchedule | undefined;
}

const type = resourceNames.CassandraBackupSchedule;

export class ScheduleReconciler {
  private readonly attributes = new SearchAttributeFallback();

  constructor(private readonly deps: ScheduleReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    const obj = this.deps.get(namespace, name);
    if (!obj?.metadata.uid) return {};
    const scheduleId = scheduleIdOf(namespace, name, obj.metadata.uid);
    const log = this.deps.logger.child({ kind: 'CassandraBackupSchedule', namespace, name, scheduleId });
    const handle = this.deps.temporal.schedule.getHandle(scheduleId);

    if (obj.metadata.deletionTimestamp) {
      if (!hasFinalizer(obj, SCHEDULE_FINALIZER)) return {};
      await deleteSchedule(this.deps.temporal, scheduleId);
      await removeFinalizer(this.deps.custom, type, obj, SCHEDULE_FINALIZER);
      log.info('Schedule deleted: removed its Temporal Schedule');
      return {};
    }
    if (!hasFinalizer(obj, SCHEDULE_FINALIZER)) {
      // The change comes back through the watch, and the reconcile goes on from the new object.
      await addFinalizer(this.deps.custom, type, obj, SCHEDULE_FINALIZER);
      return {};
    }

    const parsed = cassandraBackupScheduleSpecSchema.safeParse(obj.spec);
    if (!parsed.success) {
      const message = `spec is invalid: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`;
      return this.refuse(obj, 'InvalidSpec', message, log);
    }
    const live: CassandraBackupSchedule = { ...obj, spec: parsed.data };
    const desired = desiredSchedule(live, this.deps.config, {
      withSearchAttributes: this.attributes.enabled,
    });
    const suspend = live.spec.suspend;
    let description = await describe(this.deps.temporal, scheduleId);
    let event: EventRecord | undefined;
    try {
      if (!description) {
        await this.deps.temporal.schedule.create(desired.options);
        event = {
          type: 'Normal',
          reason: 'ScheduleCreated',
          message: `Created Temporal Schedule ${scheduleId}`,
        };
      } else if (fingerprintOf(description.action) !== desired.fingerprint) {
        await handle.update((previous) => ({
          spec: desired.options.spec,
          action: desired.options.action,
          policies: desired.options.policies,
          state: { ...previous.state, paused: suspend, note: pauseNote(suspend) },
        }));
        event = {
          type: 'Normal',
          reason: 'ScheduleUpdated',
          message: `Updated Temporal Schedule ${scheduleId}`,
        };
      } else if (description.state.paused !== suspend) {
        if (suspend) await handle.pause(pauseNote(true));
        else await handle.unpause(pauseNote(false));
        event = suspend
          ? { type: 'Normal', reason: 'ScheduleSuspended', message: 'Suspended: no new runs start' }
          : { type: 'Normal', reason: 'ScheduleResumed', message: 'Resumed: runs start when due' };
      }
      if (event) {
        await this.event(obj, event);
        log.info(event.message);
        description = await handle.describe();
      }
    } catch (err) {
      if (this.attributes.turnedOffBy(err, log, 'scheduling runs')) {
        return this.reconcile(key);
      }
      if (isRefusal(err)) {
        return this.refuse(
          obj,
          'InvalidSchedule',
          `Temporal refused the schedule (${live.spec.schedules.join(', ')} in ${live.spec.timeZone}): ${refusalMessage(err)}`,
          log,
        );
      }
      throw err;
    }
    if (!description) return { requeueAfterMs: 1000 };

    const next = suspend ? undefined : description.info.nextActionTimes[0];
    const url = scheduleUrl(this.deps.config, scheduleId);
    const written = await this.writeStatus(obj, {
      fields: {
        scheduleId,
        ...(url ? { scheduleUrl: url } : {}),
        nextScheduleTime: next ? next.toISOString() : null,
      },
      ready: suspend
        ? {
            type: 'Ready',
            status: 'True',
            reason: 'Suspended',
            message: 'The schedule is suspended: no new runs start.',
          }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'Scheduled',
            message: next ? `Next run at ${next.toISOString()}.` : 'No run is due any more.',
          },
    });
    if (!written) return { requeueAfterMs: 200 };
    // Come back when the next run is due, so that nextScheduleTime moves on (runs also write the schedule).
    if (!next) return {};
    const wait = next.getTime() - Date.now() + 1000;
    return { requeueAfterMs: Math.min(Math.max(wait, 1000), this.deps.config.RESYNC_SECONDS * 1000) };
  }

  /** The resource is gone without our finalizer (removed by hand): remove its schedule anyway. */
  async forget(obj: CassandraBackupSchedule): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    await deleteSchedule(this.deps.temporal, scheduleIdOf(namespace, name, uid));
  }

  private async refuse(
    obj: CassandraBackupSchedule,
    reason: Reason,
    message: string,
    log: Logger,
  ): Promise<ReconcileResult> {
    const previous = findCondition(obj.status?.conditions, 'Ready');
    const repeated =
      previous?.reason === reason &&
      previous.message === message &&
      previous.observedGeneration === obj.metadata.generation;
    if (repeated) return {};
    log.warn({ reason }, message);
    if (
      !(await this.writeStatus(obj, {
        fields: { nextScheduleTime: null },
        ready: { type: 'Ready', status: 'False', reason, message },
      }))
    )
      return { requeueAfterMs: 200 };
    await this.event(obj, { type: 'Warning', reason, message });
    return {};
  }

  private async writeStatus(
    obj: CassandraBackupSchedule,
    change: { fields: StatusFields<'CassandraBackupSchedule'>; ready: ConditionUpdate },
  ): Promise<boolean> {
    const generation = obj.metadata.generation ?? 1;
    const conditions = setCondition(obj.status?.conditions, change.ready, { generation, now: new Date() });
    const status: StatusPatch<'CassandraBackupSchedule'> = {
      ...change.fields,
      observedGeneration: generation,
      conditions,
    };
    const current = obj.status as Record<string, unknown> | undefined;
    const unchanged = Object.entries(status).every(
      ([k, v]) => JSON.stringify(current?.[k] ?? null) === JSON.stringify(v ?? null),
    );
    if (unchanged) return true;
    // Through the status writer, from our copy: when a run wrote the status since, the writer reads it
    // again and sets Ready on the newer conditions.
    const { namespace = '', name = '', uid } = obj.metadata;
    const written = await this.deps.statusWriter.flush(
      { kind: 'CassandraBackupSchedule', namespace, name, ...(uid ? { uid } : {}) },
      {
        fields: { ...change.fields, observedGeneration: generation },
        conditions: { changes: [change.ready], generation },
      },
      obj,
    );
    return !written.gone;
  }

  private async event(obj: CassandraBackupSchedule, event: EventRecord): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    await recordEvent(
      this.deps.core,
      { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackupSchedule', namespace, name, uid },
      event,
    );
  }
}

async function describe(temporal: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await temporal.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

async function deleteSchedule(temporal: Client, scheduleId: string): Promise<void> {
  try {
    await temporal.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * A schedule Temporal cannot take: gRPC INVALID_ARGUMENT (3), or the TypeError the client raises for a
 * cron expression it cannot read ("Minute is not in range [0-59]"). Retrying would not help.
 */
function isRefusal(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return err instanceof TypeError || errorCode(err) === 3 || errorCode(cause) === 3;
}

function refusalMessage(err: unknown): string {
  const e = err as { details?: string; cause?: { details?: string }; message?: string };
  return e.cause?.details ?? e.details ?? e.message ?? String(err);
}
