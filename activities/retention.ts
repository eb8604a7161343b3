// Retention of a schedule's backups: decide (src/schedule/retention.ts), keep what a CassandraRestore still
// uses (src/kube/restore-uses.ts), then remove each backup that goes from storage through Icarus's
// remove-backup (./backup-storage.ts) and only then delete its resource. With `dry`, nothing is removed:
// the run reports what would go.
import { resourceNames } from '../src/kube/api/resources.js';
import { removedTag } from '../src/kube/backup-deletion.js';
import { restoresUsing } from '../src/kube/restore-uses.js';
import { readSchedule } from '../src/kube/schedule-status.js';
import { SCHEDULED_TIME_ANNOTATION } from '../src/schedule/backup-name.js';
import { parseScheduleDuration } from '../src/schedule/duration.js';
import { decideRetention, type RetainedBackup } from '../src/schedule/retention.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RetentionPlan } from '../src/contract/retention.js';
import { listRestores, removeBackupData } from './backup-storage.js';
import type { ActivityDeps } from './deps.js';
import { readResource } from './resource.js';
import { backupOutcome, scheduleBackups, scheduleEvent } from './schedule-run.js';
import { errorCode } from '../src/contract/error-code.js';

export async function planRetention(deps: ActivityDeps, schedule: ResourceKey): Promise<RetentionPlan> {
  const none: RetentionPlan = { enabled: false, dry: false, remove: [], kept: 0, protected: [] };
  const obj = await readSchedule(deps.custom, schedule.namespace, schedule.name);
  const policy = obj?.metadata.uid === schedule.uid ? obj.spec.retention : undefined;
  if (!policy) return none;
  const backups = (await scheduleBackups(deps.custom, schedule)).filter((b) => !b.metadata.deletionTimestamp);
  const facts: RetainedBackup[] = backups.map((b) => ({
    name: b.metadata.name ?? '',
    time: new Date(
      b.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? b.metadata.creationTimestamp ?? Date.now(),
    ),
    outcome: backupOutcome(b)?.result === 'Succeeded' ? 'Succeeded' : backupOutcome(b) ? 'Failed' : 'Running',
  }));
  const decision = decideRetention(
    facts,
    {
      ...(policy.keepLast !== undefined ? { keepLast: policy.keepLast } : {}),
      ...(policy.maxAge ? { maxAgeMs: parseScheduleDuration(policy.maxAge) } : {}),
    },
    new Date(),
  );
  const restores = await listRestores(deps, schedule.namespace);
  const remove: ResourceKey[] = [];
  const protectedBackups: string[] = [];
  for (const name of decision.remove) {
    const backup = backups.find((b) => b.metadata.name === name);
    if (!backup) continue;
    const [user] = restoresUsing(restores, backup);
    if (user) protectedBackups.push(`${name} (used by CassandraRestore ${user.metadata.name ?? ''})`);
    else remove.push({ namespace: schedule.namespace, name, uid: backup.metadata.uid ?? '' });
  }
  return {
    enabled: true,
    dry: policy.dry,
    remove,
    kept: decision.keep.length + protectedBackups.length,
    protected: protectedBackups,
  };
}

export interface RemoveBackupInput {
  schedule: ResourceKey;
  backup: ResourceKey;
  pollIntervalMs: number;
}

/** Removes one backup from storage, then deletes its resource. False when it was gone already. */
export async function removeScheduledBackup(deps: ActivityDeps, input: RemoveBackupInput): Promise<boolean> {
  const obj = await readResource(deps, 'CassandraBackup', input.backup);
  if (!obj) return false;
  const tag = obj.status?.snapshotTag;
  // A backup that never got its full tag wrote nothing under it: only the resource goes. One whose
  // removal an earlier attempt finished (and recorded) is not removed again.
  if (tag && removedTag(obj) !== tag) await removeBackupData(deps, obj, tag, input.pollIntervalMs);
  try {
    await deps.custom.deleteNamespacedCustomObject({
      ...resourceNames.CassandraBackup,
      namespace: input.backup.namespace,
      name: input.backup.name,
    });
  } catch (err) {
    if (errorCode(err) !== 404) throw err;
  }
  await scheduleEvent(deps, input.schedule, {
    type: 'Normal',
    reason: 'BackupRemoved',
    message: tag
      ? `Retention removed backup ${tag} from ${obj.spec.storageLocation} and deleted CassandraBackup ${input.backup.name}`
      : `Retention deleted CassandraBackup ${input.backup.name} (it had written nothing to storage)`,
  });
  return true;
}
