// Which tables a restore names to Icarus, given what its backup holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectRestoreTables } from '../../../workflows/restore-tables.js';

const backup = ['ks1.a', 'ks1.b', 'ks2.c'];

test('no entities: every table of the backup, by name (never a table created since)', () => {
  assert.deepEqual(selectRestoreTables('', backup), {
    ok: true,
    entities: 'ks1.a,ks1.b,ks2.c',
    tables: ['ks1.a', 'ks1.b', 'ks2.c'],
  });
});

test('keyspaces: the backup’s tables of those keyspaces', () => {
  const chosen = selectRestoreTables(' ks1 ', backup);
  assert.ok(chosen.ok);
  assert.equal(chosen.entities, 'ks1.a,ks1.b');
});

test('tables: those named, when the backup holds them', () => {
  const chosen = selectRestoreTables('ks2.c,ks1.a', backup);
  assert.ok(chosen.ok);
  assert.equal(chosen.entities, 'ks1.a,ks2.c');
});

test('what the backup does not hold is refused before anything runs, naming it and what the backup holds', () => {
  for (const [entities, absent] of [
    ['ks1.a,ks1.new', /names ks1\.new, which the backup does not hold \(its keyspaces: ks1, ks2\)/],
    ['ks3', /keyspace\(s\) ks3, which the backup does not hold \(its keyspaces: ks1, ks2\)/],
  ] as const) {
    const chosen = selectRestoreTables(entities, backup);
    assert.equal(chosen.ok, false);
    assert.ok(!chosen.ok && chosen.reason === 'EntitiesNotInBackup');
    assert.match(chosen.message, absent);
  }
  const empty = selectRestoreTables('', []);
  assert.ok(!empty.ok);
  assert.match(empty.message, /holds no table outside the system keyspaces: there is nothing to restore/);
});
