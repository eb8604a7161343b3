import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitUntilReady } from '../../../dev/stack/processes.js';
import { freePort } from '../../../src/net/free-port.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

/** Starts fixtures/owner.ts, which starts a long `sleep` through startProcess and prints its pid. */
async function startOwner(
  mode: 'idle' | 'throw',
): Promise<{ owner: ReturnType<typeof spawn>; childPid: number }> {
  const owner = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fixtures/owner.ts', import.meta.url)), mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    owner.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /child (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    owner.once('exit', () => reject(new Error(`owner exited early: ${out}`)));
  });
  return { owner, childPid };
}

const exited = (p: ReturnType<typeof spawn>) =>
  new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));

test('a stack process ends when its owner is SIGKILLed', async () => {
  const { owner, childPid } = await startOwner('idle');
  assert.ok(alive(childPid));
  owner.kill('SIGKILL');
  assert.ok(await gone(childPid, 10_000), `child ${childPid} outlived its SIGKILLed owner`);
});

test('a stack process ends when its owner gets Ctrl-C (SIGINT)', async () => {
  const { owner, childPid } = await startOwner('idle');
  owner.kill('SIGINT');
  await exited(owner);
  assert.equal(owner.exitCode, 130);
  assert.ok(await gone(childPid, 10_000), `child ${childPid} outlived its interrupted owner`);
});

test('a stack process ends when its owner dies of an uncaught error', async () => {
  const { owner, childPid } = await startOwner('throw');
  await exited(owner);
  assert.equal(owner.exitCode, 1);
  assert.ok(await gone(childPid, 10_000), `child ${childPid} outlived its crashed owner`);
});

test('kill() returns once the killed server has let go of its port: a restart can bind it at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cbo-kill-'));
  for (let round = 0; round < 5; round++) {
    const port = await freePort();
    const proc = startProcess({
      name: 'listener',
      command: process.execPath,
      args: [
        '-e',
        `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`,
      ],
      logFile: join(dir, `listener-${round}.log`),
    });
    // Until it listens: the port refuses a second listener.
    for (let i = 0; ; i++) {
      const bound = await new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(false));
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
      });
      if (!bound) break;
      assert.ok(i < 200, 'the listener came up');
      await sleep(25);
    }
    await proc.kill();
    const rebound = await new Promise<string>((resolve) => {
      const again = createServer();
      again.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
      again.listen(port, '127.0.0.1', () => again.close(() => resolve('bound')));
    });
    assert.equal(rebound, 'bound', `round ${round}: the port was still held after kill()`);
  }
});

test('a process that exits before it is ready: the error shows its log’s first error lines, not only its tail', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cbo-ready-'));
  const proc = startProcess({
    name: 'dies',
    command: '/bin/sh',
    args: [
      '-c',
      'echo "ERROR 00:00 Startup failed: the cause"; for i in $(seq 1 60); do echo "INFO shutdown $i"; done; exit 3',
    ],
    logFile: join(dir, 'dies.log'),
  });
  await assert.rejects(
    waitUntilReady(proc, () => Promise.resolve(false), 10_000, 'never'),
    (err: Error) => {
      assert.match(err.message, /^dies exited before it was ready \(never\)/);
      assert.match(err.message, /first errors:\nERROR 00:00 Startup failed: the cause\nlast lines:\n/);
      assert.match(err.message, /INFO shutdown 60/);
      assert.doesNotMatch(err.message, /INFO shutdown 1\n/, 'the tail, not the whole log');
      return true;
    },
  );
});
