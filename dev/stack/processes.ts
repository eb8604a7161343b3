import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Child processes of the local stack (Temporal, etcd, kube-apiserver, Icarus, workers) that never
 * outlive their owner.
 *
 * Each child runs under a tiny `sh` watchdog in its own process group:
 * - `stop()` sends SIGTERM to the group, waits for the child to exit, and SIGKILLs it after a grace period;
 * - if the owning Node process dies in any way, SIGKILL included, the watchdog notices within a second
 *   and ends the child the same way;
 * - on a normal exit or a fatal error of the owner, `stopAllSync` signals every group still running.
 */
const WATCHDOG = `
owner=$1; grace=$2; shift 2
"$@" &
child=$!
finish() { kill -TERM "$child" 2>/dev/null; i=0
  while kill -0 "$child" 2>/dev/null && [ "$i" -lt "$grace" ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$child" 2>/dev/null; wait "$child"; exit $?; }
trap finish TERM INT HUP
while kill -0 "$owner" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
if kill -0 "$child" 2>/dev/null; then finish; fi
wait "$child"
`;

export interface ProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Seconds between SIGTERM and SIGKILL. */
  graceSeconds?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or null after a signal) once the child has exited. */
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  stop(): Promise<void>;
  /** SIGKILL the child without grace (fault-injection tests). */
  kill(): Promise<void>;
}

const running = new Set<ManagedProcess>();

export function startProcess(opts: ProcessOptions): ManagedProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  const grace = Math.round((opts.graceSeconds ?? 10) * 10);
  const child = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'watchdog', String(process.pid), String(grace), opts.command, ...opts.args],
    {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    },
  );
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.name} (${opts.command})`);
  const pid = child.pid;
  let alive = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      alive = false;
      running.delete(handle);
      resolve(code);
    });
    child.once('error', () => {
      alive = false;
      running.delete(handle);
      resolve(null);
    });
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  const handle: ManagedProcess = {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    exited,
    isRunning: () => alive,
    async stop() {
      if (!alive) return;
      signal('SIGTERM');
      const limit = (opts.graceSeconds ?? 10) * 1000 + 5000;
      const timedOut = await Promise.race([exited.then(() => false), sleep(limit).then(() => true)]);
      if (timedOut) {
        signal('SIGKILL');
        await exited;
      }
      await groupGone(pid);
    },
    async kill() {
      if (!alive) return;
      // The watchdog would pass a TERM on; a fault test wants the child itself killed hard.
      signal('SIGKILL');
      await exited;
      // The watchdog can be gone before the killed server has let go of its ports: a restart on the same
      // port would then fail with "address already in use".
      await groupGone(pid);
    },
  };
  running.add(handle);
  return handle;
}

/**
 * Waits (at most 10 s) until no live process is left in the process group: each has exited and let go of
 * its files and ports (a zombie waiting to be reaped holds neither, once all its threads are gone). Linux reads /proc; elsewhere a
 * signal 0 to the group tells whether any member, zombie or not, is left.
 */
async function groupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && groupAlive(pgid)) await sleep(20);
}

function groupAlive(pgid: number): boolean {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) !== pgid) continue;
    // A multi-threaded process's leader shows Z while its other threads still exit and hold its files.
    if (state !== 'Z' && state !== 'X') return true;
    if (threadsAlive(entry)) return true;
  }
  return false;
}

function threadsAlive(pid: string): boolean {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tasks.some((task) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  });
}

/** Signals every child still running: for `process.on('exit')`, where nothing asynchronous runs. */
export function stopAllSync(): void {
  for (const p of running) {
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Waits until `probe` answers true, or fails with the log file's tail when the child exits or time runs out. */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  describe: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.isRunning()) {
      // The tail of a JVM's log is its shutdown; what ended it is often far above.
      throw new Error(
        `${proc.name} exited before it was ready (${describe}); see ${proc.logFile}\n${await errorLines(proc.logFile)}${await tail(proc.logFile)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  await proc.stop();
  throw new Error(
    `${proc.name} was not ready after ${timeoutMs / 1000}s (${describe}); see ${proc.logFile}\n${await tail(proc.logFile)}`,
  );
}

/** The log's first lines that report an error (ERROR, FATAL, an exception), with a heading; '' if none. */
async function errorLines(file: string, lines = 15): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  const errors = text
    .split('\n')
    .filter((l) => /\b(ERROR|FATAL)\b|Exception\b/.test(l))
    .slice(0, lines);
  return errors.length ? `first errors:\n${errors.join('\n')}\nlast lines:\n` : '';
}

export async function tail(file: string, lines = 30): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

let handlersInstalled = false;
/**
 * For entry points that own the stack (the test runner, the sandbox): Ctrl-C, SIGTERM and fatal errors
 * stop every child before the process ends. `onSignal` runs first (e.g. to stop a test run).
 */
export function installShutdownHandlers(onSignal?: () => Promise<void>): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', stopAllSync);
  let shuttingDown = false;
  const shutdown = (code: number) => {
    // One graceful shutdown: Ctrl-C reaches a process twice when a wrapper (tsx, npm) relays it to its
    // child as well, and a second signal must not cut the cleanup short. stop() is bounded by SIGKILL.
    if (shuttingDown) return;
    shuttingDown = true;
    void (async () => {
      try {
        await onSignal?.();
      } finally {
        await stopAll();
        process.exit(code);
      }
    })();
  };
  process.on('SIGINT', () => shutdown(130));
  process.on('SIGTERM', () => shutdown(143));
  process.on('SIGHUP', () => shutdown(129));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`fatal: ${err.stack ?? String(err)}\n`);
    shutdown(1);
  });
}
