// One resource of the fault matrix (../fault-matrix.ts) followed to its end after the fault, with
// `retry` sent where a person would: its outcome, when it moved on again, and what its nodes' requests
// and its status tell (./counts.ts).
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import { succeeded, type Backups, type Restores } from '../custom-resources.js';
import { temporalClient } from '../stack-env.js';
import { checkBackup, checkRestore } from './counts.js';
import { HOLD_AT, type Expected, type Subject } from './subjects.js';

export interface Result {
  subject: Subject;
  outcome: string;
  lost: number;
  duplicated: number;
  resubmitted: number;
  truncates: number;
  recoverySeconds: number;
  problems: string[];
}

/** Follows one resource to its end (sending `retry` where a person would), then checks what happened. */
export async function follow(
  s: Subject,
  over: number,
  expected: Expected | undefined,
  backups: Backups,
  restores: Restores,
): Promise<Result> {
  const api = s.kind === 'backup' ? backups : restores;
  const problems: string[] = [];
  let recovered: number | undefined;
  const ended = (r: CassandraBackup | CassandraRestore) => {
    if (recovered === undefined && movedOn(s, r)) recovered = Date.now();
    return succeeded(r) === 'True' || succeeded(r) === 'False';
  };
  let end = await api.waitFor(s.name, 'an end after the fault', ended);
  let outcome = `${end.status?.state ?? '?'}`;
  let retried: string | undefined;
  if (expected) {
    const reason = end.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;
    if (succeeded(end) !== 'False' || reason !== expected.failsWith)
      problems.push(
        `expected to fail with ${expected.failsWith}, ended ${outcome} (${reason ?? 'no reason'})`,
      );
    const events = await api.events(s.name);
    if (
      !events.some(
        (e) => e.type === 'Warning' && e.reason === `${s.kind === 'backup' ? 'Backup' : 'Restore'}Failed`,
      )
    )
      problems.push('no Warning Event for the failure');
    outcome = `FAILED ${reason ?? '?'} → retry → `;
    retried = new Date().toISOString();
    const { client, close } = await temporalClient();
    try {
      await client.workflow.getHandle(end.status?.workflowId ?? '').signal('retry');
    } finally {
      await close();
    }
    end = await api.waitFor(s.name, 'COMPLETED after retry', (r) => succeeded(r) === 'True');
    outcome += end.status?.state ?? '?';
  }
  if (succeeded(end) !== 'True')
    problems.push(`ended ${end.status?.state}: ${JSON.stringify(end.status?.conditions)}`);
  const counts =
    s.kind === 'backup'
      ? checkBackup(s, end as CassandraBackup, problems)
      : checkRestore(s, end as CassandraRestore, retried, problems);
  return {
    subject: s,
    outcome,
    ...counts,
    recoverySeconds: ((recovered ?? Date.now()) - over) / 1000,
    problems,
  };
}

/** The resource moved past the point where its operations were held. */
function movedOn(s: Subject, r: CassandraBackup | CassandraRestore): boolean {
  if (succeeded(r) === 'True' || succeeded(r) === 'False') return true;
  if (s.kind === 'backup') return (r.status?.nodes ?? []).some((n) => (n.progress ?? 0) > HOLD_AT * 100);
  const status = (r as CassandraRestore).status;
  const phase = status?.phases?.find((p) => p.name === s.target);
  return (
    (status?.phase !== undefined && status.phase !== s.target) ||
    (phase?.completedNodes ?? 0) > 0 ||
    (status?.nodes ?? []).some((n) => n.phase === s.target && (n.progress ?? 0) > HOLD_AT * 100)
  );
}
