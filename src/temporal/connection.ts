// Connections to Temporal from the configuration: plain, TLS (server CA, mutual TLS with a client
// certificate), or Temporal Cloud with an API key read from a file (never logged, never part of any
// workflow input).
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

type TlsOptions = {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
};

/** Address, TLS and API key from the configuration; files are read here, their contents never logged. */
export function connectionOptions(config: Config): {
  address: string;
  tls?: boolean | TlsOptions;
  apiKey?: string;
} {
  const apiKey = config.TEMPORAL_API_KEY_FILE
    ? readFileSync(config.TEMPORAL_API_KEY_FILE, 'utf8').trim()
    : undefined;
  const tls: TlsOptions = {
    ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(config.TEMPORAL_TLS_CA_FILE
      ? { serverRootCACertificate: readFileSync(config.TEMPORAL_TLS_CA_FILE) }
      : {}),
    ...(config.TEMPORAL_TLS_CERT_FILE && config.TEMPORAL_TLS_KEY_FILE
      ? {
          clientCertPair: {
            crt: readFileSync(config.TEMPORAL_TLS_CERT_FILE),
            key: readFileSync(config.TEMPORAL_TLS_KEY_FILE),
          },
        }
      : {}),
  };
  // An API key (Temporal Cloud) or any TLS setting implies TLS.
  const useTls = config.TEMPORAL_TLS || Boolean(apiKey) || Object.keys(tls).length > 0;
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(useTls ? { tls: Object.keys(tls).length > 0 ? tls : true } : {}),
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
