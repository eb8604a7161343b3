// kubectl on the real kube-apiserver: `kubectl get` shows each kind's printer columns (cluster, state,
// progress, success and its reason; a restore's backup, tag and phase; a schedule's times, result and
// readiness), the short names and the category work, `kubectl explain` describes deletionPolicy, and a
// schedule gets its defaults.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  backup,
  restore,
  schedule,
  succeeded,
  withCondition,
  startCrdApi,
  type CrdApi,
} from '../support/crd-api.js';
import { uniqueName } from '../support/stack-env.js';

let namespace: string;
let manifest: CrdApi['manifest'];
let create: CrdApi['create'];
let patchStatus: CrdApi['patchStatus'];

before(async () => {
  ({ namespace, manifest, create, patchStatus } = await startCrdApi());
});

describe('kubectl', () => {
  const kubectl = (...args: string[]) =>
    promisify(execFile)(process.env.KUBECTL ?? 'kubectl', [...args, '-n', namespace]).then((r) => r.stdout);

  test('kubectl get shows cluster, state, progress, success, its reason and age; short names and the category work', async () => {
    const name = uniqueName('columns');
    const created = await create(
      manifest('CassandraBackup', { ...backup, cassandraCluster: 'ring-one' }, name),
    );
    await patchStatus(created, {
      state: 'RUNNING',
      progress: 42,
      snapshotTag: 'x-1',
      ...succeeded('Unknown'),
    });
    const table = await kubectl('get', 'cassandrabackups', name);
    const [header, row] = table.trim().split('\n');
    assert.deepEqual(header?.split(/\s+/), [
      'NAME',
      'CLUSTER',
      'STATE',
      'PROGRESS',
      'SUCCEEDED',
      'REASON',
      'AGE',
    ]);
    assert.match(
      row ?? '',
      new RegExp(`^${name}\\s+ring-one\\s+RUNNING\\s+42\\s+Unknown\\s+Running\\s+\\d+s$`),
    );

    const wide = await kubectl('get', 'cbk', name, '-o', 'wide');
    assert.match(wide, /LOCATION\s+TAG/);
    assert.match(wide, /s3:\/\/bucket\s+x-1/);

    const restoreName = uniqueName('columns');
    const restored = await create(
      manifest('CassandraRestore', { ...restore, cassandraBackup: name }, restoreName),
    );
    // A restore by backup name shows the tag it resolved, and why it waits (no phase, no progress yet:
    // kubectl leaves those cells empty).
    await patchStatus(restored, {
      state: 'PENDING',
      snapshotTag: 'x-1',
      ...withCondition('Succeeded', 'Unknown', 'WaitingForBackup'),
    });
    const restoreTable = await kubectl('get', 'cassandrarestores', restoreName);
    const [restoreHeader, restoreRow] = restoreTable.trim().split('\n');
    assert.deepEqual(restoreHeader?.split(/\s+/), [
      'NAME',
      'CLUSTER',
      'BACKUP',
      'TAG',
      'PHASE',
      'STATE',
      'PROGRESS',
      'SUCCEEDED',
      'REASON',
      'AGE',
    ]);
    assert.match(
      restoreRow ?? '',
      new RegExp(
        `^${restoreName}\\s+c1\\s+${name}\\s+x-1\\s+PENDING\\s+Unknown\\s+WaitingForBackup\\s+\\d+s$`,
      ),
    );
    const both = await kubectl('get', 'cassandra');
    assert.match(both, new RegExp(`cassandrabackup.db.ibm.com/${name}\\s+ring-one`));
    assert.match(both, new RegExp(`cassandrarestore.db.ibm.com/${restoreName}\\s+c1\\s+${name}`));
  });

  test('kubectl explain describes deletionPolicy: its two values and what each does to the data', async () => {
    const text = (await kubectl('explain', 'cassandrabackup.spec.deletionPolicy')).replace(/\s+/g, ' ');
    assert.match(text, /FIELD: deletionPolicy <string>/);
    assert.match(text, /ENUM: Retain Delete/);
    assert.match(text, /Retain \(default\): the data stays/);
    assert.match(
      text,
      /Delete: the operator removes the backup from storage \(Icarus remove-backup\) before the resource goes/,
    );
    const template = await kubectl(
      'explain',
      'cassandrabackupschedule.spec.backupTemplate.spec.deletionPolicy',
    );
    assert.match(template, /FIELD: deletionPolicy <string>/);
  });

  test('a schedule gets its defaults, and kubectl get shows its times, result and readiness', async () => {
    const name = uniqueName('sched');
    const created = await create(manifest('CassandraBackupSchedule', schedule, name));
    assert.equal(created.spec?.timeZone, 'UTC');
    assert.equal(created.spec?.suspend, false);
    assert.equal(created.spec?.concurrencyPolicy, 'Forbid');
    assert.equal(created.spec?.catchupWindow, '1h');
    await patchStatus(created, {
      lastScheduleTime: new Date(Date.now() - 60_000).toISOString(),
      nextScheduleTime: new Date(Date.now() + 3600_000).toISOString(),
      lastResult: 'Succeeded',
      ...withCondition('Ready', 'True', 'Scheduled'),
    });
    const table = await kubectl('get', 'cbs', name);
    const [header, row] = table.trim().split('\n');
    assert.match(
      header ?? '',
      /^NAME\s+CLUSTER\s+SCHEDULE\s+SUSPEND\s+LAST RUN\s+NEXT RUN\s+LAST RESULT\s+READY\s+REASON\s+AGE$/,
    );
    assert.match(
      row ?? '',
      new RegExp(
        `^${name}\\s+c1\\s+\\["0 2 \\* \\* \\*"\\]\\s+false\\s+\\d+s\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+Succeeded\\s+True\\s+Scheduled\\s+\\d+s$`,
      ),
    );
    const both = await kubectl('get', 'cassandra');
    assert.match(both, new RegExp(`cassandrabackupschedule.db.ibm.com/${name}\\s+c1`));
  });
});
