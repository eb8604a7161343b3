// The storm's table: its seed and length, the faults struck, one line per class of resource (how many ended
// as designed, operations lost, duplicated, resubmitted, TRUNCATEs, operations run after a cancel,
// violations), then every violation with the resource it concerns. The test and `npm run chaos` print
// the same.
import type { Verdict } from './checks.js';
import { FAULT_KINDS, type StruckFault } from './faults.js';
import { CLASSES } from './load.js';

export interface StormSummary {
  seed: number;
  stormMinutes: number;
  /** From the end of the faults until every resource had ended (or the storm gave up). */
  settleSeconds: number;
  faults: StruckFault[];
  operatorSelfExits: number;
  /** What the storm itself could not do (a person's follow that threw). */
  stormErrors: string[];
  verdicts: Verdict[];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function violationsOf(s: StormSummary): string[] {
  return [
    ...s.faults
      .filter((f) => f.error)
      .map(
        (f) =>
          `storm: the fault at ${(f.atMs / 1000).toFixed(1)} s (${f.kinds.join(' + ')}) failed: ${f.error}`,
      ),
    ...s.stormErrors.map((e) => `storm: ${e}`),
    ...s.verdicts.flatMap((v) => v.violations.map((x) => `${v.name} (${v.class}): ${x}`)),
  ];
}

export function formatReport(s: StormSummary): string {
  const lines: string[] = [];
  lines.push(
    `Fault storm, seed ${s.seed}: ${s.stormMinutes} min of faults and load, then ${s.settleSeconds.toFixed(0)} s to settle. Again: STORM_SEED=${s.seed} npm test -- test/reliability/storm.test.ts, or npm run chaos -- --minutes ${s.stormMinutes} --seed ${s.seed}`,
    '',
  );
  const byKind = FAULT_KINDS.map((k) => `${k} ×${s.faults.filter((f) => f.kinds.includes(k)).length}`);
  const pairs = s.faults.filter((f) => f.kinds.length > 1).length;
  lines.push(
    `Faults: ${s.faults.length} (${byKind.join(', ')}; ${pairs} of them two at once). The operator also exited on its own ${s.operatorSelfExits} time(s) and was started again.`,
    '',
  );
  lines.push(
    '| resources | count | ended as designed | lost | duplicated | resubmitted (Icarus forgot) | TRUNCATEs | ran after cancel | violations |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const c of [...CLASSES, 'cluster' as const]) {
    const mine = s.verdicts.filter((v) => v.class === c);
    if (mine.length === 0) continue;
    const label = c === 'cluster' ? 'restore clusters (shared: repeats, TRUNCATEs, final rows)' : c;
    const restoreLike =
      c === 'restore' || c === 'second restore while the first waits for retry' || c === 'cluster';
    lines.push(
      `| ${label} | ${mine.length} | ${mine.filter((v) => v.asDesigned).length} | ${sum(mine.map((v) => v.lost))} | ${sum(mine.map((v) => v.duplicated))} | ${sum(mine.map((v) => v.resubmitted))} | ${restoreLike ? sum(mine.map((v) => v.truncates)) : '–'} | ${c.startsWith('backup, deleted') ? sum(mine.map((v) => v.afterCancel)) : '–'} | ${sum(mine.map((v) => v.violations.length))} |`,
    );
  }
  const outcomes = s.verdicts.filter(
    (v) => (v.class !== 'cluster' && v.outcome.includes('FAILED')) || v.class.startsWith('backup, deleted'),
  );
  if (outcomes.length) {
    lines.push('', 'Resources that FAILED on the way, and the deleted ones:', '');
    for (const v of outcomes) lines.push(`- ${v.name} (${v.class}): ${v.outcome}`);
  }
  const violations = violationsOf(s);
  lines.push('', violations.length ? `Violations (${violations.length}):` : 'Violations: none.', '');
  for (const v of violations) lines.push(`- ${v}`);
  lines.push('', 'Faults struck:', '');
  for (const f of s.faults)
    lines.push(
      `- ${(f.atMs / 1000).toFixed(1)} s: ${f.what.join(' + ') || f.kinds.join(' + ')}, back after ${(f.lastedMs / 1000).toFixed(1)} s${f.error ? ` (error: ${f.error})` : ''}`,
    );
  lines.push('', `Seed ${s.seed}.`);
  return lines.join('\n');
}
