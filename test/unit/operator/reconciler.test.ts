import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig } from '../../../src/config.js';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import { createLogger } from '../../../src/logger.js';
import { FINALIZER } from '../../../src/operator/finalizer.js';
import { Reconciler } from '../../../src/operator/reconciler.js';
import { backupRemovalWorkflowId } from '../../../src/contract/ids.js';

// The reconciler against stand-ins for the API server and Temporal: what it remembers per resource
// must go when the resource goes, or a long-running operator grows with every resource it ever saw.

function world() {
  const objects = new Map<string, CassandraBackup>();
  const calls: string[] = [];
  /** Workflows by id, as Temporal has them; `backupId` is the last signal-with-start's. */
  const workflows = new Map<string, { status: string; result?: unknown }>();
  let backupId = '';
  const custom = {
    patchNamespacedCustomObject: (req: { name: string }) => {
      calls.push(`patch ${req.name}`);
      return Promise.resolve({});
    },
  } as unknown as CustomObjectsApi;
  const core = {
    createNamespacedEvent: () => {
      calls.push('event');
      return Promise.resolve({});
    },
  } as unknown as CoreV1Api;
  const temporal = {
    workflow: {
      signalWithStart: (_type: string, opts: { workflowId: string }) => {
        calls.push('signalWithStart');
        backupId = opts.workflowId;
        workflows.set(opts.workflowId, { status: 'RUNNING' });
        return Promise.resolve({});
      },
      start: (type: string, opts: { workflowId: string }) => {
        calls.push(`start ${type}`);
        if (workflows.get(opts.workflowId)?.status !== 'RUNNING')
          workflows.set(opts.workflowId, { status: 'RUNNING' });
        return Promise.resolve({});
      },
      getHandle: (workflowId: string) => ({
        describe: () => {
          const w = workflows.get(workflowId);
          return w
            ? Promise.resolve({ status: { name: w.status } })
            : Promise.reject(new WorkflowNotFoundError('not found', workflowId, undefined));
        },
        result: () => Promise.resolve(workflows.get(workflowId)?.result),
        signal: () => {
          calls.push('signal');
          return Promise.resolve();
        },
        cancel: () => {
          calls.push(`cancel ${workflowId}`);
          return Promise.resolve();
        },
      }),
    },
  } as unknown as Client;
  const reconciler = new Reconciler({
    kind: 'CassandraBackup',
    config: loadConfig({}),
    temporal,
    custom,
    core,
    logger: createLogger('silent'),
    get: (namespace, name) => objects.get(`${namespace}/${name}`),
  });
  const put = (obj: CassandraBackup) => objects.set(`${obj.metadata.namespace}/${obj.metadata.name}`, obj);
  return {
    reconciler,
    calls,
    put,
    remove: (obj: CassandraBackup) => objects.delete(`${obj.metadata.namespace}/${obj.metadata.name}`),
    /** The backup's own workflow ends so. */
    end: (status: string) => workflows.set(backupId, { status }),
    /** Any workflow ends so, with this result. */
    finish: (workflowId: string, status: string, result?: unknown) =>
      workflows.set(workflowId, { status, result }),
  };
}

const backup = (name: string, extra: Partial<CassandraBackup> = {}): CassandraBackup =>
  ({
    apiVersion: 'db.ibm.com/v1alpha1',
    kind: 'CassandraBackup',
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: { cassandraCluster: 'ring', storageLocation: 's3://b', secretName: 's' },
    ...extra,
  }) as CassandraBackup;

test('a backup run here and deleted leaves nothing behind in the reconciler', async () => {
  const w = world();
  const b = backup('b1');
  w.put(b);
  await w.reconciler.reconcile('ns/b1');
  assert.deepEqual(w.calls, ['patch b1', 'signalWithStart']);
  assert.equal(w.reconciler.tracked, 1);
  // The workflow completed; the resource is deleted: the finalizer goes, then the resource.
  w.end('COMPLETED');
  const deleting = backup('b1', {
    metadata: { ...b.metadata, finalizers: [FINALIZER], deletionTimestamp: new Date() },
    status: { state: 'COMPLETED', workflowId: 'w' },
  });
  w.put(deleting);
  await w.reconciler.reconcile('ns/b1');
  w.remove(deleting);
  await w.reconciler.forget(deleting);
  assert.equal(w.reconciler.tracked, 0);
});

test('a resource another controller ran is told of once, and forgotten when it is deleted', async () => {
  const w = world();
  const foreign = backup('old', { status: { state: 'COMPLETED' } });
  w.put(foreign);
  await w.reconciler.reconcile('ns/old');
  await w.reconciler.reconcile('ns/old');
  assert.deepEqual(w.calls, ['event'], 'one ManagedElsewhere Event, no finalizer, no workflow');
  assert.equal(w.reconciler.tracked, 1);
  w.remove(foreign);
  await w.reconciler.forget(foreign);
  assert.equal(w.reconciler.tracked, 0, 'every deleted foreign resource would stay in memory');
});

/** The backup `name`, run here, its workflow ended, now deleted with this deletionPolicy. */
async function deletedWithPolicy(
  w: ReturnType<typeof world>,
  name: string,
  deletionPolicy: 'Retain' | 'Delete',
) {
  const b = backup(name);
  w.put(b);
  await w.reconciler.reconcile(`ns/${name}`);
  w.end('COMPLETED');
  const deleting = backup(name, {
    metadata: { ...b.metadata, finalizers: [FINALIZER], deletionTimestamp: new Date() },
    spec: { ...b.spec, deletionPolicy },
    status: { state: 'COMPLETED', workflowId: 'w', snapshotTag: `${name}-v-1` },
  });
  w.put(deleting);
  w.calls.length = 0;
  return { deleting, removalId: backupRemovalWorkflowId('ns', name, `uid-${name}`) };
}

test('deletionPolicy Delete: the finalizer stays until the removal workflow has completed, which starts once', async () => {
  const w = world();
  const { deleting, removalId } = await deletedWithPolicy(w, 'd1', 'Delete');
  assert.deepEqual(await w.reconciler.reconcile('ns/d1'), { requeueAfterMs: 5000 });
  assert.deepEqual(w.calls, ['start backupRemovalWorkflow'], 'started, the finalizer kept');
  assert.deepEqual(await w.reconciler.reconcile('ns/d1'), { requeueAfterMs: 5000 });
  assert.deepEqual(w.calls, ['start backupRemovalWorkflow'], 'running: nothing more');
  w.finish(removalId, 'COMPLETED', { outcome: 'Removed' });
  assert.deepEqual(await w.reconciler.reconcile('ns/d1'), {});
  assert.deepEqual(w.calls, ['start backupRemovalWorkflow', 'patch d1'], 'then the finalizer goes');
  w.remove(deleting);
  await w.reconciler.forget(deleting);
  assert.equal(w.reconciler.tracked, 0);
});

test('deletionPolicy Delete: a removal that ended without finishing (terminated) is started again', async () => {
  const w = world();
  const { removalId } = await deletedWithPolicy(w, 'd2', 'Delete');
  w.finish(removalId, 'TERMINATED');
  assert.deepEqual(await w.reconciler.reconcile('ns/d2'), { requeueAfterMs: 5000 });
  assert.deepEqual(w.calls, ['start backupRemovalWorkflow']);
});

test('deletionPolicy Retain: the finalizer goes at once, and a removal that runs is stopped first', async () => {
  const w = world();
  await deletedWithPolicy(w, 'r1', 'Retain');
  assert.deepEqual(await w.reconciler.reconcile('ns/r1'), {});
  assert.deepEqual(w.calls, ['patch r1'], 'no removal, as before deletionPolicy existed');

  const { removalId } = await deletedWithPolicy(w, 'r2', 'Retain');
  w.finish(removalId, 'RUNNING');
  assert.deepEqual(await w.reconciler.reconcile('ns/r2'), {});
  assert.deepEqual(
    w.calls,
    [`cancel ${removalId}`, 'event', 'patch r2'],
    'stopped, said (BackupRetained), let go',
  );
});
