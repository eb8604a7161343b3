// What activities need from the process that runs them, handed in by the worker (and by tests).
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Config } from '../src/config.js';
import { IcarusClient } from '../src/icarus/client.js';
import type { IcarusError } from '../src/icarus/errors.js';
import type { StatusWriter } from '../src/kube/status-writer.js';
import type { Logger } from '../src/logger.js';
import type { OperatorMetrics } from '../src/metrics/operator-metrics.js';

export type ActivityConfig = Pick<
  Config,
  | 'POD_SELECTOR'
  | 'DC_LABEL'
  | 'RACK_LABEL'
  | 'ICARUS_PORT'
  | 'ICARUS_GENERATION'
  | 'CASSANDRA_DATA_DIRS'
  | 'CASSANDRA_DIRECTORY'
  | 'RESTORE_DOWNLOAD_DIR'
>;

export interface ActivityDeps {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  statusWriter: StatusWriter;
  config: ActivityConfig;
  logger: Logger;
  /** One Icarus client per node endpoint. */
  icarus: (baseUrl: string) => IcarusClient;
  metrics: OperatorMetrics;
}

/** Icarus clients cached by endpoint (each holds an HTTP agent). */
export function icarusClients(
  timeoutMs = 10_000,
  onError?: (error: IcarusError) => void,
): (baseUrl: string) => IcarusClient {
  const clients = new Map<string, IcarusClient>();
  return (baseUrl) => {
    let client = clients.get(baseUrl);
    if (!client) {
      client = new IcarusClient({ baseUrl, timeoutMs, ...(onError ? { onError } : {}) });
      clients.set(baseUrl, client);
    }
    return client;
  };
}
