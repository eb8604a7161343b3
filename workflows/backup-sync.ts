// One CassandraBackupSync, for as long as it exists: list its location (activities/backup-sync.ts: read
// only, idempotent), then wait for its interval, a spec change (specChanged) or a `retry` signal ("list
// now"), and list again. Ends when the resource is gone, on the cancel signal, or when Temporal cancels
// it. Continues as new every LISTINGS_PER_RUN listings, so that its history stays short. A listing whose
// activity fails after its retries (the API server away) is tried again at the next turn.
import {
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BackupSyncInput } from '../src/contract/backup-sync.js';
import { cancelSignal, retrySignal, specChangedSignal } from './signals.js';

export const LISTINGS_PER_RUN = 100;
/** How long a failed listing waits before the next (the spec's interval when it was read). */
const AFTER_FAILURE_MS = 60_000;

export async function backupSyncWorkflow(input: BackupSyncInput): Promise<void> {
  let wake = false;
  let stop = false;
  setHandler(specChangedSignal, () => {
    wake = true;
  });
  setHandler(retrySignal, () => {
    wake = true;
  });
  setHandler(cancelSignal, () => {
    stop = true;
  });
  const { syncLocation } = proxyActivities<Activities>({
    startToCloseTimeout: '1 hour',
    // A listing heartbeats as it goes: one on a dead worker is run again after this.
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 10,
    },
  });
  const { workflowId } = workflowInfo();
  for (let listing = 1; ; listing++) {
    wake = false;
    let waitMs = AFTER_FAILURE_MS;
    try {
      const result = await syncLocation({
        resource: input.resource,
        workflowId,
        ...(input.workflowUrl ? { workflowUrl: input.workflowUrl } : {}),
      });
      if (result.gone) return;
      waitMs = result.nextSyncMs;
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('Listing the location failed; trying again later', { error: String(err) });
    }
    if (stop) return;
    await condition(() => wake || stop, waitMs);
    if (stop) return;
    if (listing >= LISTINGS_PER_RUN) await continueAsNew<typeof backupSyncWorkflow>(input);
  }
}
