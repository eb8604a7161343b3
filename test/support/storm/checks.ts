// What the storm holds each resource to, by what Icarus received and ran rather than by the status alone.
// Pure: the evidence (journals, what every simulated node received, workflow histories, Events, the
// workflows still running) is gathered first (evidence.ts), so each check can be shown to fail
// (test/unit/storm/backup-checks.test.ts, restore-checks.test.ts and reason-checks.test.ts).
//
// Ended as designed, per class:
//   backup            COMPLETED, Succeeded=True, for the generation its spec is at (observedGeneration ==
//                     metadata.generation); each node's operation in the status is the one Icarus ran last
//                     for that tag, COMPLETED, written to the spec's current storageLocation; a topology
//                     upload COMPLETED there too. A FAILED on the way must carry a documented reason that
//                     the faults explain (IcarusOperationLost after three restarts of a node), and the
//                     person's retry must complete it.
//   edited backup     the same, with the location the edit set.
//   deleted backup    gone; no Icarus operation submitted after the cancel signal (or the delete, when no
//                     signal came) ran to COMPLETED; the BackupCancelled Event claims no more operations
//                     stopped than Icarus stopped.
//   restore (both)    COMPLETED, every phase COMPLETED on every node, the status's last operation per
//                     node COMPLETED in Icarus, rows right after equal to the backup's (unless another
//                     restore of the cluster was busy then), TRUNCATE at most once per attempt (a second one
//                     only after a person's retry of a lost TRUNCATE); a FAILED on the way only for
//                     TruncateLost or TruncateOutcomeUnknown after a restart of the cluster's sidecars during
//                     that attempt (a person retries those as long as the faults explain them).
// For every resource: no second operation for the same node and purpose while Icarus still held the
// first (a restart in between makes it a resubmission, which is right); and no workflow still running
// unless its resource waits for a person with a documented reason.
//
// The verdict and what every resource is checked for are in verdict.ts, a backup's checks in
// backup-checks.ts, a restore's in restore-checks.ts; the evidence's shape in evidence.ts.
import type { Evidence } from './evidence.js';
import { CLASSES } from './load.js';
import { checkBackup, checkDeleted } from './backup-checks.js';
import { checkRestore, checkRestoreClusters } from './restore-checks.js';
import { reasonOf, type Verdict } from './verdict.js';

export type { Evidence, WorkflowFacts } from './evidence.js';
export { claimedStopped, specLocationOf } from './backup-checks.js';
export { outcomeOf, repeats, type Verdict } from './verdict.js';

/** The reasons named in docs/troubleshooting.md: its headings and the codes in backticks. */
export function documentedReasons(markdown: string): Set<string> {
  const reasons = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (line.startsWith('### ')) for (const m of line.matchAll(/\b[A-Z][A-Za-z0-9]+\b/g)) reasons.add(m[0]);
    for (const m of line.matchAll(/`([A-Z][A-Za-z0-9]+)`/g)) reasons.add(m[1] ?? '');
  }
  return reasons;
}

export function checkAll(e: Evidence): Verdict[] {
  const verdicts = e.journals.map((j) =>
    j.class === 'backup, deleted 0–50 ms after create'
      ? checkDeleted(j, e)
      : j.kind === 'backup'
        ? checkBackup(j, e)
        : checkRestore(j, e),
  );
  verdicts.push(...checkRestoreClusters(e));
  checkRunning(e, verdicts);
  return verdicts;
}

/** A workflow still running must belong to a resource that waits for a person, with a documented reason. */
function checkRunning(e: Evidence, verdicts: Verdict[]): void {
  for (const w of e.running) {
    const j = e.journals.find((x) => x.name === w.name);
    const v = verdicts.find((x) => x.name === w.name);
    const end = j?.end;
    const waiting =
      end && end !== 'gone' && (end.status?.state === 'FAILED' || end.status?.state === 'PENDING')
        ? reasonOf(end)
        : undefined;
    if (waiting && e.documented.has(waiting)) continue;
    const problem = `workflow ${w.id} still running, waiting without a reason (the resource is ${
      !end ? 'unknown to the storm' : end === 'gone' ? 'gone' : `${end.status?.state} ${reasonOf(end) ?? ''}`
    })`;
    if (v) {
      v.violations.push(problem);
      v.asDesigned = false;
    } else
      verdicts.push({
        name: w.name,
        class: 'cluster',
        outcome: 'workflow left running',
        asDesigned: false,
        lost: 0,
        duplicated: 0,
        resubmitted: 0,
        truncates: 0,
        afterCancel: 0,
        violations: [problem],
      });
  }
}

export { CLASSES };
