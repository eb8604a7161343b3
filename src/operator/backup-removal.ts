// The finalizer of a deleted CassandraBackup, as its spec.deletionPolicy says (docs/usage.md, "Deleting"):
// Retain lets it go at once, the data stays; Delete first has backupRemovalWorkflow take the data out of
// storage and lets it go once that workflow has ended. Called once the backup's own workflow has ended
// (a run in progress is cancelled first). Level-triggered like the rest of the reconciler: the action
// follows from the policy now and the removal workflow's state in Temporal, so a restart, a repeated
// reconcile or a second replica does the same, and the workflow id (derived from the resource) keeps the
// removal to one.
import type { CoreV1Api } from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../config.js';
import type { CassandraBackup } from '../kube/api/resources.js';
import { GROUP, VERSION } from '../kube/api/schema.js';
import { recordEvent } from '../kube/events.js';
import type { Logger } from '../logger.js';
import { resourceSearchAttributes, type SearchAttributeFallback } from '../temporal/search-attributes.js';
import type { BackupRemovalInput, BackupRemovalWorkflow } from '../contract/backup-removal.js';
import { backupRemovalWorkflowId } from '../contract/ids.js';

export type DeletionPolicy = 'Retain' | 'Delete';

/** The removal workflow of a deleted backup, as far as the finalizer cares. */
export type RemovalState =
  /** None was started, or one ended without finishing (failed, cancelled, terminated, timed out). */
  | 'none'
  | 'running'
  /** It completed: the data is gone, or there was none. */
  | 'finished'
  /** It completed because deletionPolicy had become Retain: nothing was removed. */
  | 'retained';

export type RemovalAction = 'start' | 'wait' | 'release' | 'stop-and-release';

/** What the holder of a deleted backup's finalizer does next, pure. */
export function removalAction(policy: DeletionPolicy, state: RemovalState): RemovalAction {
  if (policy === 'Delete') {
    if (state === 'running') return 'wait';
    if (state === 'finished') return 'release';
    // Never started, or ended without removing (retained, then Delete again): start it.
    return 'start';
  }
  return state === 'running' ? 'stop-and-release' : 'release';
}

/** The first wait between two tries of a removal that must wait (its config caps the longest). */
const FIRST_RECHECK_MS = 5_000;

export interface BackupRemovalsDeps {
  config: Config;
  temporal: Client;
  core: CoreV1Api;
  attributes: SearchAttributeFallback;
}

export class BackupRemovals {
  constructor(private readonly deps: BackupRemovalsDeps) {}

  /**
   * Whether the deleted backup's finalizer may go now; starts its removal first when deletionPolicy is
   * Delete, and stops a removal that runs when it is Retain (the person let go).
   */
  async mayRelease(obj: CassandraBackup, log: Logger): Promise<boolean> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    const workflowId = backupRemovalWorkflowId(namespace, name, uid);
    const handle = this.deps.temporal.workflow.getHandle<BackupRemovalWorkflow>(workflowId);
    const policy: DeletionPolicy = obj.spec.deletionPolicy === 'Delete' ? 'Delete' : 'Retain';
    const action = removalAction(policy, await stateOf(handle));
    switch (action) {
      case 'wait':
        return false;
      case 'release':
        return true;
      case 'start':
        await this.start(obj, workflowId, log);
        return false;
      case 'stop-and-release': {
        await handle.cancel();
        const tag = obj.status?.snapshotTag;
        const message = `deletionPolicy is Retain now: the removal from storage was stopped${tag ? ` and what is left of backup ${tag} stays in ${obj.spec.storageLocation}` : ''}`;
        log.info({ workflowId }, message);
        await recordEvent(
          this.deps.core,
          { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackup', namespace, name, uid },
          { type: 'Normal', reason: 'BackupRetained', message },
        ).catch((err: unknown) =>
          log.warn({ err: String(err) }, 'Recording the BackupRetained Event failed'),
        );
        return true;
      }
    }
  }

  private async start(obj: CassandraBackup, workflowId: string, log: Logger): Promise<void> {
    const { config, temporal, attributes } = this.deps;
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    const maxRecheckMs = config.REMOVAL_RECHECK_MAX_SECONDS * 1000;
    const input: BackupRemovalInput = {
      backup: { namespace, name, uid },
      pollIntervalMs: config.ICARUS_POLL_INTERVAL_MS,
      heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_SECONDS * 1000,
      recheckMs: Math.min(FIRST_RECHECK_MS, maxRecheckMs),
      maxRecheckMs,
    };
    const cluster = obj.spec.cassandraCluster;
    const start = (withSearchAttributes: boolean) =>
      temporal.workflow.start<BackupRemovalWorkflow>('backupRemovalWorkflow', {
        workflowId,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
        // Another replica's start, or a reconcile before this one saw it running: the same removal.
        workflowIdConflictPolicy: 'USE_EXISTING',
        // One that ended without finishing (or retained, then Delete again) is started anew.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { kind: 'CassandraBackup', namespace, name, cluster },
        ...(withSearchAttributes
          ? { typedSearchAttributes: resourceSearchAttributes('CassandraBackup', namespace, cluster) }
          : {}),
      });
    try {
      await start(attributes.enabled);
    } catch (err) {
      if (!attributes.turnedOffBy(err, log, 'starting workflows')) throw err;
      await start(false);
    }
    log.info(
      { removalWorkflowId: workflowId },
      'Backup deleted with deletionPolicy Delete: removing its data',
    );
  }
}

async function stateOf(handle: WorkflowHandle<BackupRemovalWorkflow>): Promise<RemovalState> {
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'none';
    throw err;
  }
  if (status === 'RUNNING') return 'running';
  if (status !== 'COMPLETED') return 'none';
  return (await handle.result()).outcome === 'Retained' ? 'retained' : 'finished';
}
