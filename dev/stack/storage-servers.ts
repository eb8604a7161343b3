// Real object-storage servers on loopback, one process each under the stack's watchdog (they never
// outlive their owner): MinIO and versitygw for the S3 API, Azurite for Azure Blob, fake-gcs-server for
// Google Cloud Storage. By default each listens with plain HTTP on 127.0.0.1 and a free port. The TLS
// mode (a certificate from tls.ts, a given loopback address, port 443) is what the real tier's JVM
// needs to reach them under the clouds' own host names (docs/storage-servers.md).
//
// Credentials are made per start (random; an S3 server may be given its root keys instead) and handed
// to the caller only: never put in an argument (ps shows those), a log line or an error message.
//
// One file a server under ./storage-servers/ (s3.ts: MinIO and versitygw, azurite.ts, fake-gcs.ts), how
// they start in launch.ts; what the tests and the real tier use is re-exported here.
export { randomToken, type StorageServer, type StorageServerOptions } from './storage-servers/launch.js';
export {
  newS3Credentials,
  startMinio,
  startVersityGw,
  type MinioServer,
  type S3Credentials,
  type S3Server,
  type S3ServerOptions,
  type VersityGwServer,
} from './storage-servers/s3.js';
export { startAzurite, type AzuriteServer } from './storage-servers/azurite.js';
export { startFakeGcs, type FakeGcsServer } from './storage-servers/fake-gcs.js';
