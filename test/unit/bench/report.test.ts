// The benchmark's arithmetic and verdicts: a wrong percentile or an inverted target would print a
// table that lies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table, verdict, type Row } from '../../../bench/report.js';
import { percentile, summarize } from '../../../bench/stats.js';

test('percentiles are nearest-rank: a value that was measured', () => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 99), 99);
  assert.equal(percentile(samples, 100), 100);
  assert.equal(percentile([3, 1, 2], 50), 2, 'unsorted input');
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  // With fewer than 100 samples the p99 is the largest.
  assert.equal(percentile([1, 2, 3, 10], 99), 10);
});

test('a summary holds count, median, p99, min and max', () => {
  assert.deepEqual(summarize([5, 1, 4, 2, 3]), { count: 5, median: 3, p99: 5, min: 1, max: 5 });
});

const row = (values: number[], target: Row['target']): Row => ({
  scenario: 's',
  measure: 'm',
  unit: 's',
  summary: summarize(values),
  target,
});

test('a target is met or missed on the statistic it names, in its direction', () => {
  assert.equal(verdict(row([0.2, 0.4, 1.5], { value: 1, on: 'p99' })), 'MISSED');
  assert.equal(verdict(row([0.2, 0.4, 1.5], { value: 1, on: 'median' })), 'met');
  assert.equal(verdict(row([500], { value: 500, on: 'min', atLeast: true })), 'met');
  assert.equal(verdict(row([499], { value: 500, on: 'min', atLeast: true })), 'MISSED');
  assert.equal(verdict(row([1], undefined)), '');
});

test('the table has a header and one line per row, with the verdict last', () => {
  const lines = table([row([0.5, 2], { value: 1, on: 'p99' })]).split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? '', /^\| scenario \| measure \| n \| median \| p99 \|/);
  assert.equal(lines[2], '| s | m | 2 | 0.500 | 2 | 2 | s | p99 ≤ 1 s | MISSED |');
});
