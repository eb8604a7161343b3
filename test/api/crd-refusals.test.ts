// The CassandraBackup / CassandraRestore / CassandraBackupSchedule API on the real kube-apiserver, what
// it refuses: invalid manifests (the table in test/api/invalid/) are rejected with a message a user
// understands, a schedule's name leaves room for its runs' time, status is validated, and the
// immutability rules hold. Every refusal is also run through the operator's own checks of the CEL rules
// (src/kube/api/generated-rules.ts), which must find the same failures with the same messages; the last
// test requires every rule to have been compared so.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { disagreement, refusal, rulesNeverCompared } from '../support/cel-agreement.js';
import {
  backup,
  rejection,
  restore,
  schedule,
  succeeded,
  startCrdApi,
  type CrdApi,
  type Invalid,
} from '../support/crd-api.js';
import { invalidBackups } from './invalid/backups.js';
import { invalidRestores } from './invalid/restores.js';
import { invalidSchedules } from './invalid/schedules.js';
import { invalidSyncs } from './invalid/syncs.js';

let manifest: CrdApi['manifest'];
let create: CrdApi['create'];
let refusedCreate: CrdApi['refusedCreate'];
let patchSpec: CrdApi['patchSpec'];
let patchStatus: CrdApi['patchStatus'];
let refusedUpdate: CrdApi['refusedUpdate'];

before(async () => {
  ({ manifest, create, refusedCreate, patchSpec, patchStatus, refusedUpdate } = await startCrdApi());
});

const invalid: Invalid[] = [...invalidBackups, ...invalidRestores, ...invalidSchedules, ...invalidSyncs];

describe('rejected manifests', () => {
  test(`a table of ${invalid.length} invalid manifests is rejected with messages a user understands`, async () => {
    assert.ok(invalid.length >= 25);
    const problems: string[] = [];
    for (const [what, kind, spec, fragment] of invalid) {
      const obj = manifest(kind, spec);
      const refused = await refusal(create(obj, true)).catch((err: unknown) => ({
        message: `ACCEPTED (${String(err)})`,
        causes: [],
      }));
      if (!refused.message.includes(fragment))
        problems.push(`${what}: expected "${fragment}" in:\n    ${refused.message}`);
      const differs = disagreement(kind, refused, obj);
      if (differs) problems.push(`${what}: ${differs}`);
    }
    assert.deepEqual(problems, []);
  });

  test('a schedule name leaves room for the run time its backups add', async () => {
    const message = await refusedCreate(manifest('CassandraBackupSchedule', schedule, `s${'x'.repeat(47)}`));
    assert.match(message, /at most 47 characters/);
    await create(manifest('CassandraBackupSchedule', schedule, `s${'x'.repeat(46)}`), true);
  });

  test('status is validated too: progress stays within 0..100', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    const message = await rejection(patchStatus(created, { progress: 101 }));
    assert.match(message, /status\.progress: Invalid value: 101: .*less than or equal to 100/);
  });
});

describe('immutability', () => {
  test("a backup's cluster and tag never change", async () => {
    const created = await create(manifest('CassandraBackup', { ...backup, snapshotTag: 'first' }));
    assert.match(
      await refusedUpdate(created, { cassandraCluster: 'other' }),
      /cassandraCluster cannot change/,
    );
    assert.match(
      await refusedUpdate(created, { snapshotTag: 'second' }),
      /snapshotTag cannot be set, changed or removed after creation/,
    );
    assert.match(
      await refusedUpdate(created, { snapshotTag: null }),
      /snapshotTag cannot be set, changed or removed after creation/,
    );
  });

  test('a failed or running backup can be fixed; a succeeded one is frozen', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    await patchStatus(created, succeeded('Unknown'));
    const fixed = await patchSpec(created, {
      storageLocation: 's3://other-bucket',
      secretName: 'other-creds',
    });
    assert.equal(fixed.spec?.storageLocation, 's3://other-bucket');
    const done = await patchStatus(created, succeeded('True'));
    assert.match(
      await refusedUpdate(done, { concurrentConnections: 3 }),
      /the spec of a backup that succeeded cannot change \(only its deletionPolicy can\)/,
    );
    // Its deletionPolicy alone may change, both ways (how a backup held in deletion is let go).
    const deleting = await patchSpec(done, { deletionPolicy: 'Delete' });
    assert.equal(deleting.spec?.deletionPolicy, 'Delete');
    const kept = await patchSpec(deleting, { deletionPolicy: 'Retain' });
    assert.equal(kept.spec?.deletionPolicy, 'Retain');
    assert.match(
      await refusedUpdate(kept, { deletionPolicy: 'Delete', timeout: 9 }),
      /the spec of a backup that succeeded cannot change/,
      'not with another field',
    );
    assert.match(
      await refusedUpdate(kept, { dc: 'dc1' }),
      /the spec of a backup that succeeded cannot change/,
      'a field set that was unset is a change',
    );
    const tagged = await create(manifest('CassandraBackup', { ...backup, dc: 'dc1' }));
    const tagDone = await patchStatus(tagged, succeeded('True'));
    assert.match(
      await refusedUpdate(tagDone, { dc: null }),
      /the spec of a backup that succeeded cannot change/,
      'a field unset that was set is a change',
    );
  });

  test('imported is set at creation only', async () => {
    const imported = await create(
      manifest('CassandraBackup', { ...backup, snapshotTag: 'x', imported: true }),
    );
    const message = /imported cannot be set, changed or removed after creation/;
    assert.match(await refusedUpdate(imported, { imported: false }), message);
    assert.match(await refusedUpdate(imported, { imported: null }), message);
    const taken = await create(manifest('CassandraBackup', backup));
    assert.match(await refusedUpdate(taken, { imported: true, snapshotTag: 'x' }), message);
  });

  test('a backup is frozen while its state is RUNNING, deletionPolicy included', async () => {
    const created = await create(manifest('CassandraBackup', backup));
    const running = await patchStatus(created, { state: 'RUNNING' });
    assert.match(
      await refusedUpdate(running, { secretName: 'other-creds' }),
      /the spec of a running backup cannot change/,
    );
    assert.match(
      await refusedUpdate(running, { deletionPolicy: 'Delete' }),
      /the spec of a running backup cannot change, deletionPolicy included/,
    );
  });

  test('a restore may be pointed elsewhere until it starts; then what it restores is frozen', async () => {
    const created = await create(manifest('CassandraRestore', restore));
    const repointed = await patchSpec(created, { cassandraBackup: 'b2', dc: 'dc1' });
    assert.equal(repointed.spec?.cassandraBackup, 'b2');
    const started = await patchStatus(created, { startTime: new Date().toISOString() });
    const frozen =
      /once a restore has started, these fields cannot change: cassandraBackup, storageLocation, snapshotTag/;
    assert.match(await refusedUpdate(started, { cassandraBackup: 'b3' }), frozen);
    assert.match(await refusedUpdate(started, { dc: null }), frozen);
    assert.match(await refusedUpdate(started, { rename: { 'ks.a': 'ks.b' } }), frozen);
    assert.match(await refusedUpdate(started, { mode: 'Verify' }), frozen);
    assert.match(
      await refusedUpdate(started, { cassandraCluster: 'other' }),
      /cassandraCluster cannot change/,
    );
    // Operational settings stay adjustable.
    const adjusted = await patchSpec(created, {
      timeout: 9,
      concurrentConnections: 2,
      secretName: 'rotated',
    });
    assert.equal(adjusted.spec?.timeout, 9);
  });
});

test('every CEL rule of the CRDs was compared above: its generated check refused what the API server refused', () => {
  assert.deepEqual(rulesNeverCompared(), []);
});
