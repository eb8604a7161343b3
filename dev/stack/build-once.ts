import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration, say } from './log.js';
import { tail } from './processes.js';

export type BuildTool = 'go' | 'mvn' | 'npm';

export function haveTool(tool: BuildTool): boolean {
  return spawnSync(tool, [tool === 'go' ? 'version' : '--version'], { stdio: 'ignore' }).status === 0;
}

export const haveGo = () => haveTool('go');

export interface Build {
  /** What is built, for the progress lines ("temporal CLI v1.5.1"). */
  title: string;
  /** Folder that holds the finished binaries: written only when every binary built. */
  outDir: string;
  /** Names of the binaries expected in outDir when done. */
  binaries: string[];
  /** Rough cold build time, said up front so a first run is not mistaken for a hang. */
  estimate: string;
  /** The tool every step runs (`go`, `mvn` or `npm`), checked up front. */
  tool: BuildTool;
  /** One invocation per entry: args after the tool, run in `cwd`; `$OUT` is replaced by the staging folder. */
  steps: { args: string[]; cwd?: string; env?: Record<string, string> }[];
  /** How often a wait for another process's build of it is said (30 s). */
  waitNoteMs?: number;
}

/**
 * Builds once into `outDir` (through a staging folder and a rename, under a lock so that two runs on
 * one machine never build the same thing twice), printing what is built and how long it has taken.
 */
export async function buildOnce(build: Build): Promise<void> {
  if (build.binaries.every((b) => existsSync(join(build.outDir, b)))) return;
  if (!haveTool(build.tool))
    throw new Error(`${build.tool} is needed to build ${build.title} and was not found on PATH`);
  const parent = dirname(build.outDir);
  mkdirSync(parent, { recursive: true });
  const lock = `${build.outDir}.lock`;
  const logFile = join(parent, `${build.title.replace(/\W+/g, '-')}.build.log`);
  await acquireLock(lock, build.title, logFile, build.waitNoteMs ?? 30_000);
  const staging = `${build.outDir}.partial-${process.pid}`;
  try {
    if (build.binaries.every((b) => existsSync(join(build.outDir, b)))) return;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    say('tools', `Building ${build.title} with ${build.tool} into ${build.outDir}.`);
    say(
      'tools',
      `This happens once per version (about ${build.estimate} on 2 cores); later runs reuse the cache. Log: ${logFile}`,
    );
    const started = Date.now();
    const ticker = setInterval(
      () => say('tools', `Still building ${build.title}: ${formatDuration(Date.now() - started)} elapsed`),
      30_000,
    );
    try {
      for (const step of build.steps) {
        const args = step.args.map((a) => a.replaceAll('$OUT', staging));
        const env = Object.fromEntries(
          Object.entries(step.env ?? {}).map(([k, v]) => [k, v.replaceAll('$OUT', staging)]),
        );
        const code = await run(build.tool, args, step.cwd, env, logFile);
        if (code !== 0) {
          throw new Error(
            `building ${build.title} failed: ${build.tool} ${args.join(' ')} exited ${code}; see ${logFile}\n${await tail(logFile)}`,
          );
        }
      }
    } finally {
      clearInterval(ticker);
    }
    for (const b of build.binaries) {
      if (!existsSync(join(staging, b)))
        throw new Error(`building ${build.title} produced no ${b}; see ${logFile}`);
    }
    rmSync(build.outDir, { recursive: true, force: true });
    renameSync(staging, build.outDir);
    say('tools', `Built ${build.title} in ${formatDuration(Date.now() - started)}.`);
  } finally {
    // After a failure the half-built staging folder goes too (after success it was renamed away).
    rmSync(staging, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: string[],
  cwd: string | undefined,
  env: Record<string, string>,
  logFile: string,
): Promise<number | null> {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -trimpath`.trim(), ...env },
  });
  closeSync(fd);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
}

/**
 * A lock folder; a lock older than two hours is taken as left behind by a killed build. While another
 * process builds, says so every `noteMs` with the time waited and that build's log.
 */
async function acquireLock(lock: string, title: string, logFile: string, noteMs: number): Promise<void> {
  let told = false;
  const since = Date.now();
  let nextNote = since + noteMs;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 2 * 3600_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) {
        say(
          'tools',
          `Waiting for another process that is building ${title} (lock ${lock}; its log: ${logFile}).`,
        );
      } else if (Date.now() >= nextNote) {
        nextNote += noteMs;
        say(
          'tools',
          `Still waiting for the other build of ${title}: ${formatDuration(Date.now() - since)} elapsed; its log: ${logFile}`,
        );
      }
      told = true;
      await sleep(Math.min(2000, noteMs));
    }
  }
}
