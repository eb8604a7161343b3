// Several real Cassandra nodes on one machine, each seeing its own files at the same path, as every Pod
// of a StatefulSet sees its own volume at /var/lib/cassandra: the operator sends one set of paths
// (CASSANDRA_DATA_DIRS, CASSANDRA_DIRECTORY, RESTORE_DOWNLOAD_DIR) to every node. A node's processes
// (Cassandra and its sidecar) each run in a private mount namespace where the node's own folder is bound
// over the shared path. Needs root (CAP_SYS_ADMIN) and util-linux's unshare.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NodeView {
  /** The path every node's processes see their own folder at. */
  path: string;
  /** This node's folder on the machine. */
  folder: string;
}

/** The command line that runs `command args` with `view.folder` bound over `view.path`. */
export function inNodeView(
  view: NodeView | undefined,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  if (!view) return { command, args };
  mkdirSync(view.path, { recursive: true });
  mkdirSync(view.folder, { recursive: true });
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$1" "$2" && shift 2 && exec "$@"',
      'node-view',
      view.folder,
      view.path,
      command,
      ...args,
    ],
  };
}

/** Why node views cannot be made here, or undefined when they can. */
export function nodeViewsUnavailable(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'cbo-view-check-'));
  try {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'marker'), 'a');
    const { command, args } = inNodeView({ path: join(dir, 'b'), folder: join(dir, 'a') }, 'cat', [
      join(dir, 'b', 'marker'),
    ]);
    const run = spawnSync(command, args, { encoding: 'utf8' });
    if (run.status === 0 && run.stdout === 'a' && !existsMarker(join(dir, 'b', 'marker'))) return undefined;
    return `a private mount namespace with a bind mount could not be made (${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}): several Cassandra nodes on one machine need root`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function existsMarker(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}
