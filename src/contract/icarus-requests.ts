// The bodies the operator POSTs to Icarus, one type per operation: what src/icarus/requests.ts builds
// and docs/icarus.md describes. Field order here is the order the builders write, which is the order on
// the wire. Plain data, shared by the plan activities that build a request and the submit activities
// that send it; none holds a credential value: Icarus 2.x gets the Secret's name and namespace, Icarus
// 3.x reads its own environment.
import type { DataRate } from '../kube/api/resources.js';
import type { RestorePhaseName } from './status.js';

/** Icarus's `{value, unit}` time (esop's Time): the spec's `"<amount> <unit>"` as Icarus reads it. */
export type IcarusDuration = { value: number; unit: 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS' };

/** Icarus's `{value, unit}` data rate (esop's DataRate). */
export type IcarusDataRate = { value: number; unit: DataRate['unit'] };

/** esop's RetrySpec: strict in Icarus (an unknown field fails the request), so exactly these four. */
export type IcarusRetry = {
  enabled: boolean;
  interval: number;
  strategy: 'LINEAR' | 'EXPONENTIAL';
  maxAttempts: number;
};

/**
 * Where Icarus 2.x reads the storage credentials: the Secret's namespace and name (it reads the Secret
 * itself, with its pod's ServiceAccount). Absent for Icarus 3.x, which uses its own environment.
 */
export type SecretReference = { k8sNamespace?: string; k8sSecretName?: string };

/** `type: "backup"`: one node's share of a backup, as Icarus's coordinator sends it to that node. */
export type BackupRequest = {
  type: 'backup';
  globalRequest: false;
  /** The node's own folder: `<proto>://<bucket>/<cluster>/<dc>/<hostId>`. */
  storageLocation: string;
  /** The resolved tag, `<tag>-<schemaVersion>-<epochMillis>`, the same on every node. */
  snapshotTag: string;
  schemaVersion: string;
  skipBucketVerification: boolean;
  /** Also write `topology/<snapshotTag>.json` at the bucket root (one node, after all succeeded). */
  uploadClusterTopology: boolean;
  dataDirs: string[];
  entities: string;
  concurrentConnections: number;
  /** Hours. */
  timeout: number;
  metadataDirective: 'COPY' | 'REPLACE';
  insecure: boolean;
  createMissingBucket: boolean;
  skipRefreshing: boolean;
  dc?: string;
  duration?: IcarusDuration;
  bandwidth?: IcarusDataRate;
  retry?: IcarusRetry;
} & SecretReference;

/**
 * Everything of a backup's request that is the same on every node, built once per plan:
 * `storageLocation` is the spec's (Icarus's global form) until a node's is made of it, and whether a
 * request uploads the cluster topology is the node's.
 */
export type BackupRequestTemplate = Omit<BackupRequest, 'uploadClusterTopology'>;

/** The phases the operator drives (src/contract/status.ts), plus Icarus's manifest check INIT. */
export type RestorePhase = RestorePhaseName | 'INIT';

/** The `import` of a HARDLINKS or IMPORT restore: Cassandra's importNewSSTables options. */
export type RestoreImportBody = {
  type: 'import';
  /** Where DOWNLOAD puts the SSTables: outside the data directories. */
  sourceDir: string;
  keepLevel: boolean;
  noVerify: boolean;
  noVerifyTokens: boolean;
  noInvalidateCaches: boolean;
  quick: boolean;
  extendedVerify: boolean;
  keepRepaired: boolean;
};

/** `type: "restore"`: one phase of a restore on one node; `P` is the phase it runs. */
export type RestoreRequest<P extends RestorePhase = RestorePhase> = {
  type: 'restore';
  globalRequest: false;
  restorationPhase: P;
  restorationStrategyType: 'HARDLINKS' | 'IMPORT';
  /** The node's own folder, with the live cluster's name, DC and host id. */
  storageLocation: string;
  /** The backup's full tag, or a prefix (each node then picks its newest match). */
  snapshotTag: string;
  schemaVersion?: string;
  exactSchemaVersion: boolean;
  entities: string;
  dataDirs: string[];
  cassandraDirectory: string;
  import: RestoreImportBody;
  noDeleteTruncates: boolean;
  noDeleteDownloads: boolean;
  noDownloadData: boolean;
  concurrentConnections: number;
  /** Hours. */
  timeout: number;
  insecure: boolean;
  skipBucketVerification: boolean;
  resolveHostIdFromTopology: boolean;
  /** Restore table `key` into table `value`; absent when the spec renames nothing. */
  rename?: Record<string, string>;
  retry?: IcarusRetry;
  /** A restore never creates its bucket: never sent. */
  createMissingBucket?: never;
} & SecretReference;

/**
 * Everything of a restore's request that is the same in every phase on every node, built once per
 * plan: `storageLocation` is the source's (Icarus's global form) until a node's is made of it.
 */
export type RestoreRequestTemplate = Omit<RestoreRequest, 'restorationPhase'>;

/** The restore request of each phase: a union on `restorationPhase`. */
export type RestorePhaseRequest = { [P in RestorePhase]: RestoreRequest<P> }[RestorePhase];

/** `type: "remove-backup"`: one backup out of every node folder of the cluster, by one sidecar. */
export type RemoveBackupRequest = {
  type: 'remove-backup';
  /** Any node's folder: its path tells esop which cluster folder to list. */
  storageLocation: string;
  /** The backup's full tag: the name of its manifests. */
  backupName: string;
  globalRequest: true;
  resolveNodes: false;
  removeOldest: false;
  dry: boolean;
  insecure: boolean;
  skipBucketVerification: true;
} & SecretReference;

/** Every body the operator sends to `POST /operations`. */
export type IcarusRequest = BackupRequest | RestorePhaseRequest | RemoveBackupRequest;
