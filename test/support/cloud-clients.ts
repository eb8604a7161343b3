// The real tier's look at what esop wrote, through each storage server's own API: S3 (ListObjectsV2),
// Azure Blob (Azurite with the account's shared key) and GCS (fake-gcs-server's JSON API). The Azure and
// GCS servers answer under the clouds' own host names over TLS: the caller gives an https.Agent that
// maps those names to loopback and trusts the test certificate.
import type { Agent } from 'node:https';
import { request } from 'node:https';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential } from '@azure/storage-blob';
import { azureBlobHostName, GCS_HOST_NAME } from '../../dev/stack/jvm-hosts.js';

/** Every object name in an S3 bucket, sorted, page after page. */
export async function listS3Objects(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => String(o.Key)));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** Azurite's blob service as the account, at https://<account>.blob.core.windows.net through `agent`. */
export function azureBlobClient(
  account: { accountName: string; accountKey: string },
  agent: Agent,
): BlobServiceClient {
  const pipeline = newPipeline(new StorageSharedKeyCredential(account.accountName, account.accountKey));
  pipeline.factories.push({
    create: (next) => ({
      sendRequest: (req) => {
        req.agent = agent;
        return next.sendRequest(req);
      },
    }),
  });
  return new BlobServiceClient(`https://${azureBlobHostName(account.accountName)}`, pipeline);
}

/** Every blob name in a container, sorted. */
export async function listBlobs(blobs: BlobServiceClient, container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of blobs.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

/** A bucket made through fake-gcs-server's JSON API at https://storage.googleapis.com. */
export async function createGcsBucket(bucket: string, project: string, agent: Agent): Promise<void> {
  const made = await httpsJson('POST', `https://${GCS_HOST_NAME}/storage/v1/b?project=${project}`, agent, {
    name: bucket,
  });
  if (made.status !== 200) throw new Error(`creating GCS bucket ${bucket}: ${made.status} ${made.body}`);
}

/** Every object name in a GCS bucket, sorted, through the JSON API, page after page. */
export async function listGcsObjects(bucket: string, agent: Agent): Promise<string[]> {
  const keys: string[] = [];
  let token = '';
  do {
    const page = await httpsJson(
      'GET',
      `https://${GCS_HOST_NAME}/storage/v1/b/${bucket}/o${token ? `?pageToken=${encodeURIComponent(token)}` : ''}`,
      agent,
    );
    if (page.status !== 200) throw new Error(`listing GCS bucket ${bucket}: ${page.status} ${page.body}`);
    const json = JSON.parse(page.body) as { items?: { name: string }[]; nextPageToken?: string };
    keys.push(...(json.items ?? []).map((o) => o.name));
    token = json.nextPageToken ?? '';
  } while (token);
  return keys.sort();
}

export function httpsJson(
  method: string,
  url: string,
  agent: Agent,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, timeout: 30_000, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
