// The activities a backup's or restore's run calls, as proxies: which run as local activities, how long
// each may take and how it is retried. The option objects are part of the commands a workflow sends:
// changing one changes what runs already recorded (a `patched()` branch, workflows/README.md).
import {
  ActivityCancellationType,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

const k8sOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
} as const;
// Kubernetes reads and writes, planning: short, retried on transient errors (scheduled runs use these).
export const k8s = proxyActivities<Activities>(k8sOptions);
// The same activities as local activities: the worker runs them inside the workflow task, so reading
// the spec, planning and the first status writes take no round trip through the Temporal server (a
// backup reaches RUNNING in one workflow task) and each leaves one marker in the history instead of
// three events. Their retries and time-outs are the same.
const k8sLocal = proxyLocalActivities<Activities>(k8sOptions);

/** From this patch on, a backup's or restore's Kubernetes activities are local ones (see `kube`). */
export const LOCAL_K8S_PATCH = 'kubernetes-local-activities';

/**
 * The Kubernetes activities of a backup or restore. Runs recorded before LOCAL_K8S_PATCH have ordinary
 * activity events and no marker, so they replay (and go on) with ordinary activities.
 */
export function kube(): typeof k8s {
  return patched(LOCAL_K8S_PATCH) ? k8sLocal : k8s;
}
// Submitting to Icarus: a few minutes of retries (a sidecar restarting), then the node counts as failed.
// Waits for completion when cancelled, so that an operation it started is known and cancelled too.
export const submit = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
  },
});

/**
 * Watching and cancelling Icarus operations: long activities that heartbeat, so that a dead worker's
 * watch moves to another worker after `heartbeatTimeoutMs`. One set per run (the time-out is the
 * operator's setting the run started with).
 */
export function watchActivities(heartbeatTimeoutMs: number): ReturnType<typeof proxyActivities<Activities>> {
  return proxyActivities<Activities>({
    startToCloseTimeout: '7 days',
    heartbeatTimeout: heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });
}

/** Asking Temporal to cancel the run itself (workflows/run/cancellation.ts): a short call, retried a little. */
export const ownRun = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
  },
});
