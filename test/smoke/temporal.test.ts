import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { temporalClient, temporalNamespace, uniqueName, workerConnection } from '../support/stack-env.js';
import { createSmokeActivities } from './fixtures/activities.js';
import { smokeWorkflow } from './fixtures/workflows.js';

let connection: NativeConnection;
let client: Awaited<ReturnType<typeof temporalClient>>;

before(async () => {
  connection = await workerConnection();
  client = await temporalClient();
});
after(async () => {
  await client?.close();
  await connection?.close();
});

test('a real worker runs a workflow and its activities on the real Temporal dev server', async () => {
  const taskQueue = uniqueName('smoke');
  const worker = await Worker.create({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    // ESM: resolve the workflow module from this file's URL, as Temporal's fetch-esm sample does.
    workflowsPath: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
    activities: createSmokeActivities({ suffix: 'ok' }),
  });
  const workflowId = uniqueName('smoke-wf');
  const result = await worker.runUntil(
    client.client.workflow.execute(smokeWorkflow, {
      taskQueue,
      workflowId,
      args: [{ nodes: ['node-a', 'node-b'] }],
    }),
  );
  assert.deepEqual(result, ['node-a:ok:describeNode', 'node-b:ok:describeNode']);

  // The server, not the worker, holds the outcome: read it back through the client.
  const description = await client.client.workflow.getHandle(workflowId).describe();
  assert.equal(description.status.name, 'COMPLETED');
  assert.equal(description.taskQueue, taskQueue);
});
