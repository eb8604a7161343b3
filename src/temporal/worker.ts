// The Temporal worker: the workflow bundle from workflows/ and the activities bound to real clients.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { icarusClients } from '../../activities/deps.js';
import type { Config } from '../config.js';
import type { KubeClients } from '../kube/client.js';
import type { StatusWriter } from '../kube/status-writer.js';
import type { Logger } from '../logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { PinoSdkLogger } from './runtime.js';

/** dist/workflow-bundle.js when this file runs compiled from dist/src/temporal/ (the image). */
const prebuiltBundle = fileURLToPath(new URL('../../workflow-bundle.js', import.meta.url));

export async function createWorker(
  config: Config,
  connection: NativeConnection,
  kube: KubeClients,
  logger: Logger,
  metrics: OperatorMetrics,
  statusWriter: StatusWriter,
): Promise<{ worker: Worker }> {
  const log = logger.child({ component: 'worker' });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Cancellation reaches an activity with a heartbeat answer: a cancel or deletion takes effect within
    // about this long (the SDK's default would be 80 % of the heartbeat time-out).
    maxHeartbeatThrottleInterval: '5 seconds',
    // On SIGTERM, running activities get this long to finish; then they are cancelled and their retries
    // run on another worker (a watch re-attaches to the same Icarus operations, a submit adopts its own).
    shutdownGraceTime: `${config.SHUTDOWN_GRACE_SECONDS} seconds`,
    defaultHeartbeatThrottleInterval: '5 seconds',
    // Activities here wait on HTTP and timers: a watch per running resource, not CPU work (the SDK's
    // default of 100 would queue the 101st running backup's watch).
    maxConcurrentActivityTaskExecutions: config.MAX_CONCURRENT_ACTIVITIES,
    // The cache is what a worker's memory grows with (about 0.7 MB per workflow, docs/benchmarks.md);
    // evicted workflows replay their history on their next step, short here (no event per poll). Workflow
    // tasks hold a slot while their local activities run: more slots than the SDK's 40 start new runs
    // sooner.
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
    maxConcurrentWorkflowTaskExecutions: Math.max(2, Math.min(100, config.WORKFLOW_CACHE_SIZE)),
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
    // The image ships the bundle `npm run build:dist` made; from source, workflows/ is bundled here, its
    // webpack report at debug level.
    workflowBundle: existsSync(prebuiltBundle)
      ? { codePath: prebuiltBundle }
      : await bundleWorkflowCode({
          workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
          logger: new PinoSdkLogger(logger.child({ component: 'workflow-bundler' }), { infoAs: 'debug' }),
        }),
    activities: createActivities({
      core: kube.core,
      custom: kube.custom,
      statusWriter,
      config,
      logger: log,
      icarus: icarusClients(undefined, (err) =>
        metrics.icarusError(err.endpoint.replace(/^https?:\/\//, ''), err.failureType),
      ),
      metrics,
    }),
  });
  return { worker };
}
