// Building a tool once per machine: a second process that finds the build under way waits for it and
// says, while it waits, for how long and where that build's log is (not minutes of silence).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildOnce } from '../../../dev/stack/build-once.js';
import { eventually } from '../../support/wait.js';

test('a build held by another process is waited for, with the time waited and that build’s log said', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cbo-build-once-'));
  const outDir = join(root, 'tool-v1');
  mkdirSync(`${outDir}.lock`); // another process is building it
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  try {
    const waiting = buildOnce({
      title: 'tool v1',
      outDir,
      binaries: ['tool'],
      estimate: '1 min',
      tool: 'npm',
      steps: [{ args: ['--version'] }],
      waitNoteMs: 300,
    });
    const log = join(root, 'tool-v1.build.log');
    const said = () => lines.filter((l) => l.includes('Still waiting for the other build of tool v1')).length;
    await eventually('the wait said twice', () => Promise.resolve(said() >= 2 || undefined));
    assert.match(
      lines[0] ?? '',
      new RegExp(`Waiting for another process that is building tool v1 .*its log: ${log}`),
    );
    assert.match(
      lines.find((l) => l.includes('Still waiting')) ?? '',
      new RegExp(`Still waiting for the other build of tool v1: \\d+s elapsed; its log: ${log}`),
    );
    // The other process finishes: its binary in place, its lock gone. This one builds nothing.
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'tool'), '');
    rmSync(`${outDir}.lock`, { recursive: true });
    await waiting;
    assert.ok(!lines.some((l) => l.includes('Building tool v1')), 'not built a second time');
  } finally {
    process.stderr.write = write;
    rmSync(root, { recursive: true, force: true });
  }
});
