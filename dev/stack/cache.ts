import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where built tools live between runs: `$CBO_CACHE_DIR`, else `$XDG_CACHE_HOME/cassandra-backup-operator`,
 * else `~/.cache/cassandra-backup-operator`. Every tool sits in a folder named for its version, so a
 * version bump builds anew and never reuses a stale binary.
 */
export function cacheDir(): string {
  if (process.env.CBO_CACHE_DIR) return process.env.CBO_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'cassandra-backup-operator');
}

export function toolDir(name: string, version: string): string {
  return join(cacheDir(), 'tools', `${name}-${version}`);
}
