// Builds the per-node Icarus requests from a resource's spec, each typed as its operation's body
// (src/contract/icarus-requests.ts). The result is what Icarus's own global coordinator sends each node
// (globalRequest false, a node-specific storageLocation, one resolved tag and schemaVersion shared by
// all nodes), so the remote layout equals a global Icarus backup's and either side can restore the
// other's backups. No request ever holds a credential: Icarus 2.x gets the Secret's name and namespace
// and reads it itself; Icarus 3.x uses the sidecar's environment.
import type { CassandraBackupSpec, CassandraRestoreSpec, Retry } from '../kube/api/resources.js';
import { RequestConfigError, nodeStorageLocation, type NodeRef } from './storage-location.js';
import type {
  BackupRequest,
  BackupRequestTemplate,
  IcarusDuration,
  IcarusRetry,
  RemoveBackupRequest,
  RestorePhase,
  RestoreRequest,
  RestoreRequestTemplate,
  SecretReference,
} from '../contract/icarus-requests.js';

// The body types (src/contract/icarus-requests.ts): a caller imports a builder and its type from here.
export type * from '../contract/icarus-requests.js';

/** Which Icarus generation a sidecar runs: credentials travel differently. */
export type IcarusGeneration = 2 | 3;

// The node's storage location (./storage-location.ts): the builders' callers and tests name it from here.
export { RequestConfigError, clusterId, nodeStorageLocation, type NodeRef } from './storage-location.js';

/** `<tag>-<schemaVersion>-<epochMillis>`: the tag of every node's files and of the topology file. */
export function resolveSnapshotTag(tag: string, schemaVersion: string, epochMillis: number): string {
  return `${tag}-${schemaVersion}-${epochMillis}`;
}

const TIME_UNITS: Record<string, { unit: IcarusDuration['unit']; divisor: number }> = {
  days: { unit: 'DAYS', divisor: 1 },
  hours: { unit: 'HOURS', divisor: 1 },
  minutes: { unit: 'MINUTES', divisor: 1 },
  seconds: { unit: 'SECONDS', divisor: 1 },
  milliseconds: { unit: 'SECONDS', divisor: 1e3 },
  microseconds: { unit: 'SECONDS', divisor: 1e6 },
  nanoseconds: { unit: 'SECONDS', divisor: 1e9 },
};

/**
 * The spec's `"<amount> <unit>"` as Icarus's `{value, unit}`. The IBM operator sent the string, which
 * Icarus cannot read. Sub-second units become whole seconds, rounded up.
 */
export function toIcarusDuration(duration: string): IcarusDuration {
  const m = /^\s*(\d+)\s+(\w+)\s*$/.exec(duration);
  const unit = TIME_UNITS[m?.[2]?.toLowerCase() ?? ''];
  if (!m?.[1] || !unit) throw new RequestConfigError(`duration "${duration}" is not "<amount> <unit>"`);
  return { value: Math.max(1, Math.ceil(Number(m[1]) / unit.divisor)), unit: unit.unit };
}

export type Credentials = { generation: 2; namespace: string; secretName: string } | { generation: 3 };

function credentialFields(credentials: Credentials): SecretReference {
  return credentials.generation === 2
    ? { k8sNamespace: credentials.namespace, k8sSecretName: credentials.secretName }
    : {};
}

function retryFields(retry: Retry | undefined): { retry?: IcarusRetry } {
  return retry
    ? {
        retry: {
          enabled: retry.enabled,
          interval: retry.interval,
          strategy: retry.strategy,
          maxAttempts: retry.maxAttempts,
        },
      }
    : {};
}

/** What a backup's request is built from, whichever node it goes to. */
export interface BackupTemplateInput {
  spec: CassandraBackupSpec;
  /** Shared by every node of this backup: see resolveSnapshotTag. */
  resolvedTag: string;
  schemaVersion: string;
  dataDirs: string[];
  credentials: Credentials;
}

export interface BackupRequestInput extends BackupTemplateInput {
  node: NodeRef;
  /**
   * Make this node also write the cluster topology file (`topology/<tag>.json` at the bucket root).
   * Icarus's coordinator writes it once, after every node succeeded: the workflow asks one node for it
   * at that point, with the same tag (the node's data files are content-addressed: nothing is sent twice).
   */
  uploadClusterTopology?: boolean;
}

/** One node's backup request: the template made that node's (backupForNode). */
export function backupRequest(input: BackupRequestInput): BackupRequest {
  return backupForNode(backupTemplate(input), input.node, input.uploadClusterTopology ?? false);
}

/** Everything of a backup's request that is the same on every node: built once per plan. */
export function backupTemplate(input: BackupTemplateInput): BackupRequestTemplate {
  const { spec } = input;
  return {
    type: 'backup',
    globalRequest: false,
    storageLocation: spec.storageLocation,
    snapshotTag: input.resolvedTag,
    schemaVersion: input.schemaVersion,
    // Every node checks the bucket (and creates it when asked to) before its snapshot: the nodes start
    // together, and esop tolerates a bucket another node has just created. Icarus's own coordinator
    // checks once and sends true; the operator has no check of its own.
    skipBucketVerification: spec.skipBucketVerification ?? false,
    dataDirs: input.dataDirs,
    entities: spec.entities ?? '',
    concurrentConnections: spec.concurrentConnections,
    timeout: spec.timeout,
    metadataDirective: spec.metadataDirective,
    insecure: spec.insecure ?? false,
    createMissingBucket: spec.createMissingBucket ?? false,
    skipRefreshing: spec.skipRefreshing ?? false,
    ...(spec.dc ? { dc: spec.dc } : {}),
    ...(spec.duration ? { duration: toIcarusDuration(spec.duration) } : {}),
    ...(spec.bandwidth ? { bandwidth: { value: spec.bandwidth.value, unit: spec.bandwidth.unit } } : {}),
    ...retryFields(spec.retry),
    ...credentialFields(input.credentials),
  };
}

/** A backup's template as one node's request: its own folder, and whether it uploads the topology. */
export function backupForNode(
  template: BackupRequestTemplate,
  node: NodeRef,
  uploadClusterTopology: boolean,
): BackupRequest {
  const {
    type,
    globalRequest,
    storageLocation,
    snapshotTag,
    schemaVersion,
    skipBucketVerification,
    ...rest
  } = template;
  return {
    type,
    globalRequest,
    storageLocation: nodeStorageLocation(storageLocation, node),
    snapshotTag,
    schemaVersion,
    skipBucketVerification,
    uploadClusterTopology,
    ...rest,
    // The topology step sends the node's backup again right after it finished: its files were just
    // uploaded or freshened. Freshening them again is an in-place copy of every file, which esop 2.x
    // sends with the spec's metadataDirective and S3-compatible stores such as MinIO refuse for COPY.
    skipRefreshing: uploadClusterTopology || rest.skipRefreshing,
  };
}

/** What a restore's request is built from, whichever phase and node it goes to. */
export interface RestoreTemplateInput {
  spec: CassandraRestoreSpec;
  /** Where the backup is and which one: resolved from the spec or from its CassandraBackup. */
  source: { storageLocation: string; snapshotTag: string };
  dataDirs: string[];
  cassandraDirectory: string;
  /** Where DOWNLOAD puts the SSTables: outside the data directories. */
  downloadDir: string;
  credentials: Credentials;
}

/** The tables a restore's phases name, once the workflow knows the backup's own (restore-tables.ts). */
export interface RestoreTables {
  /** What to send as entities instead of the spec's: the backup's own tables. */
  entities?: string;
  /** Send noDeleteTruncates: true whatever the spec says. */
  keepTruncated?: boolean;
}

export interface RestoreRequestInput<P extends RestorePhase = RestorePhase>
  extends RestoreTemplateInput, RestoreTables {
  node: NodeRef;
  phase: P;
}

/** One phase's restore request on one node: the template made that phase's (restoreForPhase). */
export function restoreRequest<P extends RestorePhase>(input: RestoreRequestInput<P>): RestoreRequest<P> {
  return restoreForPhase(restoreTemplate(input), input.node, input.phase, input);
}

/** Everything of a restore's request that is the same in every phase on every node: built once per plan. */
export function restoreTemplate(input: RestoreTemplateInput): RestoreRequestTemplate {
  const { spec } = input;
  const imp = spec.import ?? {};
  return {
    type: 'restore',
    globalRequest: false,
    restorationStrategyType: spec.restorationStrategyType,
    storageLocation: input.source.storageLocation,
    snapshotTag: input.source.snapshotTag,
    ...(spec.schemaVersion ? { schemaVersion: spec.schemaVersion } : {}),
    exactSchemaVersion: spec.exactSchemaVersion ?? false,
    entities: spec.entities ?? '',
    dataDirs: input.dataDirs,
    cassandraDirectory: input.cassandraDirectory,
    import: {
      type: 'import',
      sourceDir: input.downloadDir,
      keepLevel: imp.keepLevel ?? false,
      noVerify: imp.noVerify ?? false,
      noVerifyTokens: imp.noVerifyTokens ?? false,
      noInvalidateCaches: imp.noInvalidateCaches ?? false,
      quick: imp.quick ?? false,
      extendedVerify: imp.extendedVerify ?? false,
      keepRepaired: imp.keepRepaired ?? false,
    },
    noDeleteTruncates: spec.noDeleteTruncates ?? false,
    noDeleteDownloads: spec.noDeleteDownloads ?? false,
    noDownloadData: spec.noDownloadData ?? false,
    concurrentConnections: spec.concurrentConnections,
    timeout: spec.timeout,
    insecure: spec.insecure ?? false,
    // esop's INIT and DOWNLOAD check the bucket unless this is true, never creating it. (Icarus's restore
    // coordinator checks it before every phase whatever this says: docs/icarus.md.)
    skipBucketVerification: spec.skipBucketVerification ?? false,
    resolveHostIdFromTopology: spec.resolveHostIdFromTopology ?? false,
    ...(spec.rename && Object.keys(spec.rename).length ? { rename: spec.rename } : {}),
    ...retryFields(spec.retry),
    ...credentialFields(input.credentials),
  };
}

/** A restore's template as one phase's request on one node, naming the tables the workflow chose. */
export function restoreForPhase<P extends RestorePhase>(
  template: RestoreRequestTemplate,
  node: NodeRef,
  phase: P,
  tables: RestoreTables = {},
): RestoreRequest<P> {
  const { type, globalRequest, restorationStrategyType, storageLocation, ...rest } = template;
  return {
    type,
    globalRequest,
    restorationPhase: phase,
    restorationStrategyType,
    storageLocation: nodeStorageLocation(storageLocation, node),
    ...rest,
    ...(tables.entities !== undefined ? { entities: tables.entities } : {}),
    ...(tables.keepTruncated ? { noDeleteTruncates: true } : {}),
  };
}

export interface RemoveBackupRequestInput {
  /** The backup's storageLocation, as its spec gives it. */
  storageLocation: string;
  /** Any node of the cluster: its path tells esop which cluster folder to look in. */
  node: NodeRef;
  /** The backup's full tag, `<tag>-<schemaVersion>-<epochMillis>`: the name of its manifests. */
  backupName: string;
  insecure?: boolean;
  credentials: Credentials;
  /** Let esop list what it would delete, and delete nothing. */
  dry?: boolean;
}

/**
 * esop's remove-backup of one backup from every node folder of the cluster in storage (globalRequest:
 * true lists `<bucket>/<cluster>/<dc>/<node>` itself, so nodes that are gone are cleaned too, and any one
 * sidecar can do it). Files another backup still references are kept. A backup that is not there (removed
 * already) is no error: the operation completes having removed nothing.
 */
export function removeBackupRequest(input: RemoveBackupRequestInput): RemoveBackupRequest {
  return {
    type: 'remove-backup',
    storageLocation: nodeStorageLocation(input.storageLocation, input.node),
    backupName: input.backupName,
    globalRequest: true,
    // The location names the node's folder already: no need to ask Cassandra over JMX.
    resolveNodes: false,
    removeOldest: false,
    dry: input.dry ?? false,
    insecure: input.insecure ?? false,
    // The bucket holds the backup being removed (esop's remove-backup never checks it anyway).
    skipBucketVerification: true,
    ...credentialFields(input.credentials),
  };
}
