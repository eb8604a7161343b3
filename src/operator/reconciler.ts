// Reconciles one CassandraBackup or CassandraRestore by key, from the watch cache (level-triggered: the current object,
// never an event's payload). What it does is idempotent, so repeated events, restarts and a second
// operator replica are harmless (see docs/operator.md, "Two replicas"):
//   - finalizer first, before any external work;
//   - signal-with-start of the workflow whose id is derived from the resource: Temporal starts it once,
//     later calls only deliver the specChanged signal (deduplicated by generation in the workflow);
//   - on deletion: the cancel signal, then the finalizer is removed once the workflow has ended (for a
//     backup with deletionPolicy Delete, once its data is removed from storage too: backup-removal.ts);
//   - the retry and cancel annotations a person set with kubectl: the same signals (annotation-requests.ts).
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { CassandraBackup, CassandraRestore } from '../kube/api/resources.js';
import { resourceNames } from '../kube/api/resources.js';
import { isConditionTrue } from '../kube/conditions.js';
import { recordEvent } from '../kube/events.js';
import { GROUP, VERSION } from '../kube/api/schema.js';
import type { Logger } from '../logger.js';
import {
  SearchAttributeFallback,
  resourceSearchAttributes,
  searchAttributes,
} from '../temporal/search-attributes.js';
import { workflowUrl } from '../temporal/connection.js';
import { cancelSignal, specChangedSignal } from '../../workflows/signals.js';
import type { ResourceKind } from '../contract/ids.js';
import type { ResourceWorkflow, ResourceWorkflowInput } from '../contract/runs.js';
import { AnnotationRequests } from './annotation-requests.js';
import { BackupRemovals } from './backup-removal.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import type { ReconcileResult } from './work-queue.js';
import { workflowIdOf } from '../contract/ids.js';

export type WatchedResource = CassandraBackup | CassandraRestore;

export interface ReconcilerDeps {
  kind: ResourceKind;
  config: Config;
  temporal: Client;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  logger: Logger;
  get(namespace: string, name: string): WatchedResource | undefined;
}

/** The workflow type that runs each kind (registered from workflows/index.ts). */
const WORKFLOW_TYPE: Record<ResourceKind, string> = {
  CassandraBackup: 'backupWorkflow',
  CassandraRestore: 'restoreWorkflow',
};

const DELETION_RECHECK_MS = 2000;
/** How often a deleted backup whose data is being removed is looked at again (its status writes wake it too). */
const REMOVAL_RECHECK_MS = 5000;

export class Reconciler {
  /** Generations already handed to Temporal, per uid: skips needless signals after our own status writes. */
  private readonly signalled = new Map<string, number>();
  private readonly cancelled = new Set<string>();
  /** Resources another controller ran (told once per process). */
  private readonly foreign = new Set<string>();
  private readonly attributes = new SearchAttributeFallback();
  private readonly annotations: AnnotationRequests;
  private readonly removals: BackupRemovals;

  constructor(private readonly deps: ReconcilerDeps) {
    this.annotations = new AnnotationRequests(deps);
    this.removals = new BackupRemovals({ ...deps, attributes: this.attributes });
  }

  /** Resources the reconciler remembers something of (for tests: it forgets them when they are deleted). */
  get tracked(): number {
    return new Set([...this.signalled.keys(), ...this.cancelled, ...this.foreign]).size;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    const obj = this.deps.get(namespace, name);
    if (!obj?.metadata.uid) return {};
    const uid = obj.metadata.uid;
    const { kind } = this.deps;
    const workflowId = workflowIdOf(kind, namespace, name, uid);
    const log = this.deps.logger.child({ kind, namespace, name, workflowId });

    if (obj.metadata.deletionTimestamp) return this.finalize(obj, workflowId, log);

    // A status with a state but no workflowId was written by another controller (the IBM operator, before
    // a move-over): our first write always carries the workflowId. Running it again could repeat a
    // restore's TRUNCATE, so it is left alone, and said so once (docs/migration.md).
    if (obj.status?.state && !obj.status.workflowId && !hasFinalizer(obj)) {
      if (!this.foreign.has(uid)) {
        this.foreign.add(uid);
        log.info({ state: obj.status.state }, 'Left alone: another controller ran this resource');
        await recordEvent(
          this.deps.core,
          { apiVersion: `${GROUP}/${VERSION}`, kind, namespace, name, uid },
          {
            type: 'Normal',
            reason: 'ManagedElsewhere',
            message: `Its status (state ${obj.status.state}) was written by another controller, such as the IBM cassandra-operator: this operator leaves it as it is. To run it here, delete it and apply it again.`,
          },
        ).catch((err: unknown) =>
          log.warn({ err: String(err) }, 'Recording the ManagedElsewhere Event failed'),
        );
      }
      return {};
    }

    if (!hasFinalizer(obj)) {
      await addFinalizer(this.deps.custom, resourceNames[kind], obj);
      log.debug('Added the finalizer');
    }
    const generation = obj.metadata.generation ?? 1;
    const observed = obj.status?.observedGeneration ?? 0;
    const started = Boolean(obj.status?.workflowId);
    const needsWorkflow =
      !started || (generation > observed && !isConditionTrue(obj.status?.conditions, 'Succeeded'));
    if (needsWorkflow && this.signalled.get(uid) !== generation) {
      await this.signalWithStart(obj, workflowId, generation, log);
      this.signalled.set(uid, generation);
    }
    await this.annotations.answer(obj, workflowId, log);
    return {};
  }

  /** The resource is gone without our finalizer (removed by hand): stop its workflow anyway. */
  async forget(obj: WatchedResource): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    this.signalled.delete(uid);
    this.cancelled.delete(uid);
    this.foreign.delete(uid);
    this.annotations.forget(uid);
    const workflowId = workflowIdOf(this.deps.kind, namespace, name, uid);
    try {
      const handle = this.deps.temporal.workflow.getHandle(workflowId);
      if ((await handle.describe()).status.name === 'RUNNING') {
        await handle.signal(cancelSignal, { reason: 'ResourceDeleted' });
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  private async finalize(obj: WatchedResource, workflowId: string, log: Logger): Promise<ReconcileResult> {
    if (!hasFinalizer(obj)) return {};
    const uid = obj.metadata.uid ?? '';
    const handle = this.deps.temporal.workflow.getHandle(workflowId);
    let running = false;
    try {
      running = (await handle.describe()).status.name === 'RUNNING';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (running) {
      if (!this.cancelled.has(uid)) {
        await handle.signal(cancelSignal, { reason: 'ResourceDeleted' });
        this.cancelled.add(uid);
        log.info('Resource deleted: asked its workflow to cancel the Icarus operations');
      }
      return { requeueAfterMs: DELETION_RECHECK_MS };
    }
    // A backup's data goes first when its deletionPolicy says so.
    if (
      this.deps.kind === 'CassandraBackup' &&
      !(await this.removals.mayRelease(obj as CassandraBackup, log))
    ) {
      return { requeueAfterMs: REMOVAL_RECHECK_MS };
    }
    await removeFinalizer(this.deps.custom, resourceNames[this.deps.kind], obj);
    this.signalled.delete(uid);
    this.cancelled.delete(uid);
    this.annotations.forget(uid);
    log.info('Workflow ended: removed the finalizer');
    return {};
  }

  private async signalWithStart(
    obj: WatchedResource,
    workflowId: string,
    generation: number,
    log: Logger,
  ): Promise<void> {
    const { config } = this.deps;
    const namespace = obj.metadata.namespace ?? '';
    const url = workflowUrl(config, workflowId);
    const { kind } = this.deps;
    const input: ResourceWorkflowInput = {
      resource: { namespace, name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '' },
      generation,
      options: {
        maxParallelNodes: config.NODE_CONCURRENCY,
        pollIntervalMs: config.ICARUS_POLL_INTERVAL_MS,
        unreachableAfterMs: config.ICARUS_UNREACHABLE_SECONDS * 1000,
        retryWindowMs: config.RETRY_WINDOW_SECONDS * 1000,
        configurationWaitMs: config.CONFIGURATION_WAIT_SECONDS * 1000,
        cancelGraceMs: config.CANCEL_GRACE_SECONDS * 1000,
        heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_SECONDS * 1000,
        ...(url ? { workflowUrl: url } : {}),
      },
    };
    // A spec stored under an older CRD may lack the cluster (or hold another type): the workflow reports
    // that as InvalidSpec; the attribute is left out rather than failing the start, which would read as
    // unregistered search attributes and turn them off for every resource.
    const cluster: unknown = (obj.spec as { cassandraCluster?: unknown } | undefined)?.cassandraCluster;
    const start = (withSearchAttributes: boolean) =>
      this.deps.temporal.workflow.signalWithStart<ResourceWorkflow, [{ generation: number }]>(
        WORKFLOW_TYPE[kind],
        {
          workflowId,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          args: [input],
          signal: specChangedSignal,
          signalArgs: [{ generation }],
          // A failed, cancelled or timed-out run may be followed by a new one (a spec change after the
          // retry window); a succeeded one never is.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          memo: {
            kind,
            namespace,
            name: obj.metadata.name,
            cluster,
          },
          ...(withSearchAttributes
            ? {
                typedSearchAttributes: [
                  ...resourceSearchAttributes(kind, namespace, cluster),
                  // The run keeps it in step with the state it writes (workflows/run/resource-state.ts).
                  { key: searchAttributes.resourceState, value: 'PENDING' },
                ],
              }
            : {}),
        },
      );
    try {
      await start(this.attributes.enabled);
      log.info({ generation }, `Handed the ${kind} to its workflow`);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        log.debug('Workflow already ended successfully: nothing to start');
        return;
      }
      if (this.attributes.turnedOffBy(err, log, 'starting workflows')) {
        await this.signalWithStart(obj, workflowId, generation, log);
        return;
      }
      throw err;
    }
  }
}
