// Workflow tests of the fast tier: the real workflow code (workflows/index.ts, bundled once per test
// file) on Temporal's time-skipping test server, with fake activities registered on a Worker in the test.
// The server comes from the project's own tool cache (dev/stack/temporal-test-server.ts; `npm test`
// installs it before the tests start, TEMPORAL_TEST_SERVER_PATH overrides it). Time skips whenever the
// test awaits a workflow's result and nothing but timers is pending: a retry window of an hour passes in
// milliseconds, and the timers that the workflow started are in its history for the test to read.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import { resolveTemporalTestServer } from '../../dev/stack/temporal-test-server.js';
import { eventually } from './wait.js';

let bundle: Promise<WorkflowBundle> | undefined;
let seq = 0;

/** The test server and its clients, one per test file (time is global to a server: tests take turns). */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  // Errors only: the worker's and the workflows' own log lines (a failed workflow is logged as a warning)
  // would bury the test runner's report; what a test checks is in its assertions.
  if (seq === 0) {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  }
  seq += 1;
  const server = await resolveTemporalTestServer();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server.path } },
  });
}

/** A task queue (and workflow id) no other test of the file uses. */
export function uniqueId(prefix: string): string {
  seq += 1;
  return `${prefix}-${process.pid}-${seq}`;
}

/**
 * Runs `body` while a worker with these activities serves `taskQueue`, then shuts the worker down.
 * Activities are plain functions of the test; the workflow code is the real one.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: Partial<Activities>,
  body: () => Promise<T>,
): Promise<T> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR'),
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundle,
    activities,
    // A fake activity that waits for its cancellation heartbeats: the cancel reaches it at once.
    maxHeartbeatThrottleInterval: '50 milliseconds',
    defaultHeartbeatThrottleInterval: '50 milliseconds',
  });
  return worker.runUntil(body);
}

/** The timers a workflow started, in order, in milliseconds. */
export async function timersOf(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e: temporal.api.history.v1.IHistoryEvent) => {
    const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
    if (!timeout) return [];
    return [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)];
  });
}

/** A promise with its resolve function: how a fake activity and a test wait for each other. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits until the workflow's history has an event that `match` accepts (e.g. a cancel it requested). */
export async function untilInHistory(
  handle: WorkflowHandle,
  what: string,
  match: (e: temporal.api.history.v1.IHistoryEvent) => boolean,
): Promise<void> {
  await eventually(what, async () => ((await handle.fetchHistory()).events ?? []).some(match) || undefined, {
    timeoutMs: 60_000,
    intervalMs: 20,
  });
}

/** The ApplicationFailure a workflow run ended with (the run must fail). */
export async function failureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await result.then(
    () => assert.fail('the workflow succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `a workflow failure, not ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, `an ApplicationFailure, not ${String(err.cause)}`);
  return err.cause;
}

/**
 * How a cancelled backup or restore run closed: as Canceled in Temporal (its own cancel request after
 * the clean-up), and how many times it asked for that.
 */
export async function canceledOf(result: Promise<unknown>): Promise<CancelledFailure> {
  const err = await result.then(
    () => assert.fail('the workflow succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `a workflow failure, not ${String(err)}`);
  assert.ok(err.cause instanceof CancelledFailure, `closed as Canceled, not with ${String(err.cause)}`);
  return err.cause;
}
