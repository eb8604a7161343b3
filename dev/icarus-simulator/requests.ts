// Validation of submitted requests, as Icarus 3.0.0 (esop 3.0.1) does it: inside the operation (the
// POST is still 201), which then ends FAILED with the message. Messages are the real ones (docs/icarus.md).

/** The storage providers esop 3.0.1 registers, in its order (minio, ceph and oracle are not among them). */
export const PROVIDERS = ['azure', 'gcp', 'file', 's3'];

export function str(request: Record<string, unknown>, key: string): string | undefined {
  const v = request[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The node's own location: cloud locations are `proto://bucket/cluster/dc/node` (a bare `proto://bucket`
 * is completed from the node's identity, as Icarus does over JMX); file locations are
 * `file://<dir>/<bucket>/<cluster>/<dc>/<node>`.
 */
export function checkLocation(location: string | undefined): string | undefined {
  if (!location) return 'storageLocation has to be specified!';
  const raw = location.replace(/\/$/, '');
  const protocol = /^(.*?):\/\//.exec(raw)?.[1] ?? '';
  if (protocol === 'file') {
    if (!/^file:\/\/.*\/.*\/.*\/.*\/.*$/.test(raw)) {
      return `Invalid storage location: Storage location ${raw} is not in form file:///some/backup/path/clusterId/datacenterId/nodeId`;
    }
  } else {
    const global = /^.*:\/\/[^/]+$/.test(raw);
    if (!global && !/^.*:\/\/.*\/.*\/.*\/.*$/.test(raw)) {
      return `Invalid storage location: Storage location ${raw} is not in form protocol://bucketName/clusterId/datacenterid/nodeId`;
    }
  }
  if (!PROVIDERS.includes(protocol)) return `Available storage providers: [${PROVIDERS.join(', ')}]`;
  return undefined;
}

export function checkCommon(request: Record<string, unknown>): string | undefined {
  const location = checkLocation(str(request, 'storageLocation'));
  if (location) return location;
  if (request.globalRequest === true) {
    return 'globalRequest=true is not simulated: the operator sends one request per node';
  }
  return undefined;
}

export const MIXED_ENTITIES =
  'Entities might be either set only as keyspaces or only as keyspaces with tables!';

/** "ks1,ks2" or "ks1.t1,ks2.t2" -> a matcher of "ks.table"; undefined when mixed or malformed. */
export function parseEntities(entities: string): ((table: string) => boolean) | undefined {
  const items = entities
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const tables = items.filter((e) => /^\w+\.\w+$/.test(e));
  const keyspaces = items.filter((e) => /^\w+$/.test(e));
  if (tables.length && keyspaces.length) return undefined;
  if (tables.length + keyspaces.length !== items.length) return undefined;
  if (!items.length) return () => true;
  if (tables.length) return (t) => tables.includes(t);
  return (t) => keyspaces.includes(t.split('.')[0] ?? '');
}

/** A tag ending in -<digits> counts as resolved; otherwise <tag>-<schemaVersion>-<epochMillis>. */
export function resolveTag(tag: string, schemaVersion: string, now: number): string {
  return /-\d+$/.test(tag) ? tag : `${tag}-${schemaVersion}-${now}`;
}
