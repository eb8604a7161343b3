// Azurite for the real tier's sidecar: HTTPS on :443 of a loopback address of its own, under
// https://<account>.blob.core.windows.net, the only address esop 3.x's Azure client knows. Gives the
// sidecar's JVM options (a hosts file mapping that name, a trust store holding the certificate made at
// start: test-tier plumbing, nothing the operator sends) and environment (AZURE_STORAGE_ACCOUNT/KEY, as
// Icarus 3.x takes them), and the test a client of Azurite's own API to make and look at containers.
// Port 443 needs root or CAP_NET_BIND_SERVICE: `cannotServe443()` says why not, for a test's skip.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { SidecarJvmOptions } from '../../dev/real/icarus-node.js';
import { azureBlobHostName, renderHostsFile } from '../../dev/stack/jvm-hosts.js';
import { canListen, freeLoopbackAddress } from '../../dev/stack/loopback.js';
import { startAzurite, type AzuriteServer } from '../../dev/stack/storage-servers.js';
import { writeSelfSignedCert } from '../../dev/stack/tls.js';
import { loopbackLookup } from '../storage/support.js';
import { azureBlobClient, listBlobs } from './cloud-clients.js';

/** Why Azurite cannot be served where esop looks for it (port 443), or false when it can. */
export async function cannotServe443(): Promise<string | false> {
  const probe = await canListen('127.0.0.1', 443);
  return probe === true || probe.code === 'EADDRINUSE'
    ? false
    : `port 443 cannot be bound here (${probe.code}): esop's clients reach the storage servers only on :443, which needs root or CAP_NET_BIND_SERVICE`;
}

export interface AzureStore {
  azurite: AzuriteServer;
  /** Azurite's loopback address: where `<account>.blob.core.windows.net` must resolve. */
  host: string;
  /** The certificate Azurite serves (PEM), for a Node client's NODE_EXTRA_CA_CERTS. */
  certFile: string;
  /** Azurite's own API, as the account: containers made and listed here are what esop sees. */
  blobs: BlobServiceClient;
  /** What the sidecar's JVM needs to reach Azurite as Azure; `env` overrides its environment (a wrong key). */
  sidecar(env?: Record<string, string>): SidecarJvmOptions;
  /** Whether the container exists. */
  exists(container: string): Promise<boolean>;
  /** Every blob name in the container, sorted. */
  list(container: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startAzureStore(workDir: string): Promise<AzureStore> {
  const host = await freeLoopbackAddress(443);
  const cert = writeSelfSignedCert({
    dir: join(workDir, 'azure-tls'),
    names: ['*.blob.core.windows.net'],
    javaTrustStore: true,
  });
  const trustStore = cert.trustStore;
  if (!trustStore) throw new Error('no Java trust store was written');
  const azurite = await startAzurite({ workDir, host, port: 443, tls: cert });
  const hostsFile = join(workDir, 'azure-jvm-hosts');
  writeFileSync(
    hostsFile,
    renderHostsFile(readFileSync('/etc/hosts', 'utf8'), [
      { address: host, names: [azureBlobHostName(azurite.accountName)] },
    ]),
  );
  const agent = new Agent({
    ca: cert.certPem,
    lookup: loopbackLookup({ '.blob.core.windows.net': host }).lookup,
  });
  const blobs = azureBlobClient(azurite, agent);
  return {
    azurite,
    host,
    certFile: cert.certFile,
    blobs,
    sidecar: (env = {}) => ({
      jvmArgs: [
        `-Djdk.net.hosts.file=${hostsFile}`,
        `-Djavax.net.ssl.trustStore=${trustStore.file}`,
        `-Djavax.net.ssl.trustStoreType=${trustStore.type}`,
        // Guards a store of public certificates only (tls.ts): not a credential.
        `-Djavax.net.ssl.trustStorePassword=${trustStore.password}`,
      ],
      env: { AZURE_STORAGE_ACCOUNT: azurite.accountName, AZURE_STORAGE_KEY: azurite.accountKey, ...env },
    }),
    exists: (container) => blobs.getContainerClient(container).exists(),
    list: (container) => listBlobs(blobs, container),
    stop: async () => {
      agent.destroy();
      await azurite.stop();
    },
  };
}
