// The operator's entry point: the watcher and the worker in one process by default (OPERATOR_RUN picks
// one of them, so workers can scale on their own). Configuration comes from the environment
// (src/config.ts), validated once; /healthz, /readyz and /metrics on HTTP_PORT; SIGTERM and SIGINT stop
// watching, drain the worker, then exit.
import { loadConfig, ConfigError } from './config.js';
import { kubeClients, loadKubeConfig } from './kube/client.js';
import { StatusWriter, statusApi } from './kube/status-writer.js';
import { startHttpServer } from './http/server.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics/operator-metrics.js';
import { startWatcher, type Watcher } from './operator/watcher.js';
import { connectClient, connectWorker } from './temporal/connection.js';
import { installTemporalRuntime } from './temporal/runtime.js';
import { createWorker } from './temporal/worker.js';
import type { Worker } from '@temporalio/worker';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
const logger = createLogger(config.LOG_LEVEL);
const metrics = new OperatorMetrics();
const kube = kubeClients(loadKubeConfig());
// The one writer of our resources' status, shared by the watcher (schedules) and the worker's activities.
const statusLog = logger.child({ component: 'status' });
const statusWriter = new StatusWriter(statusApi(kube.custom), {
  maxWritesPerSecond: config.STATUS_WRITES_PER_SECOND,
  onError: (ref, err) => statusLog.warn({ ...ref, err: String(err) }, 'Status write failed; retrying'),
  onWritten: (ref, result) => metrics.statusWritten(ref.kind, result),
});
logger.info(
  {
    run: config.OPERATOR_RUN,
    temporal: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  },
  'Starting the operator',
);

const sdkMetrics: { read?: () => Promise<string | undefined> } = {};
const http = await startHttpServer({
  port: config.HTTP_PORT,
  registry: metrics.registry,
  extraMetrics: () => sdkMetrics.read?.() ?? Promise.resolve(undefined),
  logger,
}).catch((err: unknown) => {
  logger.fatal({ err: String(err), port: config.HTTP_PORT }, 'Cannot serve /healthz, /readyz and /metrics');
  process.exit(1);
});

let watcher: Watcher | undefined;
let closeClient: (() => Promise<void>) | undefined;
let worker: Worker | undefined;
let workerDone: Promise<void> | undefined;
let stopping = false;
// Order: not ready any more, stop taking new work (watches), let the worker finish its tasks (running
// activities get SHUTDOWN_GRACE_SECONDS, then resume on another worker), then close connections.
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  http.stopping();
  logger.info({ signal }, 'Stopping');
  void (async () => {
    try {
      await watcher?.stop();
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await closeClient?.();
      await http.close();
    } catch (err) {
      logger.error({ err: String(err) }, 'Stop failed');
    }
    logger.info('Stopped');
    process.exit(0);
  })();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// Ready once every part this process runs has started (and, for the watcher, listed its resources).
if (config.OPERATOR_RUN !== 'worker')
  http.addCheck({ name: 'watcher', problems: () => watcher?.problems() ?? ['starting'] });
if (config.OPERATOR_RUN !== 'watcher')
  http.addCheck({
    name: 'worker',
    problems: () => {
      const state = worker?.getState();
      return state === 'RUNNING' ? [] : [state ? `worker is ${state}` : 'starting'];
    },
  });

try {
  if (config.OPERATOR_RUN !== 'worker') {
    const client = await connectClient(config);
    closeClient = () => client.connection.close();
    watcher = await startWatcher(config, kube, client, logger, metrics, statusWriter);
  }
  if (config.OPERATOR_RUN !== 'watcher') {
    sdkMetrics.read = await installTemporalRuntime(logger);
    const connection = await connectWorker(config);
    const created = (await createWorker(config, connection, kube, logger, metrics, statusWriter)).worker;
    worker = created;
    workerDone = created.run().then(
      () => logger.info('Worker stopped'),
      (err: unknown) => {
        logger.fatal({ err: String(err) }, 'Worker failed');
        process.exit(1);
      },
    );
    logger.info('Worker running');
  }
} catch (err) {
  // Temporal or the API server unreachable at start-up: say so and exit; Kubernetes restarts the pod.
  logger.fatal({ err: String(err), temporal: config.TEMPORAL_ADDRESS }, 'Start-up failed');
  process.exit(1);
}
