// The activities the worker registers, bound to their dependencies. Each converts its failures in one
// place (./failures.ts), so the workflow sees typed failures it can put in the resource's status.
import type { ResourceKey } from '../workflows/definitions.js';
import { planBackup, type PlanBackupInput } from './backup-plan.js';
import type { ActivityDeps } from './deps.js';
import { converting } from './failures.js';
import {
  cancelOperations,
  submitBackup,
  watchOperations,
  type CancelInput,
  type SubmitBackupInput,
} from './icarus-operations.js';
import { loadBackup, loadRestore } from './resource.js';
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
import type { WatchInput } from '../workflows/definitions.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  return {
    loadBackup: (resource: ResourceKey) => converting(() => loadBackup(deps, resource)),
    planBackup: (input: PlanBackupInput) => converting(() => planBackup(deps, input)),
    submitBackup: (input: SubmitBackupInput) => converting(() => submitBackup(deps, input)),
    loadRestore: (resource: ResourceKey) => converting(() => loadRestore(deps, resource)),
    planRestore: (input: PlanRestoreInput) => converting(() => planRestore(deps, input)),
    submitRestore: (input: SubmitRestoreInput) => converting(() => submitRestore(deps, input)),
    watchOperations: (input: WatchInput) => converting(() => watchOperations(deps, input)),
    cancelOperations: (input: CancelInput) => converting(() => cancelOperations(deps, input)),
    writeStatus: (input: WriteStatusInput) => converting(() => writeStatus(deps, input)),
    publishEvents: (input: PublishEventsInput) => converting(() => publishEvents(deps, input)),
    startScheduledRun: (input: StartRunInput) => converting(() => startScheduledRun(deps, input)),
    awaitBackup: (input: AwaitBackupInput) => converting(() => awaitBackup(deps, input)),
    readBackupOutcome: (backup: ResourceKey) => converting(() => readBackupOutcome(deps, backup)),
    endScheduledRun: (input: EndRunInput) => converting(() => endScheduledRun(deps, input)),
    refuseScheduledRun: (input: RefuseRunInput) => converting(() => refuseScheduledRun(deps, input)),
    planRetention: (schedule: ResourceKey) => converting(() => planRetention(deps, schedule)),
    removeScheduledBackup: (input: RemoveBackupInput) => converting(() => removeScheduledBackup(deps, input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
