// A tool built (or installed) once into the cache, in a folder named for its pinned version, unless an
// environment variable names an executable to use instead: the storage servers (storage-tools.ts) and
// helm (helm.ts) are resolved this way.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { buildOnce, haveTool } from './build-once.js';
import { toolDir } from './cache.js';

export interface CachedToolSpec {
  /** What the tool is called in messages ('minio', 'helm'). */
  name: string;
  /** Folder name in the tool cache (with the version). */
  cacheName: string;
  version: string;
  /** Environment variable naming an executable to use instead of building one. */
  override: string;
  /** The executable, relative to the cache folder. */
  executable: string;
  /** Rough cold time, said up front so that a first run is not taken for a hang. */
  estimate: string;
  build: { tool: 'go' | 'npm'; args: string[]; env?: Record<string, string> };
  /** What to install when the build tool is missing, for the error message. */
  without: string;
}

export interface CachedTool {
  /** The executable to run. */
  path: string;
  /** The pinned version (what an override binary actually is, is up to whoever set it). */
  version: string;
  /** Where it came from, for messages: the override variable, `cache` or `built`. */
  source: string;
}

/** The cache folder and executable path of a tool's pinned version. */
export function cachedToolPaths(spec: CachedToolSpec): { dir: string; executable: string } {
  const dir = toolDir(spec.cacheName, spec.version);
  return { dir, executable: join(dir, spec.executable) };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tool's executable: `$<OVERRIDE>` if set, else the cached build of the pinned version, else built
 * (or installed) once into the cache, with its progress printed.
 */
export async function resolveCachedTool(spec: CachedToolSpec): Promise<CachedTool> {
  const { name, version } = spec;
  const override = process.env[spec.override];
  if (override) {
    if (!executable(override)) {
      throw new Error(
        `${spec.override}=${override} is not an executable file. Point it at a '${name}' executable, or unset it to build one.`,
      );
    }
    return { path: override, version, source: spec.override };
  }
  const { dir, executable: path } = cachedToolPaths(spec);
  if (executable(path)) return { path, version, source: 'cache' };
  if (!haveTool(spec.build.tool)) {
    throw new Error(
      `${name} ${version} is needed and cannot be built here: ${spec.build.tool} is not on PATH. ` +
        `Install ${spec.without}, or set ${spec.override}=/path/to/${name}.`,
    );
  }
  await buildOnce({
    tool: spec.build.tool,
    title: `${name} ${version}`,
    outDir: dir,
    binaries: [spec.executable],
    estimate: spec.estimate,
    steps: [{ args: spec.build.args, env: spec.build.env }],
  });
  return { path, version, source: 'built' };
}
