// One CassandraBackup deleted with deletionPolicy Delete: its data leaves storage before the resource
// goes. Started by the watcher once the backup's own workflow has ended (a run in progress is cancelled
// first), under an id derived from the resource, so a repeated reconcile or a second replica finds it
// instead of starting another; the watcher releases the finalizer when it has ended. A new workflow of
// its own: the backup workflows already running (and their recorded histories) are untouched.
//
// Each try is one activity (activities/backup-deletion.ts) that decides on the resource as it is now, says
// why on the resource, and removes through Icarus's remove-backup, following a removal an earlier try
// started. A try that must wait (a CassandraRestore still uses the backup, the cluster or Secret is gone,
// Icarus failed) is made again after a backoff that doubles up to `maxRecheckMs`; it never gives up on its
// own: the person lets go by setting deletionPolicy Retain (docs/usage.md). A dead worker's try moves to
// another worker after the heartbeat time-out, and is retried for any unexpected failure.
import { continueAsNew, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BackupRemovalInput, BackupRemovalResult } from '../src/contract/backup-removal.js';

/** Tries per run: then the workflow continues as new, so that a long wait keeps a short history. */
export const TRIES_PER_RUN = 100;

export async function backupRemovalWorkflow(input: BackupRemovalInput): Promise<BackupRemovalResult> {
  const { removeDeletedBackup } = proxyActivities<Activities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  let waitMs = input.recheckMs;
  for (let tries = 1; ; tries++) {
    const step = await removeDeletedBackup({ backup: input.backup, pollIntervalMs: input.pollIntervalMs });
    if (step.done) return { outcome: step.outcome };
    log.info('Backup removal waits', { reason: step.reason, waitMs });
    await sleep(waitMs);
    waitMs = Math.min(waitMs * 2, input.maxRecheckMs);
    if (tries >= TRIES_PER_RUN) {
      await continueAsNew<typeof backupRemovalWorkflow>({ ...input, recheckMs: waitMs });
    }
  }
}
