// A CassandraBackup deleted with deletionPolicy Delete: its data leaves storage before its finalizer
// does (the watcher releases the finalizer once backupRemovalWorkflow has ended). One try per call,
// decided on the resource as it is now (src/kube/backup-deletion.ts) and said on it: the condition
// DataRemoved (Unknown while removing, False with the reason it waits, True once done) and an Event each
// time that condition changes. The removal itself is ./backup-storage.ts, the one a schedule's retention
// uses. What may fix itself (a restore using the backup, the cluster or Secret missing, Icarus failing) is
// an answer, not a failure: the workflow tries again with backoff. Anything else fails the activity, to
// be retried by its policy.
import { ApplicationFailure } from '@temporalio/activity';
import { IcarusError } from '../src/icarus/errors.js';
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import type { CassandraBackup } from '../src/kube/api/resources.js';
import { decideDeletion } from '../src/kube/backup-deletion.js';
import { findCondition, type ConditionUpdate } from '../src/kube/conditions.js';
import { recordEvent } from '../src/kube/events.js';
import { PlanError } from '../src/kube/plan-error.js';
import { DATA_REMOVED_CONDITION, type BackupRemovalStep } from '../src/contract/backup-removal.js';
import type { ResourceKey } from '../src/contract/ids.js';
import { isReason, type Reason } from '../src/contract/reasons.js';
import { listRestores, removeBackupData } from './backup-storage.js';
import type { ActivityDeps } from './deps.js';
import { readResource } from './resource.js';

export interface RemoveDeletedBackupInput {
  backup: ResourceKey;
  pollIntervalMs: number;
}

const LET_GO = 'To let the resource go and keep the data, set spec.deletionPolicy to Retain.';

export async function removeDeletedBackup(
  deps: ActivityDeps,
  input: RemoveDeletedBackupInput,
): Promise<BackupRemovalStep> {
  const obj = await readResource(deps, 'CassandraBackup', input.backup);
  if (!obj) return { done: true, outcome: 'ResourceGone' };
  const location = obj.spec.storageLocation;
  const condition = new DataRemoved(deps, obj);
  const decision = decideDeletion(obj, await listRestores(deps, input.backup.namespace));
  switch (decision.kind) {
    case 'retain':
      return { done: true, outcome: 'Retained' };
    case 'nothing':
      await condition.say('True', 'NothingToRemove', `Nothing to remove from ${location}: ${decision.why}`);
      return { done: true, outcome: 'NothingToRemove' };
    case 'held': {
      const message = `CassandraRestore ${decision.by.join(', ')} still ${decision.by.length > 1 ? 'use' : 'uses'} backup ${decision.tag}: it is removed from ${location} once ${decision.by.length > 1 ? 'they have' : 'it has'} succeeded or been deleted. ${LET_GO}`;
      await condition.say('False', 'BackupInUse', message);
      return { done: false, reason: 'BackupInUse', message };
    }
    case 'remove': {
      const { tag } = decision;
      // After a failed try, the failure stays said until this one ends otherwise (no Unknown between).
      if (!condition.failed) {
        await condition.say(
          'Unknown',
          'RemovingBackup',
          `Removing backup ${tag} from ${location} (deletionPolicy Delete) before the resource goes`,
        );
      }
      try {
        await removeBackupData(deps, obj, tag, input.pollIntervalMs);
      } catch (err) {
        const problem = waitingProblem(err);
        if (!problem) throw err;
        const message = `Backup ${tag} could not be removed from ${location} yet: ${problem.message}. Tried again with backoff. ${LET_GO}`;
        await condition.say('False', problem.reason, message);
        return { done: false, reason: problem.reason, message };
      }
      await condition.say('True', 'BackupRemoved', `Removed backup ${tag} from ${location}`);
      return { done: true, outcome: 'Removed' };
    }
  }
}

/**
 * What keeps the removal waiting, with its reason: a PlanError, an Icarus answer, or the removal's own
 * failure (RemoveBackupFailed, IcarusUnreachable); else undefined.
 */
function waitingProblem(err: unknown): { reason: Reason; message: string } | undefined {
  if (err instanceof PlanError) return { reason: err.reason, message: err.message };
  if (err instanceof IcarusError) return { reason: err.failureType, message: err.message };
  if (err instanceof ApplicationFailure && err.type && isReason(err.type)) {
    return { reason: err.type, message: err.message };
  }
  return undefined;
}

/**
 * The DataRemoved condition of the backup, as one try sets it: an Event each time it changes (a try that
 * finds what the last one found says nothing new): Warning for a problem, Normal otherwise.
 */
class DataRemoved {
  private current: { status: string; reason: string; message: string } | undefined;

  constructor(
    private readonly deps: ActivityDeps,
    private readonly obj: CassandraBackup,
  ) {
    this.current = findCondition(obj.status?.conditions, DATA_REMOVED_CONDITION);
  }

  /** A removal failed last (not a restore holding it): a try keeps saying so until it ends otherwise. */
  get failed(): boolean {
    return this.current?.status === 'False' && this.current.reason !== 'BackupInUse';
  }

  async say(status: ConditionUpdate['status'], reason: Reason, message: string): Promise<void> {
    const now = this.current;
    if (now?.status === status && now.reason === reason && now.message === message) return;
    const { namespace = '', name = '', uid = '', generation = 1 } = this.obj.metadata;
    const written = await this.deps.statusWriter.flush(
      { kind: 'CassandraBackup', namespace, name, uid },
      { conditions: { changes: [{ type: DATA_REMOVED_CONDITION, status, reason, message }], generation } },
    );
    if (written.gone) return;
    this.current = { status, reason, message };
    const normal: readonly Reason[] = ['RemovingBackup', 'BackupInUse', 'BackupRemoved', 'NothingToRemove'];
    const type = normal.includes(reason) ? 'Normal' : 'Warning';
    await recordEvent(
      this.deps.core,
      { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackup', namespace, name, uid },
      { type, reason, message },
    );
    this.deps.logger.info({ namespace, name, reason, type }, message);
  }
}
