// The storm's load: backups and restores kept in flight, and what people do to them, drawn from the seed.
// Besides plain backups, a person
//   - edits spec.storageLocation of a running backup once it is about 30 % done,
//   - deletes a backup 0–50 ms after creating it,
//   - answers a FAILED resource with the `retry` signal (as `temporal workflow signal --name retry` does),
//     at most three times, and
//   - when a restore FAILED and waits for that retry, first starts a second restore of the same cluster
//     and backup, and retries the first once the second has ended or waits for it.
import { shuffle, type Random } from './random.js';

export type ResourceClass =
  | 'backup'
  | 'backup, storageLocation edited at 30 %'
  | 'backup, deleted 0–50 ms after create'
  | 'restore'
  | 'second restore while the first waits for retry';

export const CLASSES: ResourceClass[] = [
  'backup',
  'backup, storageLocation edited at 30 %',
  'backup, deleted 0–50 ms after create',
  'restore',
  'second restore while the first waits for retry',
];

export interface PlannedBackup {
  kind: 'backup';
  name: string;
  atMs: number;
  /** Index into the backup clusters. */
  cluster: number;
  action: 'plain' | 'edit' | 'delete';
  /** For 'delete': the pause between create and delete. */
  deleteAfterMs: number;
  /**
   * With a bandwidth cap. Icarus stops only rate-limited uploads when asked to cancel; others run on. Every
   * backup has one except half of those deleted right after create.
   */
  rateLimited: boolean;
}

export interface PlannedRestore {
  kind: 'restore';
  name: string;
  atMs: number;
  /** Index into the restore clusters (each has one backup to restore). */
  cluster: number;
  /** What the person does when it fails: start a second restore first, or only retry. */
  onFailure: 'second-restore' | 'retry';
}

export type PlannedResource = PlannedBackup | PlannedRestore;

export interface LoadPlanOptions {
  durationMs: number;
  backups: number;
  restores: number;
  backupClusters: number;
  restoreClusters: number;
  /** Share of backups edited, and of backups deleted right after create. */
  editShare?: number;
  deleteShare?: number;
}

/** When each resource is created and what is done to it. Pure: same seed, same plan. */
export function planLoad(random: Random, opts: LoadPlanOptions): PlannedResource[] {
  const { editShare = 0.15, deleteShare = 0.15 } = opts;
  // Created over the first 70 % of the storm, so the last ones still meet faults.
  const window = Math.floor(opts.durationMs * 0.7);
  const plan: PlannedResource[] = [];
  // Exact shares (at least two of each), on backups drawn at random.
  const edits = Math.min(opts.backups, Math.max(2, Math.round(editShare * opts.backups)));
  const deletes = Math.min(opts.backups - edits, Math.max(2, Math.round(deleteShare * opts.backups)));
  const actions: PlannedBackup['action'][] = shuffle(random, [
    ...Array<PlannedBackup['action']>(edits).fill('edit'),
    ...Array<PlannedBackup['action']>(deletes).fill('delete'),
    ...Array<PlannedBackup['action']>(opts.backups - edits - deletes).fill('plain'),
  ]);
  for (let i = 0; i < opts.backups; i++) {
    plan.push({
      kind: 'backup',
      name: `storm-b${String(i).padStart(3, '0')}`,
      atMs: random.int(0, window),
      cluster: random.int(0, opts.backupClusters - 1),
      action: actions[i] ?? 'plain',
      deleteAfterMs: random.int(0, 50),
      rateLimited: actions[i] !== 'delete' || random.chance(0.5),
    });
  }
  for (let i = 0; i < opts.restores; i++) {
    plan.push({
      kind: 'restore',
      name: `storm-r${String(i).padStart(3, '0')}`,
      // Restores take four phases: they start in the first half.
      atMs: random.int(0, Math.floor(opts.durationMs * 0.5)),
      // Every cluster gets one before any gets a second.
      cluster: i % opts.restoreClusters,
      // The first restore of each cluster gets a second one when it fails; later ones, half the time.
      onFailure: i < opts.restoreClusters || random.chance(0.5) ? 'second-restore' : 'retry',
    });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

export function classOf(r: PlannedResource, second = false): ResourceClass {
  if (r.kind === 'restore') return second ? 'second restore while the first waits for retry' : 'restore';
  if (r.action === 'edit') return 'backup, storageLocation edited at 30 %';
  if (r.action === 'delete') return 'backup, deleted 0–50 ms after create';
  return 'backup';
}
