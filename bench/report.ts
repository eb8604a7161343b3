// The benchmark's output: one row per measurement (median and p99 of its samples, the target and
// whether it was met), printed as a table with the machine it ran on, and written as JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Summary } from './stats.js';

export interface Target {
  /** The row passes when its `on` statistic is at most (or, with `atLeast`, at least) this value. */
  value: number;
  on: 'median' | 'p99' | 'max' | 'min';
  atLeast?: boolean;
}

export interface Row {
  scenario: string;
  measure: string;
  unit: string;
  summary: Summary;
  target?: Target;
  note?: string;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  commit: string;
}

export function machine(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    commit,
  };
}

export function verdict(row: Row): 'met' | 'MISSED' | '' {
  if (!row.target) return '';
  const value = row.summary[row.target.on];
  const met = row.target.atLeast ? value >= row.target.value : value <= row.target.value;
  return met ? 'met' : 'MISSED';
}

function num(n: number): string {
  if (Number.isNaN(n)) return '-';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(n === Math.round(n) ? 0 : 3);
}

function targetText(t: Target | undefined, unit: string): string {
  if (!t) return '';
  return `${t.on} ${t.atLeast ? '≥' : '≤'} ${num(t.value)} ${unit}`.trim();
}

/** A Markdown table (it reads as well in a terminal as in the README). */
export function table(rows: readonly Row[]): string {
  const header = ['scenario', 'measure', 'n', 'median', 'p99', 'max', 'unit', 'target', 'result'];
  const lines = rows.map((r) => [
    r.scenario,
    r.measure,
    String(r.summary.count),
    num(r.summary.median),
    num(r.summary.p99),
    num(r.summary.max),
    r.unit,
    targetText(r.target, r.unit),
    verdict(r),
  ]);
  const out = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  return out.join('\n');
}

export function machineLine(m: Machine, at: Date): string {
  return `${at.toISOString().slice(0, 10)}, ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, commit ${m.commit}`;
}

/** Writes bench/results/<timestamp>.json and returns its path. */
export function writeResults(
  dir: string,
  at: Date,
  m: Machine,
  rows: readonly Row[],
  details: Record<string, unknown>,
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ at: at.toISOString(), machine: m, rows: rows.map((r) => ({ ...r, result: verdict(r) })), details }, null, 2)}\n`,
  );
  return file;
}
