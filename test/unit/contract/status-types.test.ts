// The status patch types, typed from the generated CRD status schemas: what a write of each kind may
// carry. Most of this file is checked by the compiler (`npx tsc`, and `npm test`'s type check): each
// `@ts-expect-error` line must stay an error, or the types have loosened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceKind } from '../../../src/contract/ids.js';
import { isReason, isReasonName, reasons } from '../../../src/contract/reasons.js';
import type {
  ConditionChange,
  ResourceEvent,
  StatusChange,
  StatusFields,
  StatusPatch,
} from '../../../src/contract/status.js';

export const backupWrite: StatusChange<'CassandraBackup'> = {
  fields: { state: 'RUNNING', snapshotTag: 't', errors: null, completionTime: null },
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'm' }],
  generation: 1,
};

export const restoreWrite: StatusChange<'CassandraRestore'> = {
  fields: { state: 'RUNNING', phase: 'DOWNLOAD', phases: [], source: { storageLocation: 's3://b' } },
  generation: 1,
};

export const backupWithPhase: StatusChange<'CassandraBackup'> = {
  // @ts-expect-error: a backup's status has no phase (the restore's own field).
  fields: { phase: 'DOWNLOAD' },
  generation: 1,
};

export const unknownField: StatusChange<'CassandraRestore'> = {
  // @ts-expect-error: no CRD status has this field.
  fields: { finished: true },
  generation: 1,
};

export const wrongType: StatusFields<'CassandraBackup'> = {
  // @ts-expect-error: progress is a number in the schema.
  progress: '50%',
};

export const conditionsAsFields: StatusFields<'CassandraBackup'> = {
  // @ts-expect-error: conditions are set by condition changes, never as a field.
  conditions: [],
};

export const scheduleWrite: StatusPatch<'CassandraBackupSchedule'> = {
  lastResult: 'Running',
  nextScheduleTime: null,
  active: [],
  // @ts-expect-error: a schedule's status has no state.
  state: 'RUNNING',
};

export const reasonTyped: ConditionChange = {
  type: 'Succeeded',
  status: 'False',
  // @ts-expect-error: not one of src/contract/reasons.ts.
  reason: 'NodeCrashed',
  message: 'm',
};

export const eventReasonTyped: ResourceEvent = {
  type: 'Warning',
  // @ts-expect-error: not one of src/contract/reasons.ts.
  reason: 'Oops',
  message: 'm',
};

/** What code shared by both kinds of run (ResourceRun<K>, the Reporter) may write: both kinds' fields. */
export function sharedWrite<K extends ResourceKind>(): StatusFields<K> {
  return { state: 'PENDING', errors: null, completionTime: null, workflowId: 'w' };
}

export function sharedWriteOfRestoreField<K extends ResourceKind>(): StatusFields<K> {
  // @ts-expect-error: a restore's own field, which a backup's status does not have.
  return { phase: 'IMPORT' };
}

test('isReason knows exactly the listed reasons; isReasonName only checks the form', () => {
  for (const r of reasons) assert.ok(isReason(r), r);
  assert.equal(isReason('NodeCrashed'), false);
  assert.equal(isReasonName('NodeCrashed'), true);
  assert.equal(isReason('not camel'), false);
});
