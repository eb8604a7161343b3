// The hosts file a test-tier JVM gets through `-Djdk.net.hosts.file`, so that esop's real clients,
// which only know the clouds' own host names, reach the storage servers on loopback.
//
// What Java 17 does with that file (checked on this machine, see docs/storage-servers.md): it never falls
// back to DNS or /etc/hosts, knows no wildcards, and uses the file for reverse lookups too. So the file
// is /etc/hosts as it is (localhost and the machine's own name stay first) plus one line per address
// with every name, one name per bucket for S3's virtual-host style.
import { assertLoopback } from './loopback.js';

export interface HostsEntry {
  address: string;
  names: string[];
}

/** The S3 service name of a region as esop 3.x's client (AWS SDK v2) asks for it. */
export function s3DomainName(region = 'us-east-1'): string {
  return region === 'us-east-1' ? 's3.amazonaws.com' : `s3.${region}.amazonaws.com`;
}

/** The virtual-host-style name of one bucket (`<bucket>.s3.amazonaws.com` in us-east-1). */
export function s3BucketHostName(bucket: string, region = 'us-east-1'): string {
  return `${bucket}.${s3DomainName(region)}`;
}

/** The names esop 3.x's S3 client (AWS SDK v2, no endpoint override) asks for, per region and bucket. */
export function s3HostNames(buckets: string[], region = 'us-east-1'): string[] {
  return [s3DomainName(region), ...buckets.map((b) => s3BucketHostName(b, region))];
}

/** The blob service host of a storage account (`https://<account>.blob.core.windows.net`). */
export const azureBlobHostName = (account: string) => `${account}.blob.core.windows.net`;

/** The host of Google's storage client (`StorageOptions.DEFAULT_HOST`). */
export const GCS_HOST_NAME = 'storage.googleapis.com';

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The names a hosts file's lines give to addresses, lower-cased (comments and blank lines skipped). */
export function namesIn(hostsText: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of hostsText.split('\n')) {
    const [address, ...rest] = (raw.split('#')[0] ?? '').trim().split(/\s+/);
    if (!address) continue;
    for (const name of rest) if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), address);
  }
  return names;
}

/**
 * `base` (the machine's /etc/hosts) followed by the entries. Throws on a name that is no host name
 * (a wildcard, say: the JVM has none), an address outside 127.0.0.0/8, or a name `base` already maps
 * elsewhere (the JVM would take the first line and miss the server).
 */
export function renderHostsFile(base: string, entries: HostsEntry[]): string {
  const known = namesIn(base);
  const seen = new Map<string, string>();
  const lines: string[] = [];
  for (const { address, names } of entries) {
    assertLoopback(address);
    const own: string[] = [];
    for (const name of names) {
      if (!HOST_NAME.test(name)) throw new Error(`'${name}' is not a host name a JVM hosts file can map`);
      const key = name.toLowerCase();
      const before = known.get(key) ?? seen.get(key);
      if (before !== undefined && before !== address)
        throw new Error(`${name} is mapped to ${before} already, not to ${address}`);
      if (before === address) continue;
      seen.set(key, address);
      own.push(key);
    }
    if (own.length) lines.push(`${address} ${own.join(' ')}`);
  }
  const head = base.endsWith('\n') || base === '' ? base : `${base}\n`;
  return `${head}# storage servers of the cassandra-backup-operator test tier\n${lines.join('\n')}\n`;
}
