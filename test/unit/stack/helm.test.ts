// Where the pinned helm is cached, and HELM_PATH for a machine without Go (test/deploy/helm-*.test.ts
// build and run the real one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELM_VERSION, helmPaths, resolveHelm } from '../../../dev/stack/helm.js';

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('helm is cached in a folder of its pinned version', async () => {
  assert.match(HELM_VERSION, /^v3\.\d+\.\d+$/);
  assert.deepEqual(await withEnv({ CBO_CACHE_DIR: '/cache-root' }, helmPaths), {
    dir: `/cache-root/tools/helm-${HELM_VERSION}`,
    executable: `/cache-root/tools/helm-${HELM_VERSION}/helm`,
  });
});

test('HELM_PATH is used as it is, and refused, naming it, when it is no executable', async () => {
  const given = await withEnv({ HELM_PATH: process.execPath }, resolveHelm);
  assert.deepEqual(given, { path: process.execPath, version: HELM_VERSION, source: 'HELM_PATH' });
  await withEnv({ HELM_PATH: '/nonexistent/helm' }, () =>
    assert.rejects(resolveHelm(), /HELM_PATH=\/nonexistent\/helm is not an executable file/),
  );
});
