// What the Icarus 2.x tier's sidecar JVMs get (../icarus2-tier.ts): test-tier plumbing, nothing the
// operator sends. esop 2.x's Azure and GCS clients take no endpoint (esop-2.0.4 AzureModule.java:52 builds
// https://<account>.blob.core.windows.net from the account name; GCPModule.java:71 leaves Google's
// default host), so a hosts file (`-Djdk.net.hosts.file`) maps those two names to the servers on
// loopback, and only there, and a trust store holds their certificate.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { azureBlobHostName, GCS_HOST_NAME, renderHostsFile } from '../../../dev/stack/jvm-hosts.js';
import type { SelfSignedCert } from '../../../dev/stack/tls.js';

/** Writes the JVMs' hosts file (the machine's, plus Azurite's account and Google's host name); its path. */
export function writeJvmHostsFile(
  workDir: string,
  accountName: string,
  hosts: { azureHost: string; gcsHost: string },
): string {
  const { azureHost, gcsHost } = hosts;
  const hostsFile = join(workDir, 'jvm-hosts');
  writeFileSync(
    hostsFile,
    renderHostsFile(readFileSync('/etc/hosts', 'utf8'), [
      { address: azureHost, names: [azureBlobHostName(accountName)] },
      { address: gcsHost, names: [GCS_HOST_NAME] },
    ]),
  );
  return hostsFile;
}

/** The sidecars' JVM arguments: the hosts file and the trust store. */
export function sidecarJvmArgs(
  hostsFile: string,
  trustStore: NonNullable<SelfSignedCert['trustStore']>,
): string[] {
  return [
    `-Djdk.net.hosts.file=${hostsFile}`,
    `-Djavax.net.ssl.trustStore=${trustStore.file}`,
    `-Djavax.net.ssl.trustStoreType=${trustStore.type}`,
    // Guards a store of public certificates only (tls.ts): not a credential.
    `-Djavax.net.ssl.trustStorePassword=${trustStore.password}`,
    // A connection per request for the JDK's HttpURLConnection (Azure's and Google's clients;
    // not the AWS SDK's or the Kubernetes client's): with keep-alive, 5–10 % of concurrent
    // resumable-upload PUTs of esop 2.0.4's Google client to fake-gcs-server over TLS fail with
    // `SocketException: Socket closed` while reading the answer (reproduced outside the tier: 0
    // failures over plain HTTP, with one thread, or with this setting), and esop 2.0.4 retries
    // only AWS errors (UploadTracker.java:139-142), so the node's backup fails. docs/icarus.md.
    '-Dhttp.keepAlive=false',
  ];
}
