// The activities the worker registers, bound to their dependencies. Each converts its failures in one
// place (./failures.ts), so the workflow sees typed failures it can put in the resource's status.
import { Context } from '@temporalio/activity';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import { planBackup, type PlanBackupInput } from './backup-plan.js';
import type { ActivityDeps } from './deps.js';
import { converting } from './failures.js';
import { submitBackup, type SubmitBackupInput } from './backup-submit.js';
import { cancelOperations, type CancelInput } from './cancel-operations.js';
import { readBackupContents, type BackupContentsInput } from './backup-contents.js';
import { readImportedBackup, type ImportedBackupInput } from './imported-backup.js';
import { syncLocation, type SyncLocationInput } from './backup-sync.js';
import { removeDeletedBackup, type RemoveDeletedBackupInput } from './backup-deletion.js';
import { loadBackup, loadRestore } from './resource.js';
import { cancelOwnRun } from './own-run.js';
import { checkDownloads, type CheckDownloadsInput } from './restore-downloads.js';
import { planRestore, type PlanRestoreInput } from './restore-plan.js';
import { submitRestore, type SubmitRestoreInput } from './restore-submit.js';
import { planRetention, removeScheduledBackup, type RemoveBackupInput } from './retention.js';
import {
  awaitBackup,
  endScheduledRun,
  readBackupOutcome,
  refuseScheduledRun,
  startScheduledRun,
  type AwaitBackupInput,
  type EndRunInput,
  type RefuseRunInput,
  type StartRunInput,
} from './schedule-run.js';
import { publishEvents, writeStatus, type PublishEventsInput, type WriteStatusInput } from './status.js';
import { watchOperations } from './watch-operations.js';
import type { WatchInput } from '../src/contract/activity-io.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  /** Runs an activity with its failures converted and a logger that names its workflow and activity. */
  const call = <T>(body: (d: ActivityDeps) => Promise<T>): Promise<T> =>
    converting(() => body(withCallLogger(deps)));
  return {
    loadBackup: (resource: ResourceKey) => call((d) => loadBackup(d, resource)),
    planBackup: (input: PlanBackupInput) => call((d) => planBackup(d, input)),
    submitBackup: (input: SubmitBackupInput) => call((d) => submitBackup(d, input)),
    loadRestore: (resource: ResourceKey) => call((d) => loadRestore(d, resource)),
    planRestore: (input: PlanRestoreInput) => call((d) => planRestore(d, input)),
    submitRestore: (input: SubmitRestoreInput) => call((d) => submitRestore(d, input)),
    checkDownloads: (input: CheckDownloadsInput) => call((d) => checkDownloads(d, input)),
    readBackupContents: (input: BackupContentsInput) => call((d) => readBackupContents(d, input)),
    readImportedBackup: (input: ImportedBackupInput) => call((d) => readImportedBackup(d, input)),
    watchOperations: (input: WatchInput) => call((d) => watchOperations(d, input)),
    cancelOperations: (input: CancelInput) => call((d) => cancelOperations(d, input)),
    cancelOwnRun: () => call(() => cancelOwnRun()),
    writeStatus: <K extends ResourceKind>(input: WriteStatusInput<K>) => call((d) => writeStatus(d, input)),
    publishEvents: (input: PublishEventsInput) => call((d) => publishEvents(d, input)),
    startScheduledRun: (input: StartRunInput) => call((d) => startScheduledRun(d, input)),
    awaitBackup: (input: AwaitBackupInput) => call((d) => awaitBackup(d, input)),
    readBackupOutcome: (backup: ResourceKey) => call((d) => readBackupOutcome(d, backup)),
    endScheduledRun: (input: EndRunInput) => call((d) => endScheduledRun(d, input)),
    refuseScheduledRun: (input: RefuseRunInput) => call((d) => refuseScheduledRun(d, input)),
    planRetention: (schedule: ResourceKey) => call((d) => planRetention(d, schedule)),
    removeScheduledBackup: (input: RemoveBackupInput) => call((d) => removeScheduledBackup(d, input)),
    removeDeletedBackup: (input: RemoveDeletedBackupInput) => call((d) => removeDeletedBackup(d, input)),
    syncLocation: (input: SyncLocationInput) => call((d) => syncLocation(d, input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The deps with a child logger carrying the workflow id and activity type of the running activity. */
function withCallLogger(deps: ActivityDeps): ActivityDeps {
  const info = Context.current().info;
  return {
    ...deps,
    logger: deps.logger.child({
      workflowId: info.workflowExecution?.workflowId,
      activity: info.activityType,
    }),
  };
}
