// The operator's entry point: the watcher and the worker in one process by default (OPERATOR_RUN picks
// one of them, so workers can scale on their own). Configuration comes from the environment
// (src/config.ts), validated once; SIGTERM and SIGINT stop watching, drain the worker, then exit.
import { loadConfig, ConfigError } from './config.js';
import { kubeClients, loadKubeConfig } from './kube/client.js';
import { createLogger } from './logger.js';
import { startWatcher, type Watcher } from './operator/watcher.js';
import { connectClient, connectWorker } from './temporal/connection.js';
import { createWorker } from './temporal/worker.js';

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
const kube = kubeClients(loadKubeConfig());
logger.info(
  {
    run: config.OPERATOR_RUN,
    temporal: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  },
  'Starting the operator',
);

let watcher: Watcher | undefined;
let closeClient: (() => Promise<void>) | undefined;
let worker: Awaited<ReturnType<typeof createWorker>>['worker'] | undefined;
let workerDone: Promise<void> | undefined;
let stopping = false;
// Order: stop taking new work (watches), let the worker finish its tasks, then close connections.
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'Stopping');
  void (async () => {
    try {
      await watcher?.stop();
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await closeClient?.();
    } catch (err) {
      logger.error({ err: String(err) }, 'Stop failed');
    }
    process.exit(0);
  })();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

if (config.OPERATOR_RUN !== 'worker') {
  const client = await connectClient(config);
  closeClient = () => client.connection.close();
  watcher = await startWatcher(config, kube, client, logger);
}
if (config.OPERATOR_RUN !== 'watcher') {
  const connection = await connectWorker(config);
  worker = (await createWorker(config, connection, kube, logger)).worker;
  workerDone = worker.run().then(
    () => logger.info('Worker stopped'),
    (err: unknown) => {
      logger.fatal({ err: String(err) }, 'Worker failed');
      process.exit(1);
    },
  );
  logger.info('Worker running');
}
