// The stores of the cloud-storage real tier (./cloud-tier.ts): real object-storage servers under the
// clouds' own host names on loopback :443, one certificate for all of them, each with a bucket made
// beforehand through its own API (the way a platform team makes them: the backups' specs leave
// createMissingBucket false, each node checks its bucket and makes none), and the clients that list
// what the nodes wrote.
//
//   S3          versitygw v1.8.0  at https://<bucket>.s3.amazonaws.com, and a second gateway on the
//                                 same files for the regional name the operator's own reader asks for
//               MinIO             one bucket of its own (same keys, its own loopback address)
//   Azure Blob  Azurite 3.35.0    at https://<account>.blob.core.windows.net
//   GCS         fake-gcs-server   at https://storage.googleapis.com, and the OAuth token stub
//                                 (test/support/gcs-token-stub.ts) at the service account's token_uri
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { BlobServiceClient } from '@azure/storage-blob';
import { GCS_HOST_NAME, s3DomainName } from '../../../dev/stack/jvm-hosts.js';
import { freeLoopbackAddress } from '../../../dev/stack/loopback.js';
import {
  newS3Credentials,
  randomToken,
  startAzurite,
  startFakeGcs,
  startMinio,
  startVersityGw,
  type AzuriteServer,
  type FakeGcsServer,
  type MinioServer,
  type S3Credentials,
  type S3Server,
  type VersityGwServer,
} from '../../../dev/stack/storage-servers.js';
import { writeSelfSignedCert, type SelfSignedCert } from '../../../dev/stack/tls.js';
import { loopbackLookup } from '../../storage/support.js';
import {
  azureBlobClient,
  createGcsBucket,
  listBlobs,
  listGcsObjects,
  listS3Objects,
} from '../cloud-clients.js';
import { startGcsTokenStub, type GcsTokenStub } from '../gcs-token-stub.js';

const GCP_PROJECT = 'cbo-test-project';

export type Provider = 's3' | 'azure' | 'gcp';

/** The servers' loopback addresses, each on :443. */
export interface CloudHosts {
  s3Host: string;
  s3RegionalHost: string;
  minioHost: string;
  azureHost: string;
  gcsHost: string;
}

/** Started by start(), stopped by stop() whatever start() got to. */
export class CloudStores {
  hosts!: CloudHosts;
  cert!: SelfSignedCert;
  /** One set of keys for both S3 servers: the sidecar has one AWS_ACCESS_KEY_ID for every bucket. */
  s3Keys!: S3Credentials;
  vgw!: VersityGwServer;
  /** A second versitygw gateway on the same files, for the operator's own reader. */
  private vgwRegional!: VersityGwServer;
  private minio!: MinioServer;
  azurite!: AzuriteServer;
  private gcs!: FakeGcsServer;
  tokens!: GcsTokenStub;
  /** The GCP service account's JSON file (its key signs the JWT the token stub exchanges). */
  serviceAccount!: string;
  /** Its content, as the gcp key of a Secret holds it. */
  serviceAccountJson!: string;
  private readonly agents: Agent[] = [];
  /** Every storage credential handed out, to look for in the operator's log. */
  readonly secrets: string[] = [];
  readonly bucket: Record<Provider | 's3Minio', string> = {
    s3: `cbo-s3-${randomToken(10)}`,
    s3Minio: `cbo-s3minio-${randomToken(10)}`,
    azure: `cbo-azure-${randomToken(10)}`,
    gcp: `cbo-gcs-${randomToken(10)}`,
  };
  /** versitygw's own S3 API (the round trip's bucket). */
  private s3!: S3Client;
  /** MinIO's (the bucket that pins its refusal). */
  private minioS3!: S3Client;
  private blobs!: BlobServiceClient;
  private gcsAgent!: Agent;

  /** Where esop's Java SDK looks for S3 in us-east-1 (<bucket>.s3.amazonaws.com). */
  readonly s3Domain = s3DomainName('us-east-1');
  /** Where the operator's own reader does (<bucket>.s3.us-east-1.amazonaws.com). */
  readonly s3RegionalDomain = 's3.us-east-1.amazonaws.com';

  constructor(private readonly workDir: string) {}

  async start(): Promise<void> {
    const { workDir, bucket, s3Domain, s3RegionalDomain } = this;
    const [s3Host, s3RegionalHost, minioHost, azureHost, gcsHost] = [
      await freeLoopbackAddress(443),
      await freeLoopbackAddress(443),
      await freeLoopbackAddress(443),
      await freeLoopbackAddress(443),
      await freeLoopbackAddress(443),
    ];
    this.hosts = { s3Host, s3RegionalHost, minioHost, azureHost, gcsHost };
    // esop's Java SDK asks for <bucket>.s3.amazonaws.com in us-east-1 (the tests' JS SDK is given the
    // same names below); the operator's own reader (AWS SDK for JS v3, no endpoint) asks for
    // <bucket>.s3.us-east-1.amazonaws.com. Amazon S3 answers both.
    const cert = (this.cert = writeSelfSignedCert({
      dir: join(workDir, 'tls'),
      names: [
        s3Domain,
        `*.${s3Domain}`,
        s3RegionalDomain,
        `*.${s3RegionalDomain}`,
        '*.blob.core.windows.net',
        GCS_HOST_NAME,
      ],
      javaTrustStore: true,
    }));
    // One set of keys for both S3 servers: the sidecar has one AWS_ACCESS_KEY_ID for every bucket.
    const s3Keys = (this.s3Keys = newS3Credentials());
    const vgw = (this.vgw = await startVersityGw({
      workDir,
      host: s3Host,
      port: 443,
      tls: cert,
      virtualDomain: s3Domain,
      credentials: s3Keys,
    }));
    // A versitygw gateway takes one virtual domain: a second one, on the first one's files and with the
    // same keys, serves the regional name (versitygw gateways share a file system by design).
    this.vgwRegional = await startVersityGw({
      workDir,
      host: s3RegionalHost,
      port: 443,
      tls: cert,
      virtualDomain: s3RegionalDomain,
      credentials: s3Keys,
      dataDir: vgw.dataDir,
      folder: 'versitygw-regional',
    });
    const minio = (this.minio = await startMinio({
      workDir,
      host: minioHost,
      port: 443,
      tls: cert,
      domains: [s3Domain],
      credentials: s3Keys,
    }));
    const azurite = (this.azurite = await startAzurite({ workDir, host: azureHost, port: 443, tls: cert }));
    this.gcs = await startFakeGcs({
      workDir,
      host: gcsHost,
      port: 443,
      tls: cert,
      externalUrl: `https://${GCS_HOST_NAME}`,
    });
    const tokens = (this.tokens = await startGcsTokenStub());
    this.serviceAccount = join(workDir, 'gcp-service-account.json');
    tokens.writeServiceAccount(this.serviceAccount, GCP_PROJECT);
    this.serviceAccountJson = readFileSync(this.serviceAccount, 'utf8');
    this.secrets.push(s3Keys.secretAccessKey, azurite.accountKey);

    // The buckets, made through each server's own API, the way a platform team makes them beforehand
    // (the backups' specs leave createMissingBucket false: each node checks its bucket and makes none).
    const agent = (map: Record<string, string>) => {
      const a = new Agent({ ca: cert.certPem, lookup: loopbackLookup(map).lookup });
      this.agents.push(a);
      return a;
    };
    const s3Client = (server: S3Server, address: string) =>
      new S3Client({
        region: server.region,
        endpoint: `https://${s3Domain}`,
        forcePathStyle: false,
        credentials: server.credentials,
        maxAttempts: 1,
        requestHandler: { httpsAgent: agent({ [s3Domain]: address, [`.${s3Domain}`]: address }) },
      });
    this.s3 = s3Client(vgw, s3Host);
    this.minioS3 = s3Client(minio, minioHost);
    await this.s3.send(new CreateBucketCommand({ Bucket: bucket.s3 }));
    await this.minioS3.send(new CreateBucketCommand({ Bucket: bucket.s3Minio }));
    this.blobs = azureBlobClient(azurite, agent({ '.blob.core.windows.net': azureHost }));
    await this.blobs.getContainerClient(bucket.azure).create();
    this.gcsAgent = agent({ [GCS_HOST_NAME]: gcsHost });
    await createGcsBucket(bucket.gcp, GCP_PROJECT, this.gcsAgent);
  }

  /**
   * Every object name in the bucket, through the storage server's own API (for S3: versitygw's, or
   * MinIO's for its bucket).
   */
  list = async (provider: Provider, s3Bucket = this.bucket.s3): Promise<string[]> => {
    if (provider === 's3')
      return listS3Objects(s3Bucket === this.bucket.s3Minio ? this.minioS3 : this.s3, s3Bucket);
    if (provider === 'azure') return listBlobs(this.blobs, this.bucket.azure);
    return listGcsObjects(this.bucket.gcp, this.gcsAgent);
  };

  /** Closes the clients and stops the servers, whatever start() got to. */
  async stop(): Promise<void> {
    this.s3?.destroy();
    this.minioS3?.destroy();
    for (const a of this.agents) a.destroy();
    await Promise.all([
      this.vgw?.stop(),
      this.vgwRegional?.stop(),
      this.minio?.stop(),
      this.azurite?.stop(),
      this.gcs?.stop(),
      this.tokens?.stop(),
    ]);
  }
}
