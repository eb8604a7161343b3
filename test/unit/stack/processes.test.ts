import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

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
