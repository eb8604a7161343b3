// The status writer's concurrency policy on the real kube-apiserver (src/kube/status-writer.ts) against
// other writers: a write derived from a stale copy is refused (409), made again from a fresh read, and
// undoes nothing another wrote; values alone go without a read or a lock; a resource created again under
// its name is gone to a writer of the old one.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { findCondition } from '../../src/kube/conditions.js';
import type { Reason } from '../../src/contract/reasons.js';
import {
  StatusWriter,
  statusApi,
  type ResourceRef,
  type Seen,
  type StatusApi,
  type StatusWriterOptions,
} from '../../src/kube/status-writer.js';
import { createBackup, readBackup } from '../support/resources.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const { group, version, plural } = resourceNames.CassandraBackup;
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'status');
});

const backup = () => createBackup(kc, namespace);

/** Until the clock has moved past `time` (ISO, to the second as Kubernetes stores it): no fixed sleep. */
async function eventuallyLater(time: string): Promise<void> {
  while (new Date().toISOString().slice(0, 19) <= time.slice(0, 19)) await sleep(50);
}

const read = (ref: ResourceRef) => readBackup(kc, namespace, ref.name);

/** A backup, and the ref a run writes it by (with its uid). */
async function ownedBackup(): Promise<ResourceRef<'CassandraBackup'>> {
  const created = await backup();
  const { name = '', uid = '' } = created.metadata;
  return { kind: 'CassandraBackup', namespace, name, uid };
}

/** A writer that keeps what it saw for 1000 s (one write per 1000 s), as a process between two writes. */
function writer(api: StatusApi = statusApi(custom), opts: Partial<StatusWriterOptions> = {}) {
  const conflicts: string[] = [];
  const w = new StatusWriter(api, {
    maxWritesPerSecond: 0.001,
    onWritten: (r, result) => {
      if (result === 'conflict') conflicts.push(r.name);
    },
    ...opts,
  });
  return Object.assign(w, { conflicts });
}

const succeeded = (status: 'True' | 'False' | 'Unknown', reason: Reason, generation = 1) => ({
  changes: [{ type: 'Succeeded', status, reason, message: `${reason}.` }],
  generation,
});

/** Another client's merge patch of the status, as kubectl or another controller sends it (no lock). */
async function otherClient(ref: ResourceRef, status: Record<string, unknown>): Promise<void> {
  await statusApi(custom).patch(ref, status);
}

test('another client sets a condition and a field between two writes: the second write meets 409, is set anew on a fresh read, and both survive', async () => {
  const ref = await ownedBackup();
  const w = writer();
  await w.flush(ref, { fields: { state: 'RUNNING' }, conditions: succeeded('Unknown', 'Running') });
  assert.equal(w.reads, 1, 'read once, to set the condition on');
  const running = findCondition((await read(ref)).status?.conditions, 'Succeeded');
  assert.equal(running?.status, 'Unknown');

  // Another controller adds its own condition (the whole list, as a merge patch must) and a field.
  const theirs = {
    type: 'Audited',
    status: 'True',
    reason: 'Scheduled',
    message: 'audited',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
  await otherClient(ref, { conditions: [running, theirs], workflowUrl: 'http://temporal-ui/w' });

  const written = await w.flush(ref, {
    fields: { state: 'COMPLETED', progress: 100 },
    conditions: succeeded('True', 'Completed'),
  });
  assert.equal(written.gone, false);
  assert.deepEqual(w.conflicts, [ref.name], 'the write from the stale copy was refused once');
  assert.equal(w.reads, 2, 'and made again from a fresh read');
  const status = (await read(ref)).status;
  assert.deepEqual(
    status?.conditions?.map((c) => [c.type, c.status, c.reason]),
    [
      ['Succeeded', 'True', 'Completed'],
      ['Audited', 'True', 'Scheduled'],
    ],
    'the other client’s condition is not undone',
  );
  assert.equal(findCondition(status?.conditions, 'Audited')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.notEqual(
    findCondition(status?.conditions, 'Succeeded')?.lastTransitionTime,
    undefined,
    'Succeeded flipped: its time is set',
  );
  assert.equal(status?.workflowUrl, 'http://temporal-ui/w', 'nor its field');
  assert.equal(status?.state, 'COMPLETED');
  assert.equal(w.writes, 3, 'two writes, one of them made twice');
});

test('a condition that does not flip keeps its lastTransitionTime across writes, one read for them all', async () => {
  const ref = await ownedBackup();
  const w = writer();
  await w.flush(ref, { conditions: succeeded('Unknown', 'Planning') });
  const first = findCondition((await read(ref)).status?.conditions, 'Succeeded');
  await eventuallyLater(first?.lastTransitionTime ?? '');
  await w.flush(ref, { conditions: succeeded('Unknown', 'Running', 2) });
  const second = findCondition((await read(ref)).status?.conditions, 'Succeeded');
  assert.equal(second?.reason, 'Running');
  assert.equal(second?.observedGeneration, 2);
  assert.equal(second?.lastTransitionTime, first?.lastTransitionTime);
  assert.equal(w.reads, 1, 'the second write started from what the first returned');
  assert.deepEqual(w.conflicts, []);
});

test('values alone (the watch’s progress) go without a read or a lock, and leave others’ conditions alone', async () => {
  const ref = await ownedBackup();
  const w = writer();
  await otherClient(ref, {
    conditions: [
      {
        type: 'Succeeded',
        status: 'Unknown',
        reason: 'Running',
        message: 'm',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  });
  await w.flush(ref, { fields: { progress: 50, nodes: [{ pod: 'p-0', state: 'RUNNING', progress: 50 }] } });
  await otherClient(ref, { errors: [{ source: 'p-1', message: 'disk full' }] });
  await w.flush(ref, { fields: { progress: 60 } });
  assert.equal(w.reads, 0, 'no read before a write of values alone');
  assert.deepEqual(w.conflicts, []);
  const status = (await read(ref)).status;
  assert.equal(status?.progress, 60);
  assert.equal(status?.conditions?.[0]?.reason, 'Running');
  assert.deepEqual(status?.errors, [{ source: 'p-1', message: 'disk full' }]);
});

test('two processes derive a schedule’s fields from the same status: the later one is derived again, and both runs are in it', async () => {
  const created = (await custom.createNamespacedCustomObject({
    ...resourceNames.CassandraBackupSchedule,
    namespace,
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'CassandraBackupSchedule',
      metadata: { name: uniqueName('sched') },
      spec: {
        schedules: ['0 2 * * *'],
        backupTemplate: { spec: { cassandraCluster: 'c', storageLocation: 's3://b', secretName: 's' } },
      },
    },
  })) as { metadata: { name: string; uid: string } };
  const ref: ResourceRef<'CassandraBackupSchedule'> = {
    kind: 'CassandraBackupSchedule',
    namespace,
    name: created.metadata.name,
    uid: created.metadata.uid,
  };
  const add = (run: string) => ({
    derive: ({ status }: Seen<'CassandraBackupSchedule'>) => ({
      active: [...(status?.active ?? []), run].sort(),
      lastBackup: run,
    }),
  });
  const one = writer();
  const two = writer();
  await one.flush(ref, add('run-1'));
  await two.flush(ref, add('run-2'));
  await one.flush(ref, add('run-3'));
  assert.deepEqual(one.conflicts, [ref.name], 'process one’s copy was older than process two’s write');
  const status = (
    (await custom.getNamespacedCustomObject({
      ...resourceNames.CassandraBackupSchedule,
      namespace,
      name: ref.name,
    })) as {
      status?: { active?: string[]; lastBackup?: string };
    }
  ).status;
  assert.deepEqual(status?.active, ['run-1', 'run-2', 'run-3']);
  assert.equal(status?.lastBackup, 'run-3');
});

test('a resource deleted and created again under its name is gone to a writer of the old one', async () => {
  const ref = await ownedBackup();
  const w = writer();
  await w.flush(ref, { conditions: succeeded('Unknown', 'Running') });
  await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: ref.name });
  await createBackup(kc, namespace, { name: ref.name });
  assert.deepEqual(
    await w.flush(ref, { fields: { state: 'FAILED' }, conditions: succeeded('False', 'NodeFailed') }),
    {
      gone: true,
    },
  );
  assert.equal((await read(ref)).status, undefined, 'the new resource is not written');
});
