import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** The stack started by scripts/test.ts, as its environment describes it. */
function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the local stack`);
  return value;
}

/** A Temporal client of the stack's dev server, and how to close its connection. */
export interface TemporalClient {
  client: Client;
  close: () => Promise<void>;
}

export const temporalAddress = () => required('TEMPORAL_ADDRESS');
export const temporalNamespace = () => process.env.TEMPORAL_NAMESPACE ?? 'default';

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(required('KUBECONFIG'));
  return kc;
}

/** A name no other test (or earlier run against the same cluster) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function temporalClient(): Promise<TemporalClient> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection, namespace: temporalNamespace() }),
    close: () => connection.close(),
  };
}

export function workerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}

/** Creates a namespace for one test file and returns its name. */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}
