// The fault matrix's results (../fault-matrix.ts): a row per fault and target, printed as Markdown
// tables, the whole matrix and one line per fault (README).
import { RESTORE_PHASES } from './subjects.js';

export interface Row {
  scenario: string;
  target: string;
  outcome: string;
  lost: number;
  duplicated: number;
  /** Operations Icarus forgot (it restarted) that were submitted again. */
  resubmitted: number;
  truncates: number;
  /** How long the fault lasted (from striking until it was over: a process back, a server answering). */
  faultSeconds: number;
  /** Fault over → the resource moved on again, seconds (max over the row's resources). */
  recoverySeconds: number;
  problems: string[];
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The matrix as a Markdown table. */
export function formatRows(rows: Row[]): string {
  const header =
    '| scenario | target | outcome | lost | duplicated | resubmitted (Icarus lost them) | TRUNCATEs sent | fault lasted | time to recover |';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.target} | ${r.outcome} | ${r.lost} | ${r.duplicated} | ${r.resubmitted} | ${r.target.includes('restore') ? r.truncates : '–'} | ${r.faultSeconds.toFixed(1)} s | ${r.recoverySeconds.toFixed(1)} s |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

/** One line per fault: each target's outcome, then the totals over its targets (README). */
export function formatSummary(rows: Row[]): string {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const header =
    '| fault | backup | DOWNLOAD | TRUNCATE | IMPORT | CLEANUP | lost | duplicated | resubmitted | TRUNCATEs | fault lasted | time to recover (max) |';
  const lines = scenarios.map((scenario) => {
    const mine = rows.filter((r) => r.scenario === scenario);
    const cell = (prefix: string) => mine.find((r) => r.target.startsWith(prefix))?.outcome ?? '–';
    const restores = mine.filter((r) => r.target.startsWith('restore'));
    return `| ${scenario} | ${[cell('backup'), ...RESTORE_PHASES.map((p) => cell(`restore ${p}`))].join(' | ')} | ${sum(mine.map((r) => r.lost))} | ${sum(mine.map((r) => r.duplicated))} | ${sum(mine.map((r) => r.resubmitted))} | ${restores.length ? `${sum(restores.map((r) => r.truncates))} for ${restores.length} restores` : '–'} | ${(mine[0]?.faultSeconds ?? 0).toFixed(1)} s | ${Math.max(...mine.map((r) => r.recoverySeconds)).toFixed(1)} s |`;
  });
  return [header, '|---|---|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
