// The storm's seeded parts: the PRNG, the fault plan and the load plan. Same seed, same storm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_KINDS, WORK_KINDS, planFaults } from '../../support/storm/faults.js';
import { planLoad } from '../../support/storm/load.js';
import { parseSeed, seededRandom } from '../../support/storm/random.js';

test('the PRNG: a seed gives the same numbers, forks are independent streams, ranges hold', () => {
  const a = seededRandom(1234);
  const b = seededRandom(1234);
  const xs = Array.from({ length: 50 }, () => a.next());
  assert.deepEqual(
    Array.from({ length: 50 }, () => b.next()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(seededRandom(1234).next(), seededRandom(1235).next());
  // A fork does not move its parent, and two labels give two streams.
  const p = seededRandom(7);
  const first = seededRandom(7).next();
  const f1 = p.fork('faults').next();
  assert.equal(p.next(), first);
  assert.notEqual(f1, seededRandom(7).fork('load').next());
  assert.equal(f1, seededRandom(7).fork('faults').next());
  const r = seededRandom(99);
  const ints = Array.from({ length: 2000 }, () => r.int(2, 5));
  assert.deepEqual([...new Set(ints)].sort(), [2, 3, 4, 5], 'both ends are reached');
  assert.throws(() => r.pick([]));
});

test('a seed is a whole number; anything else is refused with a message', () => {
  assert.equal(parseSeed('1234'), 1234);
  assert.equal(parseSeed('0'), 0);
  assert.equal(parseSeed(undefined), undefined);
  assert.equal(parseSeed(''), undefined);
  for (const bad of ['-1', '1.5', 'abc', '4294967296', '99999999999'])
    assert.throws(() => parseSeed(bad), /whole number/, bad);
});

test('the fault plan: 2–20 s apart, inside the storm, a quarter two different kinds at once, every kind drawn', () => {
  const durationMs = 60 * 60_000;
  const plan = planFaults(seededRandom(42), { durationMs });
  assert.deepEqual(planFaults(seededRandom(42), { durationMs }), plan, 'same seed, same plan');
  assert.notDeepEqual(planFaults(seededRandom(43), { durationMs }), plan);
  let previous = 0;
  for (const f of plan) {
    assert.ok(f.atMs - previous >= 2000 && f.atMs - previous <= 20_000, `gap ${f.atMs - previous}`);
    assert.ok(f.atMs < durationMs);
    previous = f.atMs;
    assert.ok(f.kinds.length === 1 || (f.kinds.length === 2 && f.kinds[0] !== f.kinds[1]));
    assert.ok(f.downMs.icarus >= 200 && f.downMs.icarus <= 2000);
    assert.ok(f.downMs.temporal >= 0 && f.downMs.temporal <= 3000);
  }
  const pairs = plan.filter((f) => f.kinds.length === 2).length / plan.length;
  assert.ok(pairs > 0.18 && pairs < 0.32, `pairs ${pairs}`);
  for (const kind of FAULT_KINDS)
    assert.ok(
      plan.some((f) => f.kinds.includes(kind)),
      kind,
    );
  // Icarus restarts aim at each kind of work in turn; other faults aim at nothing.
  const aims = plan.filter((f) => f.kinds.includes('icarus')).map((f) => f.aim);
  assert.deepEqual(
    [...new Set(aims.slice(0, WORK_KINDS.length + 2))].sort(),
    [...WORK_KINDS].sort(),
    'every kind in each deck',
  );
  assert.equal(aims.slice(0, WORK_KINDS.length + 2).filter((a) => a === 'TRUNCATE').length, 2);
  assert.ok(plan.every((f) => f.kinds.includes('icarus') || f.aim === ''));
  const icarus = plan.filter((f) => f.kinds.includes('icarus')).length / plan.length;
  assert.ok(icarus > 0.45, `Icarus restarts are the commonest fault (${icarus})`);
});

test('the load plan: the counts asked, each action in its share, unique names, every restore cluster used', () => {
  const opts = { durationMs: 120_000, backups: 400, restores: 8, backupClusters: 6, restoreClusters: 4 };
  const plan = planLoad(seededRandom(5), opts);
  assert.deepEqual(planLoad(seededRandom(5), opts), plan);
  const backups = plan.flatMap((p) => (p.kind === 'backup' ? [p] : []));
  const restores = plan.flatMap((p) => (p.kind === 'restore' ? [p] : []));
  assert.equal(backups.length, 400);
  assert.equal(restores.length, 8);
  assert.equal(new Set(plan.map((p) => p.name)).size, plan.length);
  const count = (a: string) => backups.filter((b) => b.action === a).length;
  assert.equal(count('edit'), 60, '15 %');
  assert.equal(count('delete'), 60, '15 %');
  const few = planLoad(seededRandom(5), { ...opts, backups: 5 });
  assert.equal(few.filter((p) => p.kind === 'backup' && p.action === 'edit').length, 2, 'at least two');
  assert.ok(
    restores.filter((r) => r.name < 'storm-r004').every((r) => r.onFailure === 'second-restore'),
    'the first restore of each cluster gets a second one when it fails',
  );
  assert.ok(backups.every((b) => b.deleteAfterMs >= 0 && b.deleteAfterMs <= 50));
  assert.ok(backups.every((b) => b.atMs <= 0.7 * opts.durationMs && b.cluster < 6));
  assert.deepEqual([...new Set(restores.map((r) => r.cluster))].sort(), [0, 1, 2, 3]);
  assert.ok(restores.every((r) => r.atMs <= 0.5 * opts.durationMs));
  assert.ok(
    plan.every((p, i) => i === 0 || (plan[i - 1]?.atMs ?? 0) <= p.atMs),
    'in time order',
  );
});
