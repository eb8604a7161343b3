// Reconciles one CassandraBackupSync by key into its workflow (workflows/backup-sync.ts), which lists the
// location for as long as the resource exists:
//   - signal-with-start under the id derived from the resource: Temporal starts it once; later calls
//     deliver specChanged, which makes it list again at once (a new generation, or an operator restart);
//   - the retry annotation (a new value) asks for a listing now, as `temporal workflow signal --name retry`;
//   - deletion: the cancel signal. No finalizer: the sync does nothing outside Kubernetes that must be
//     undone, and its workflow also ends by itself when its next listing finds the resource gone. The
//     CassandraBackups it imported go with it (owner references); their data stays (Retain).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { CassandraBackupSync } from '../kube/api/resources.js';
import type { Logger } from '../logger.js';
import { workflowUrl } from '../temporal/connection.js';
import { cancelSignal, retrySignal, specChangedSignal } from '../../workflows/signals.js';
import type { BackupSyncInput } from '../contract/backup-sync.js';
import { syncWorkflowId } from '../contract/ids.js';
import { RETRY_ANNOTATION } from './annotation-requests.js';
import type { ReconcileResult } from './work-queue.js';

export interface SyncReconcilerDeps {
  config: Config;
  temporal: Client;
  logger: Logger;
  get(namespace: string, name: string): CassandraBackupSync | undefined;
}

export class SyncReconciler {
  /** Per uid: the generation handed to the workflow, and the retry annotation value answered. */
  private readonly handed = new Map<string, { generation: number; retry?: string }>();

  constructor(private readonly deps: SyncReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    const obj = this.deps.get(namespace, name);
    const uid = obj?.metadata.uid;
    if (!obj || !uid || obj.metadata.deletionTimestamp) return {};
    const workflowId = syncWorkflowId(namespace, name, uid);
    const log = this.deps.logger.child({ kind: 'CassandraBackupSync', namespace, name, workflowId });
    const generation = obj.metadata.generation ?? 1;
    const retry = obj.metadata.annotations?.[RETRY_ANNOTATION];
    const handed = this.handed.get(uid);
    if (handed?.generation !== generation) {
      const url = workflowUrl(this.deps.config, workflowId);
      const input: BackupSyncInput = {
        resource: { namespace, name, uid },
        heartbeatTimeoutMs: this.deps.config.HEARTBEAT_TIMEOUT_SECONDS * 1000,
        ...(url ? { workflowUrl: url } : {}),
      };
      await this.deps.temporal.workflow.signalWithStart('backupSyncWorkflow', {
        workflowId,
        taskQueue: this.deps.config.TEMPORAL_TASK_QUEUE,
        args: [input],
        signal: specChangedSignal,
        signalArgs: [{ generation }],
        // It ends only when the resource goes (or someone cancels it in Temporal): then a new one may run.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { kind: 'CassandraBackupSync', namespace, name },
      });
      log.info({ generation }, 'Handed the CassandraBackupSync to its workflow');
    } else if (retry !== undefined && retry !== handed.retry) {
      await this.deps.temporal.workflow
        .getHandle(workflowId)
        .signal(retrySignal, { requestedBy: `annotation ${RETRY_ANNOTATION}=${retry}` });
      log.info({ retry }, 'Asked for a listing now (retry annotation)');
    }
    this.handed.set(uid, { generation, ...(retry !== undefined ? { retry } : {}) });
    return {};
  }

  /** The resource is gone: its workflow stops (it would also stop at its next listing). */
  async forget(obj: CassandraBackupSync): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata;
    this.handed.delete(uid);
    try {
      await this.deps.temporal.workflow
        .getHandle(syncWorkflowId(namespace, name, uid))
        .signal(cancelSignal, { reason: 'ResourceDeleted' });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
