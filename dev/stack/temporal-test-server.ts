// Temporal's time-skipping test server for the workflow tests of the fast tier (test/unit/workflows):
// the Java `io.temporal.testserver.TestServer` from Maven Central (tools/temporal-test-server/pom.xml),
// installed once per version into the tool cache with a launcher that `@temporalio/testing` starts as
// `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`.
// The SDK's own default downloads a native build of the same server from a web site, which fails on a
// machine that reaches only package registries.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildOnce, haveTool } from './build-once.js';
import { toolDir } from './cache.js';
import { repoRoot } from './repo.js';

const project = join(repoRoot, 'tools', 'temporal-test-server');

/** The io.temporal:temporal-test-server version, as tools/temporal-test-server/pom.xml names it. */
export function temporalTestServerVersion(): string {
  const pom = readFileSync(join(project, 'pom.xml'), 'utf8');
  const version = /<temporal\.test\.server\.version>([^<]+)</.exec(pom)?.[1];
  if (!version) throw new Error(`${project}/pom.xml names no temporal.test.server.version`);
  return version;
}

export interface TemporalTestServer {
  /** An executable that takes `<port> [--enable-time-skipping]`, as the SDK starts it. */
  path: string;
  source: 'TEMPORAL_TEST_SERVER_PATH' | 'cache' | 'built';
}

/**
 * Finds the time-skipping test server: `TEMPORAL_TEST_SERVER_PATH` (any executable that takes
 * `<port> [--enable-time-skipping]`: this launcher, or the native `temporal-test-server` that the SDK
 * downloads on a connected machine), else the one cached by version, else installed once with Maven
 * (its jars copied from Maven Central into the cache; needs `mvn` and, to run, Java 11 or later).
 */
export async function resolveTemporalTestServer(): Promise<TemporalTestServer> {
  const override = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (override) {
    try {
      accessSync(override, constants.X_OK);
    } catch {
      throw new Error(
        `TEMPORAL_TEST_SERVER_PATH=${override} is not an executable file. Point it at a Temporal test server ` +
          `(it is started as '<path> <port>'), or unset it to install the Java one with Maven.`,
      );
    }
    return { path: override, source: 'TEMPORAL_TEST_SERVER_PATH' };
  }
  // By version, and by the pom's hash: a change of what it installs (its other jars) installs anew.
  const pom = createHash('sha256')
    .update(readFileSync(join(project, 'pom.xml')))
    .digest('hex');
  const dir = toolDir('temporal-test-server', `${temporalTestServerVersion()}-${pom.slice(0, 8)}`);
  const path = join(dir, 'temporal-test-server');
  const cached = existsSync(path);
  const missing = [!cached && !haveTool('mvn') && 'mvn (to install it)', !haveJava() && 'java (to run it)']
    .filter(Boolean)
    .join(' and ');
  if (missing) {
    throw new Error(
      `Temporal's test server for the workflow tests needs ${missing}, not found on PATH. Install Java 11+ and ` +
        `Maven, or set TEMPORAL_TEST_SERVER_PATH to an existing test server (started as '<path> <port>').`,
    );
  }
  await buildOnce({
    tool: 'mvn',
    title: `Temporal test server ${temporalTestServerVersion()}`,
    outDir: dir,
    binaries: ['lib'],
    estimate: 'half a minute',
    steps: [
      {
        args: [
          '-B',
          '-q',
          '-f',
          join(project, 'pom.xml'),
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          '-DoutputDirectory=$OUT/lib',
        ],
      },
    ],
  });
  if (!cached) writeLauncher(path);
  return { path, source: cached ? 'cache' : 'built' };
}

function haveJava(): boolean {
  return spawnSync(process.env.JAVA ?? 'java', ['-version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The launcher: `exec java` (so the SDK's kill reaches the JVM itself), with a watchdog that ends the JVM
 * when the process that started it is gone, even after a SIGKILL that left it no time to clean up.
 */
function writeLauncher(path: string): void {
  const script = `#!/bin/sh
# Written by dev/stack/temporal-test-server.ts: Temporal's Java test server, as '$0 <port> [--enable-time-skipping]'.
here=$(cd "$(dirname "$0")" && pwd)
owner=$PPID
self=$$
( while kill -0 "$owner" 2>/dev/null && kill -0 "$self" 2>/dev/null; do sleep 1; done
  kill -KILL "$self" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
exec "\${JAVA:-java}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
`;
  const staging = `${path}.partial-${process.pid}`;
  writeFileSync(staging, script);
  chmodSync(staging, 0o755);
  renameSync(staging, path);
}
