// fake-gcs-server, the stack's Google Cloud Storage server, which takes any credentials or none.
import { resolveStorageTool } from '../storage-tools.js';
import { launch, listen, type StorageServer, type StorageServerOptions } from './launch.js';

export interface FakeGcsServer extends StorageServer {
  /** fake-gcs-server accepts any credentials, or none: there is nothing to hand out. */
  readonly credentials: null;
}

/**
 * fake-gcs-server (filesystem backend) serving the GCS JSON and XML APIs. `publicHost` is the host name
 * it takes for host-style requests (`storage.googleapis.com` by default) and `externalUrl` the URL it puts
 * in upload `Location` headers (its own endpoint by default).
 */
export async function startFakeGcs(
  opts: StorageServerOptions & { publicHost?: string; externalUrl?: string },
): Promise<FakeGcsServer> {
  const tool = await resolveStorageTool('fake-gcs-server');
  const l = await listen('fake-gcs-server', opts);
  const args = [
    '-scheme',
    l.scheme,
    '-host',
    l.host,
    '-port',
    String(l.port),
    '-backend',
    'filesystem',
    '-filesystem-root',
    l.dataDir,
    '-external-url',
    opts.externalUrl ?? l.endpoint,
    '-public-host',
    opts.publicHost ?? 'storage.googleapis.com',
    '-log-level',
    'warn',
    ...(opts.tls ? ['-cert-location', opts.tls.certFile, '-private-key-location', opts.tls.keyFile] : []),
  ];
  return {
    ...(await launch(tool, l, opts, {
      args,
      env: process.env,
      // A real request: listing the buckets through the JSON API.
      probePath: '/storage/v1/b',
      ready: (res) => res.statusCode === 200,
    })),
    credentials: null,
  };
}
