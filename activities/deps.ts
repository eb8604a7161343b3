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

/**
 * Icarus clients cached by endpoint, at most `max` of them: the least recently used goes first. A client
 * holds no connection of its own (requests share Node's keep-alive agent), so one dropped costs only
 * its re-creation; kept for ever, every Pod address the operator once talked to stayed (about 5 KB each).
 */
export function icarusClients(
  timeoutMs = 10_000,
  onError?: (error: IcarusError) => void,
  max = 1024,
): (baseUrl: string) => IcarusClient {
  const clients = new Map<string, IcarusClient>();
  return (baseUrl) => {
    let client = clients.get(baseUrl);
    if (client) clients.delete(baseUrl);
    else client = new IcarusClient({ baseUrl, timeoutMs, ...(onError ? { onError } : {}) });
    // A Map iterates in insertion order: re-inserted, this endpoint is now the most recent.
    clients.set(baseUrl, client);
    if (clients.size > max) clients.delete(clients.keys().next().value as string);
    return client;
  };
}
