// Connections to Temporal from the configuration: plain, TLS, or Temporal Cloud with an API key read
// from a file (never logged, never part of any workflow input).
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

function connectionOptions(config: Config): { address: string; tls?: boolean; apiKey?: string } {
  const apiKey = config.TEMPORAL_API_KEY_FILE
    ? readFileSync(config.TEMPORAL_API_KEY_FILE, 'utf8').trim()
    : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    // An API key implies TLS (Temporal Cloud).
    ...(config.TEMPORAL_TLS || apiKey ? { tls: true } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

/** Link to a workflow in the Temporal Web UI, when its base URL is configured. */
export function workflowUrl(config: Config, workflowId: string): string | undefined {
  return webUiUrl(config, 'workflows', workflowId);
}

/** Link to a schedule in the Temporal Web UI, when its base URL is configured. */
export function scheduleUrl(config: Config, scheduleId: string): string | undefined {
  return webUiUrl(config, 'schedules', scheduleId);
}

function webUiUrl(config: Config, what: 'workflows' | 'schedules', id: string): string | undefined {
  if (!config.TEMPORAL_UI_URL) return undefined;
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/${what}/${encodeURIComponent(id)}`;
}
