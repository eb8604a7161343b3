// A storage location as the operator reads it: `protocol://bucket[/path]` split into the provider, the
// bucket and the key prefix under it. The node's own folder is Icarus's business (icarus/requests.ts).
export type StorageProtocol = 's3' | 'minio' | 'oracle' | 'ceph' | 'azure' | 'gcp' | 'file';

export interface ParsedLocation {
  protocol: StorageProtocol;
  /** The bucket (S3, GCS) or the container (Azure); for file://, '/': the path is all prefix. */
  bucket: string;
  /** The key prefix inside the bucket, without slashes at either end ('' for none). */
  prefix: string;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['s3', 'minio', 'oracle', 'ceph', 'azure', 'gcp', 'file']);

export function parseLocation(location: string): ParsedLocation {
  const m = /^([a-z0-9]+):\/\/(.+)$/.exec(location.replace(/\/+$/, ''));
  if (!m?.[1] || !m[2] || !PROTOCOLS.has(m[1])) {
    throw new Error(`storage location ${location} is not protocol://bucket[/path] of a known protocol`);
  }
  const protocol = m[1] as StorageProtocol;
  const parts = m[2].split('/').filter(Boolean);
  if (protocol === 'file') {
    return { protocol, bucket: '/', prefix: parts.join('/') };
  }
  return { protocol, bucket: parts[0] ?? '', prefix: parts.slice(1).join('/') };
}
