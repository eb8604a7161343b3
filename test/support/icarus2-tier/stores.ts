// The Icarus 2.x tier's stores (../icarus2-tier.ts): one bucket per provider, made beforehand through
// each server's own API as a platform team makes it (each node checks its bucket: createMissingBucket
// stays false), and the Secrets in the API's format, the sidecars' only way to the credentials; the
// clients that list what the nodes wrote.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { BlobServiceClient } from '@azure/storage-blob';
import { GCS_HOST_NAME } from '../../../dev/stack/jvm-hosts.js';
import { randomToken, type AzuriteServer, type MinioServer } from '../../../dev/stack/storage-servers.js';
import type { SelfSignedCert } from '../../../dev/stack/tls.js';
import { loopbackLookup } from '../../storage/support.js';
import { azureBlobClient, createGcsBucket } from '../cloud-clients.js';
import type { GcsTokenStub } from '../gcs-token-stub.js';

export type Provider = 's3' | 'azure' | 'gcp';
export const PROVIDERS: readonly Provider[] = ['s3', 'azure', 'gcp'];
const GCP_PROJECT = 'cbo-icarus2-project';

/** Where a provider's backups go: its bucket (made beforehand), the location, the Secret. */
export interface Store {
  bucket: string;
  location: string;
  secretName: string;
}

/** The stores made, with the clients that read them and every credential value handed out. */
export interface TierStores {
  stores: Record<Provider, Store>;
  /** MinIO's own S3 API (path-style, plain HTTP). */
  s3: S3Client;
  blobs: BlobServiceClient;
  gcsAgent: Agent;
  /** Every credential value handed out (keys, the lines of the GCP private key). */
  credentials: string[];
  /** Makes a Secret in the tier's namespace. */
  secret: (name: string, stringData: Record<string, string>) => Promise<void>;
}

/**
 * Makes the buckets and the Secrets. `stoppers` gets what is to be closed at the end (the S3 client,
 * the HTTPS agents).
 */
export async function makeStores(
  servers: { minio: MinioServer; azurite: AzuriteServer; tokens: GcsTokenStub },
  net: { cert: SelfSignedCert; azureHost: string; gcsHost: string },
  kc: KubeConfig,
  namespace: string,
  workDir: string,
  stoppers: (() => Promise<unknown> | void)[],
): Promise<TierStores> {
  const { minio, azurite, tokens } = servers;
  const { cert, azureHost, gcsHost } = net;
  const stores: Record<Provider, Store> = {
    s3: store('s3', `cbo-icarus2-s3-${randomToken(10)}`),
    azure: store('azure', `cbo-icarus2-azure-${randomToken(10)}`),
    gcp: store('gcp', `cbo-icarus2-gcs-${randomToken(10)}`),
  };
  const s3 = new S3Client({
    region: minio.region,
    credentials: minio.credentials,
    endpoint: minio.endpoint,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  stoppers.push(() => s3.destroy());
  const agent = (map: Record<string, string>) => {
    const a = new Agent({ ca: cert.certPem, lookup: loopbackLookup(map).lookup });
    stoppers.push(() => a.destroy());
    return a;
  };
  const blobs: BlobServiceClient = azureBlobClient(azurite, agent({ '.blob.core.windows.net': azureHost }));
  const gcsAgent = agent({ [GCS_HOST_NAME]: gcsHost });
  await s3.send(new CreateBucketCommand({ Bucket: stores.s3.bucket }));
  await blobs.getContainerClient(stores.azure.bucket).create();
  await createGcsBucket(stores.gcp.bucket, GCP_PROJECT, gcsAgent);

  // The Secrets, in the API's format, and nothing else: the only way to the credentials.
  const core = kc.makeApiClient(CoreV1Api);
  const secret = async (name: string, stringData: Record<string, string>) => {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  };
  const serviceAccountFile = join(workDir, 'gcp-service-account.json');
  tokens.writeServiceAccount(serviceAccountFile, GCP_PROJECT);
  const serviceAccount = readFileSync(serviceAccountFile, 'utf8');
  const privateKey = (JSON.parse(serviceAccount) as { private_key: string }).private_key;
  const credentials = [
    minio.credentials.secretAccessKey,
    azurite.accountKey,
    // The key's base64 lines (a whole PEM would never match a JSON-escaped copy of it).
    ...privateKey.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----')),
  ];
  await secret(stores.s3.secretName, {
    awsaccesskeyid: minio.credentials.accessKeyId,
    awssecretaccesskey: minio.credentials.secretAccessKey,
    awsregion: minio.region,
    awsendpoint: minio.endpoint,
  });
  await secret(stores.azure.secretName, {
    azurestorageaccount: azurite.accountName,
    azurestoragekey: azurite.accountKey,
  });
  await secret(stores.gcp.secretName, { gcp: serviceAccount });
  return { stores, s3, blobs, gcsAgent, credentials, secret };
}

function store(provider: Provider, bucket: string): Store {
  return { bucket, location: `${provider}://${bucket}`, secretName: `${provider}-credentials` };
}
