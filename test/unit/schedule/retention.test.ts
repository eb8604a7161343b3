import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRetention, type RetainedBackup } from '../../../src/schedule/retention.js';

const now = new Date('2026-11-24T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const b = (name: string, age: number, outcome: RetainedBackup['outcome'] = 'Succeeded'): RetainedBackup => ({
  name,
  time: daysAgo(age),
  outcome,
});

test('keepLast keeps the newest N successful backups, newest first', () => {
  const backups = [b('d1', 1), b('d4', 4), b('d2', 2), b('d3', 3)];
  assert.deepEqual(decideRetention(backups, { keepLast: 2 }, now), {
    keep: ['d1', 'd2'],
    remove: ['d3', 'd4'],
  });
});

test('maxAge removes what is older, but never the newest successful backup', () => {
  const backups = [b('d10', 10), b('d20', 20), b('d40', 40)];
  assert.deepEqual(decideRetention(backups, { maxAgeMs: 15 * 86_400_000 }, now), {
    keep: ['d10'],
    remove: ['d20', 'd40'],
  });
  assert.deepEqual(
    decideRetention(backups, { maxAgeMs: 86_400_000 }, now),
    { keep: ['d10'], remove: ['d20', 'd40'] },
    'all too old: the newest stays, so the cluster keeps a backup',
  );
});

test('both rules: a backup stays only if both let it', () => {
  const backups = [b('d1', 1), b('d2', 2), b('d3', 3), b('d9', 9)];
  assert.deepEqual(decideRetention(backups, { keepLast: 3, maxAgeMs: 2.5 * 86_400_000 }, now), {
    keep: ['d1', 'd2'],
    remove: ['d3', 'd9'],
  });
});

test('running backups are never touched; failed ones count for nothing and go once older than the oldest kept', () => {
  const backups = [
    b('run0', 0, 'Running'),
    b('fail1', 1, 'Failed'),
    b('ok2', 2),
    b('fail3', 3, 'Cancelled'),
    b('ok4', 4),
    b('fail5', 5, 'Failed'),
    b('ok6', 6),
    b('run7', 7, 'Running'),
  ];
  assert.deepEqual(decideRetention(backups, { keepLast: 2 }, now), {
    keep: ['run0', 'fail1', 'ok2', 'fail3', 'ok4', 'run7'],
    remove: ['fail5', 'ok6'],
  });
});

test('with no successful backup, failed ones go only by age', () => {
  const backups = [b('fail1', 1, 'Failed'), b('fail9', 9, 'Failed')];
  assert.deepEqual(decideRetention(backups, { keepLast: 1 }, now), { keep: ['fail1', 'fail9'], remove: [] });
  assert.deepEqual(decideRetention(backups, { keepLast: 1, maxAgeMs: 5 * 86_400_000 }, now), {
    keep: ['fail1'],
    remove: ['fail9'],
  });
});
