import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { toolDir } from './cache.js';
import { buildOnce, haveGo } from './build-once.js';

/** The Temporal CLI release we build: v1.5.1 is the newest that `go install` accepts as it is. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type TemporalCli =
  | { kind: 'binary'; path: string; source: 'TEMPORAL_CLI_PATH' | 'cache' | 'built' }
  /** No Go and no override: the Temporal SDK downloads its own dev server (needs a connected machine). */
  | { kind: 'sdk-download' };

/**
 * Finds the `temporal` CLI: `TEMPORAL_CLI_PATH`, else the binary cached by version, else built once with
 * `go install`, else (no Go) the SDK's own download.
 */
export async function resolveTemporalCli(): Promise<TemporalCli> {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    try {
      accessSync(override, constants.X_OK);
    } catch {
      throw new Error(
        `TEMPORAL_CLI_PATH=${override} is not an executable file. Point it at a 'temporal' binary, or unset it to build one with Go.`,
      );
    }
    return { kind: 'binary', path: override, source: 'TEMPORAL_CLI_PATH' };
  }
  const dir = toolDir('temporal', TEMPORAL_CLI_VERSION);
  const path = join(dir, 'temporal');
  try {
    accessSync(path, constants.X_OK);
    return { kind: 'binary', path, source: 'cache' };
  } catch {
    // not cached yet
  }
  if (!haveGo()) return { kind: 'sdk-download' };
  await buildOnce({
    tool: 'go',
    title: `temporal CLI ${TEMPORAL_CLI_VERSION}`,
    outDir: dir,
    binaries: ['temporal'],
    estimate: '5-10 minutes',
    steps: [
      {
        args: ['install', '-ldflags=-s -w', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
        env: { GOBIN: '$OUT' },
      },
    ],
  });
  return { kind: 'binary', path, source: 'built' };
}
