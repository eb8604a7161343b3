import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig } from '../../../src/config.js';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import { createLogger } from '../../../src/logger.js';
import { FINALIZER } from '../../../src/operator/finalizer.js';
import { Reconciler } from '../../../src/operator/reconciler.js';

// The reconciler against stand-ins for the API server and Temporal: what it remembers per resource
// must go when the resource goes, or a long-running operator grows with every resource it ever saw.

function world() {
  const objects = new Map<string, CassandraBackup>();
  const calls: string[] = [];
  let workflowStatus: string | undefined;
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
      signalWithStart: () => {
        calls.push('signalWithStart');
        workflowStatus = 'RUNNING';
        return Promise.resolve({});
      },
      getHandle: (workflowId: string) => ({
        describe: () =>
          workflowStatus
            ? Promise.resolve({ status: { name: workflowStatus } })
            : Promise.reject(new WorkflowNotFoundError('not found', workflowId, undefined)),
        signal: () => {
          calls.push('signal');
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
    end: (status: string) => (workflowStatus = status),
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
