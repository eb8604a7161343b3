// Helpers of the storage-server tests: a work folder per file, and checks that no secret leaked into a
// server's log or command line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageServer } from '../../dev/stack/storage-servers.js';

// The AWS SDK's notice that its releases after January 2027 need Node 22: known, and why package.json
// pins @aws-sdk/client-s3 (and @azure/storage-blob, whose 12.33 already needs Node 22) exactly.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// An object in Icarus's layout, so that the listing is the kind the round-trip tests will read.
export const KEY = 'my-cluster/dc1/2f6c1a7e-0000-4000-8000-000000000001/manifests/snap-1-1764900000000.json';
export const BODY = JSON.stringify({ snapshot: 'snap-1', at: 1764900000000 });

/** A temporary folder, removed at the end unless STACK_KEEP=true (as the stack's own). */
export function workDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `cbo-${prefix}-`));
  return {
    dir,
    remove: () => {
      if (process.env.STACK_KEEP === 'true') console.error(`storage test files kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's log and its command line (through the watchdog's, which carries the same arguments). */
export function assertNoSecret(server: StorageServer, secrets: string[]): void {
  const log = readFileSync(server.logFile, 'utf8');
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${server.process.pid}/cmdline`, 'utf8');
  } catch {
    // the process is gone: its log is what is left to check
  }
  for (const secret of secrets) {
    assert.ok(secret.length >= 16, 'a secret this short could match by chance');
    assert.ok(!log.includes(secret), `a secret is in ${server.logFile}`);
    assert.ok(!cmdline.includes(secret), `a secret is on the command line of ${server.description}`);
  }
}

/**
 * A DNS lookup for an https.Agent that answers only the given names (exact, or any sub-domain of a
 * `.suffix`), with loopback addresses: nothing the client asks for can leave the machine. The names
 * asked for are recorded.
 */
export function loopbackLookup(map: Record<string, string>): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const find = (host: string) =>
    map[host] ?? Object.entries(map).find(([k]) => k.startsWith('.') && host.endsWith(k))?.[1];
  const lookup = ((
    hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: unknown, family?: number) => void,
  ) => {
    asked.push(hostname);
    const address = find(hostname);
    if (!address) {
      callback(Object.assign(new Error(`${hostname} is not mapped to loopback`), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as unknown as LookupFunction;
  return { lookup, asked };
}

export async function text(body: { transformToString(): Promise<string> } | undefined): Promise<string> {
  assert.ok(body, 'no body');
  return body.transformToString();
}
