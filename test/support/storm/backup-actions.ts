// What a storm person does to a backup besides following it: deletes it and watches it go, or edits its
// storage location once it is about 30 % done.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../../src/kube/api/resources.js';
import type { Backups } from '../custom-resources.js';
import type { Journal } from './journal.js';
import { persist, sleep, statusOf } from './persist.js';

export const LOCATION = 's3://storm';
export const MOVED_LOCATION = 's3://storm-moved';

/** Deletes the backup, then reads it until it is gone (or the deadline passes). */
export async function deleteBackup(
  backups: Backups,
  namespace: string,
  deadline: () => number,
  j: Journal,
): Promise<void> {
  const { custom } = backups;
  try {
    await persist(`delete ${j.name}`, () =>
      custom.deleteNamespacedCustomObject({
        ...resourceNames.CassandraBackup,
        namespace,
        name: j.name,
      }),
    );
  } catch (err) {
    if (statusOf(err) !== 404) j.problems.push(`could not delete it: ${String(err)}`);
  }
  j.deletedAt = Date.now();
  while (Date.now() < deadline()) {
    try {
      j.end = await backups.get(j.name);
    } catch (err) {
      if (statusOf(err) === 404) {
        j.end = 'gone';
        j.ended = true;
        return;
      }
    }
    await sleep(1000);
  }
}

/** Waits until the backup is about 30 % done, then points it at another storage location. */
export async function editBackup(
  backups: Backups,
  namespace: string,
  deadline: () => number,
  j: Journal,
): Promise<void> {
  while (Date.now() < deadline()) {
    const b: CassandraBackup | undefined = await backups.get(j.name).catch(() => undefined);
    if (
      b &&
      (b.status?.state === 'COMPLETED' || b.status?.state === 'FAILED' || b.status?.state === 'CANCELLED')
    ) {
      j.edit = { missed: `it was ${b.status.state} before 30 %` };
      return;
    }
    const progress = b?.status?.progress ?? 0;
    if (b && b.status?.state === 'RUNNING' && progress >= 30) {
      try {
        await persist(`edit ${j.name}`, () =>
          backups.custom.patchNamespacedCustomObject(
            {
              ...resourceNames.CassandraBackup,
              namespace,
              name: j.name,
              body: { spec: { storageLocation: MOVED_LOCATION } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        );
        j.edit = { at: Date.now(), from: LOCATION, to: MOVED_LOCATION, progress };
      } catch (err) {
        j.edit = { missed: `the patch failed: ${String(err)}` };
      }
      return;
    }
    await sleep(250);
  }
  j.edit = { missed: 'never reached 30 % before the deadline' };
}
