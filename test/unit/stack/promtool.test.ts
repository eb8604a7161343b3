// Where promtool comes from: PROMTOOL_PATH when set (refused with what to do when it is not an
// executable), else the cache of the pinned version, else a Go build; without Go, an error that names
// both ways out. The build itself is exercised by test/monitoring (npm test builds it cold).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROMETHEUS_MODULE_VERSION, resolvePromtool } from '../../../dev/stack/promtool.js';

/** Runs `body` with these environment variables (undefined: unset), then puts them back. */
async function withEnv(env: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    await body();
  } finally {
    set(saved);
  }
}

test('PROMTOOL_PATH: used as it is when executable, refused with what to do when not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cbo-promtool-'));
  const tool = join(dir, 'promtool');
  writeFileSync(tool, '#!/bin/sh\n');
  await withEnv({ PROMTOOL_PATH: tool }, async () => {
    await assert.rejects(resolvePromtool(), /PROMTOOL_PATH=.*promtool is not an executable file.*unset it/);
    chmodSync(tool, 0o755);
    assert.deepEqual(await resolvePromtool(), {
      path: tool,
      version: PROMETHEUS_MODULE_VERSION,
      source: 'PROMTOOL_PATH',
    });
  });
});

test('the cached build of the pinned version is used without Go; with neither, the error names Go and PROMTOOL_PATH', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'cbo-promtool-cache-'));
  await withEnv({ PROMTOOL_PATH: undefined, CBO_CACHE_DIR: cache, PATH: '/nonexistent' }, async () => {
    await assert.rejects(
      resolvePromtool(),
      /promtool v0\.316\.0 is needed and cannot be built here: go is not on PATH\. Install Go 1\.26\.7 or newer, or set PROMTOOL_PATH=\/path\/to\/promtool/,
    );
    const dir = join(cache, 'tools', `promtool-${PROMETHEUS_MODULE_VERSION}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'promtool'), '#!/bin/sh\n', { mode: 0o755 });
    assert.deepEqual(await resolvePromtool(), {
      path: join(dir, 'promtool'),
      version: PROMETHEUS_MODULE_VERSION,
      source: 'cache',
    });
  });
});
