// Where each node's files are in storage, by esop's rules: a node's storageLocation made from the one a
// spec gives, and the bucket names each provider can hold. A location Icarus could not parse is refused
// here, before any node is sent it.
export interface NodeRef {
  /** Cluster name as Cassandra reports it (whitespace runs become '-', as Icarus does). */
  cluster: string;
  dc: string;
  hostId: string;
}

/** A configuration problem in the spec, found while building a request: retrying will not help. */
export class RequestConfigError extends Error {
  override name = 'RequestConfigError';
}

/** Icarus's cluster id for a cluster name: runs of whitespace become '-'. */
export function clusterId(clusterName: string): string {
  return clusterName.trim().replace(/\s+/g, '-');
}

/**
 * The storageLocation of one node, by esop's rules (StorageLocation.update): `proto://bucket` gets
 * `/<cluster>/<dc>/<hostId>` appended; `proto://bucket/a/b/c...` has its last three parts replaced;
 * `file:///dir/bucket` gets the three parts appended. Anything else Icarus cannot parse.
 */
export function nodeStorageLocation(location: string, node: NodeRef): string {
  const raw = location.replace(/\/+$/, '');
  const m = /^([a-z0-9]+):\/\/(.+)$/.exec(raw);
  if (!m?.[1] || !m[2])
    throw new RequestConfigError(`storageLocation ${location} is not protocol://bucket[/path]`);
  const suffix = `${clusterId(node.cluster)}/${node.dc}/${node.hostId}`;
  if (m[1] === 'file') {
    if (!/^\/[^/]+\/[^/]+/.test(m[2])) {
      throw new RequestConfigError(
        `storageLocation ${location}: a file location needs a folder and a bucket, e.g. file:///var/backups/bucket`,
      );
    }
    return `${raw}/${suffix}`;
  }
  const parts = m[2].split('/');
  checkBucket(location, m[1], parts[0] ?? '');
  if (parts.length === 1) return `${raw}/${suffix}`;
  if (parts.length >= 4) return `${m[1]}://${parts.slice(0, -3).join('/')}/${suffix}`;
  throw new RequestConfigError(
    `storageLocation ${location}: Icarus takes ${m[1]}://bucket or ${m[1]}://bucket/cluster/dc/node; a path of ${parts.length - 1} part(s) after the bucket cannot be parsed (use ${m[1]}://${parts[0]})`,
  );
}

/**
 * Bucket (container) names each provider can hold; S3-like stores also accept the legacy names of
 * us-east-1 (upper case, '_', up to 255). Anything else is refused here rather than by every node.
 */
const BUCKET_RULES: Partial<Record<string, { pattern: RegExp; rule: string }>> = {
  azure: {
    pattern: /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
    rule: "3 to 63 lower-case letters, digits and single '-' between them",
  },
  gcp: {
    pattern: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
    rule: "3 to 222 lower-case letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
  },
};
const S3_LIKE_BUCKET = {
  pattern: /^[A-Za-z0-9._-]{1,255}$/,
  rule: "at most 255 letters, digits, '.', '_' and '-'",
};

function checkBucket(location: string, protocol: string, bucket: string): void {
  const { pattern, rule } = BUCKET_RULES[protocol] ?? S3_LIKE_BUCKET;
  if (!pattern.test(bucket)) {
    throw new RequestConfigError(
      `storageLocation ${location}: bucket ${bucket} is not a valid ${protocol} bucket name (${rule})`,
    );
  }
}
