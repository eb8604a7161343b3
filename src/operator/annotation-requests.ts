// What a person asks of a CassandraBackup or CassandraRestore with kubectl alone, through annotations that
// the reconciler turns into the workflow's own signals (which stay, for the Temporal CLI):
//
//   kubectl annotate cassandrabackup nightly cassandra-backup-operator.io/retry="$(date +%s)" --overwrite
//   kubectl annotate cassandrabackup nightly cassandra-backup-operator.io/cancel=true
//
// Retry: a new value each time. The value handled last is written back as `…/retry-handled`, so the
// request is level-triggered and idempotent: seen again (a resync, a restart, a second replica) it does
// nothing; a new value is a new request. Only a run that FAILED and waits for a retry takes it; any other
// state is answered with a RetryIgnored Event saying why (the request is still marked handled: a retry
// asked while a run is busy never fires later on its own).
// Cancel: present with any value but "false", it stops the run (the cancel signal) unless it has ended.
// Each answer is an Event naming the annotation, so `kubectl describe` shows what asked.
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type CustomObjectsApi,
} from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CassandraBackup, CassandraRestore } from '../kube/api/resources.js';
import { resourceNames } from '../kube/api/resources.js';
import { GROUP, VERSION } from '../kube/api/schema.js';
import { recordEvent, type EventRecord } from '../kube/events.js';
import type { Logger } from '../logger.js';
import { cancelSignal, retrySignal } from '../../workflows/signals.js';
import type { ResourceKind } from '../contract/ids.js';
import type { Reason } from '../contract/reasons.js';

export const ANNOTATION_PREFIX = 'cassandra-backup-operator.io';
/** A new value asks for a retry of a FAILED run. */
export const RETRY_ANNOTATION = `${ANNOTATION_PREFIX}/retry`;
/** Written by the operator: the retry value it has answered. */
export const RETRY_HANDLED_ANNOTATION = `${ANNOTATION_PREFIX}/retry-handled`;
/** Present (and not "false"): cancel the run. */
export const CANCEL_ANNOTATION = `${ANNOTATION_PREFIX}/cancel`;

type Resource = CassandraBackup | CassandraRestore;

/** What the annotations ask that has not been answered yet. */
export interface PendingRequests {
  retry?: string;
  cancel?: string;
}

/** Pure: the requests of an object's annotations still to answer (`cancelAnswered`: this process did). */
export function pendingRequests(obj: Resource, cancelAnswered: boolean): PendingRequests {
  const annotations = obj.metadata.annotations ?? {};
  const out: PendingRequests = {};
  const retry = annotations[RETRY_ANNOTATION];
  if (retry && retry !== annotations[RETRY_HANDLED_ANNOTATION]) out.retry = retry;
  const cancel = annotations[CANCEL_ANNOTATION];
  if (cancel !== undefined && cancel.trim().toLowerCase() !== 'false' && !cancelAnswered) out.cancel = cancel;
  return out;
}

const ENDED = new Set(['COMPLETED', 'CANCELLED']);

export interface AnnotationDeps {
  kind: ResourceKind;
  temporal: Client;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

export class AnnotationRequests {
  /** Resources whose cancel annotation this process answered (the workflow keeps the first cancel anyway). */
  private readonly cancelAnswered = new Set<string>();

  constructor(private readonly deps: AnnotationDeps) {}

  forget(uid: string): void {
    this.cancelAnswered.delete(uid);
  }

  /** Answers what the annotations ask that is not answered yet. */
  async answer(obj: Resource, workflowId: string, log: Logger): Promise<void> {
    const uid = obj.metadata.uid ?? '';
    const pending = pendingRequests(obj, this.cancelAnswered.has(uid));
    if (pending.cancel !== undefined) {
      await this.cancel(obj, workflowId, log);
      this.cancelAnswered.add(uid);
    }
    if (pending.retry !== undefined) {
      await this.retry(obj, workflowId, pending.retry, log);
      await this.markRetryHandled(obj, pending.retry);
    }
  }

  private async cancel(obj: Resource, workflowId: string, log: Logger): Promise<void> {
    const state = obj.status?.state ?? 'PENDING';
    const asked = `annotation ${CANCEL_ANNOTATION}`;
    if (ENDED.has(state) || !(await this.running(workflowId))) {
      await this.event(obj, log, {
        type: 'Normal',
        reason: 'CancelIgnored',
        message: `Cancel asked by ${asked}: nothing to cancel, the ${this.noun} is ${state} and its run has ended`,
      });
      return;
    }
    await this.deps.temporal.workflow.getHandle(workflowId).signal(cancelSignal, {
      reason: 'CancelRequested',
      requestedBy: asked,
    });
    log.info({ annotation: CANCEL_ANNOTATION }, 'Cancel asked by annotation: signalled the workflow');
    await this.event(obj, log, {
      type: 'Normal',
      reason: 'CancelRequested',
      message: `Cancel asked by ${asked}: the run stops its Icarus operations and ends CANCELLED`,
    });
  }

  private async retry(obj: Resource, workflowId: string, value: string, log: Logger): Promise<void> {
    const state = obj.status?.state ?? 'PENDING';
    const asked = `annotation ${RETRY_ANNOTATION}=${value}`;
    const ignored = (why: string) =>
      this.event(obj, log, {
        type: 'Warning',
        reason: 'RetryIgnored',
        message: `Retry asked by ${asked}: ${why}`,
      });
    if (state !== 'FAILED') {
      await ignored(
        `only a FAILED ${this.noun} is retried, and this one is ${state}${state === 'CANCELLED' ? ' (a cancelled run has ended: delete the resource and apply it again)' : ''}`,
      );
      return;
    }
    if (!(await this.running(workflowId))) {
      await ignored(
        `its run has ended (the retry window, RETRY_WINDOW_SECONDS, passed): change the spec to start a new run, or delete the resource and apply it again`,
      );
      return;
    }
    await this.deps.temporal.workflow.getHandle(workflowId).signal(retrySignal, { requestedBy: asked });
    log.info({ annotation: RETRY_ANNOTATION, value }, 'Retry asked by annotation: signalled the workflow');
    await this.event(obj, log, {
      type: 'Normal',
      reason: 'RetryRequested',
      message: `Retry asked by ${asked}: the run resumes where it failed`,
    });
  }

  private async running(workflowId: string): Promise<boolean> {
    try {
      return (await this.deps.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** A merge patch of one annotation: the value answered, so the same request is not answered twice. */
  private async markRetryHandled(obj: Resource, value: string): Promise<void> {
    const { group, version, plural } = resourceNames[this.deps.kind];
    await this.deps.custom.patchNamespacedCustomObject(
      {
        group,
        version,
        plural,
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        body: { metadata: { annotations: { [RETRY_HANDLED_ANNOTATION]: value } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  private get noun(): string {
    return this.deps.kind === 'CassandraBackup' ? 'backup' : 'restore';
  }

  private async event(obj: Resource, log: Logger, event: EventRecord & { reason: Reason }): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    await recordEvent(
      this.deps.core,
      { apiVersion: `${GROUP}/${VERSION}`, kind: this.deps.kind, namespace, name, uid },
      event,
    ).catch((err: unknown) =>
      log.warn({ err: String(err), reason: event.reason }, 'Recording an Event failed'),
    );
  }
}
