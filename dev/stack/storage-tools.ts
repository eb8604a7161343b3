// Object-storage servers of the local stack, found or built once and cached by version like the
// Temporal CLI and kube-apiserver: MinIO and versitygw (S3 API) and fake-gcs-server (Google Cloud
// Storage JSON API) from the Go module proxy, Azurite (Azure Blob) from npm. Each is a real
// implementation nobody here wrote; see docs/storage-servers.md for why these and how esop's clients
// reach them.
import { join } from 'node:path';
import { cachedToolPaths, resolveCachedTool, type CachedTool, type CachedToolSpec } from './cached-tool.js';

export type StorageToolName = 'minio' | 'versitygw' | 'fake-gcs-server' | 'azurite';

/**
 * MinIO has no semver tags on the module proxy: this pseudo-version is `@latest` on 2026-12-05 (commit
 * 7aac2a2c5b7c, 2026-02-12). Its go.mod has no `replace`, so `go install module@version` takes it as it is.
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/**
 * Versity's S3 gateway, the newest release on 2026-12-05 (tagged 2026-09-04); needs Go >= 1.25. Its go.mod
 * has no `replace`. The S3 server the real tier's esop 3.x round trip runs on: it accepts
 * `x-amz-storage-class: STANDARD_IA`, which MinIO refuses (docs/storage-servers.md).
 */
export const VERSITYGW_VERSION = 'v1.8.0';
/** Needs Go >= 1.26 (v1.56.0 needs 1.25.8). */
export const FAKE_GCS_SERVER_VERSION = 'v1.56.1';
/** The newest Azurite that runs on Node 20: 3.36.0 needs Node >= 21, 3.37.0 needs >= 22. */
export const AZURITE_VERSION = '3.35.0';

export const STORAGE_TOOLS: Record<StorageToolName, CachedToolSpec> = {
  minio: {
    name: 'minio',
    cacheName: 'minio',
    version: MINIO_VERSION,
    override: 'MINIO_PATH',
    executable: 'minio',
    estimate: '8-12 minutes',
    build: {
      tool: 'go',
      args: ['install', '-ldflags=-s -w', `github.com/minio/minio@${MINIO_VERSION}`],
      env: { GOBIN: '$OUT' },
    },
    without: 'Go 1.24 or newer',
  },
  versitygw: {
    name: 'versitygw',
    cacheName: 'versitygw',
    version: VERSITYGW_VERSION,
    override: 'VERSITYGW_PATH',
    executable: 'versitygw',
    estimate: '1-3 minutes',
    build: {
      tool: 'go',
      args: [
        'install',
        // main.Version is what `versitygw --version` and its banner print ("git" otherwise).
        `-ldflags=-s -w -X main.Version=${VERSITYGW_VERSION}`,
        `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`,
      ],
      env: { GOBIN: '$OUT' },
    },
    without: 'Go 1.25 or newer',
  },
  'fake-gcs-server': {
    name: 'fake-gcs-server',
    cacheName: 'fake-gcs-server',
    version: FAKE_GCS_SERVER_VERSION,
    override: 'FAKE_GCS_SERVER_PATH',
    executable: 'fake-gcs-server',
    estimate: '3-4 minutes',
    build: {
      tool: 'go',
      args: ['install', '-ldflags=-s -w', `github.com/fsouza/fake-gcs-server@${FAKE_GCS_SERVER_VERSION}`],
      env: { GOBIN: '$OUT' },
    },
    without: 'Go 1.26 or newer',
  },
  azurite: {
    name: 'azurite',
    cacheName: 'azurite',
    version: AZURITE_VERSION,
    override: 'AZURITE_PATH',
    executable: join('node_modules', '.bin', 'azurite-blob'),
    estimate: '1 minute',
    build: {
      tool: 'npm',
      // Into the cache folder, never into the project's dependencies: 373 packages the operator never loads.
      args: [
        'install',
        '--prefix',
        '$OUT',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `azurite@${AZURITE_VERSION}`,
      ],
    },
    without: 'npm',
  },
};

export interface StorageTool extends CachedTool {
  name: StorageToolName;
}

/** The cache folder and executable path of a tool's pinned version. */
export function storageToolPaths(name: StorageToolName): { dir: string; executable: string } {
  return cachedToolPaths(STORAGE_TOOLS[name]);
}

/**
 * The executable of one storage server: `$<TOOL>_PATH` if set, else the cached build of the pinned
 * version, else built (or installed) once into the cache.
 */
export async function resolveStorageTool(name: StorageToolName): Promise<StorageTool> {
  return { name, ...(await resolveCachedTool(STORAGE_TOOLS[name])) };
}

/**
 * All four, one after another: two Go builds at once on 2 cores take as long as both in a row and
 * make each progress line less telling.
 */
export async function resolveStorageTools(): Promise<Record<StorageToolName, StorageTool>> {
  const minio = await resolveStorageTool('minio');
  const versitygw = await resolveStorageTool('versitygw');
  const fakeGcs = await resolveStorageTool('fake-gcs-server');
  const azurite = await resolveStorageTool('azurite');
  return { minio, versitygw, 'fake-gcs-server': fakeGcs, azurite };
}
