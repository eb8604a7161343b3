// S3 and the S3-compatible stores (minio://, oracle://, ceph://) through the AWS SDK. The endpoint is the
// Secret's `awsendpoint` when set (as Icarus 2.x uses it), else AWS's for the region; credentials are
// the Secret's keys when set, else the SDK's default chain of the operator's own Pod (IRSA, instance
// role), as Icarus 3.x uses the sidecar's.
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { isIP } from 'node:net';
import type { SecretCredentials } from './credentials.js';
import { STORE_REQUEST_TIMEOUT_MS, StorageReadError, folderName, type ObjectStore } from './object-store.js';

export interface S3StoreOptions {
  protocol: 's3' | 'minio' | 'oracle' | 'ceph';
  bucket: string;
  credentials: SecretCredentials;
  /** spec.insecure: an endpoint without a scheme is plain HTTP. */
  insecure: boolean;
}

function endpointOf(raw: string, insecure: boolean): string {
  return /^[a-z]+:\/\//i.test(raw) ? raw : `${insecure ? 'http' : 'https'}://${raw}`;
}

export function s3Store(opts: S3StoreOptions): ObjectStore {
  const { credentials: c } = opts;
  const endpoint = c.awsendpoint ? endpointOf(c.awsendpoint, opts.insecure) : undefined;
  // esop 2.x: path-style for minio/oracle (always) and for an endpoint that is an IP address.
  const pathStyle =
    opts.protocol !== 's3' || (endpoint !== undefined && isIP(new URL(endpoint).hostname) !== 0);
  const client = new S3Client({
    region: c.awsregion ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyle,
    ...(c.awsaccesskeyid && c.awssecretaccesskey
      ? { credentials: { accessKeyId: c.awsaccesskeyid, secretAccessKey: c.awssecretaccesskey } }
      : {}),
    maxAttempts: 3,
    requestHandler: { requestTimeout: STORE_REQUEST_TIMEOUT_MS, connectionTimeout: STORE_REQUEST_TIMEOUT_MS },
  });
  const where = `${opts.protocol}://${opts.bucket}`;
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: opts.bucket, Prefix: prefix, ContinuationToken: token }),
          );
          keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        throw failure(err, `listing ${where}/${prefix}`);
      }
      return keys;
    },
    async folders(prefix) {
      const names: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: opts.bucket,
              Prefix: prefix,
              Delimiter: '/',
              ContinuationToken: token,
            }),
          );
          for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.push(folderName(prefix, p.Prefix));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        throw failure(err, `listing ${where}/${prefix}`);
      }
      return names;
    },
    async read(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }));
        return (await out.Body?.transformToString('utf8')) ?? '';
      } catch (err) {
        throw failure(err, `reading ${where}/${key}`);
      }
    },
    close: () => client.destroy(),
  };
}

function failure(err: unknown, what: string): StorageReadError {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    return new StorageReadError(
      `${what}: ${err.name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`,
      status === 401 || status === 403 ? 'denied' : err.name === 'NoSuchBucket' ? 'no-bucket' : undefined,
    );
  }
  return new StorageReadError(`${what}: ${(err as Error).message}`);
}
