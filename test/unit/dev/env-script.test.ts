// The sandbox's env.sh, sourced by a real shell: the stack's kubectl and temporal are the ones found.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { envScript } from '../../../dev/env-script.js';

test('sourcing env.sh sets the stack’s variables and finds its own kubectl and temporal first on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-script-'));
  try {
    const tool = (folder: string, name: string) => {
      mkdirSync(join(dir, folder), { recursive: true });
      const path = join(dir, folder, name);
      writeFileSync(path, '#!/bin/sh\n');
      chmodSync(path, 0o755);
      return path;
    };
    const kubectl = tool("kube it's", 'kubectl');
    const temporal = tool('temporal', 'temporal');
    tool('elsewhere', 'kubectl'); // another kubectl already on PATH
    const script = join(dir, 'env.sh');
    writeFileSync(script, envScript({ KUBECONFIG: '/x/kubeconfig', KUBECTL: kubectl }, [kubectl, temporal]));
    const out = execFileSync(
      'bash',
      ['-c', `source "${script}" && command -v kubectl && command -v temporal && echo "$KUBECONFIG"`],
      { env: { PATH: `${join(dir, 'elsewhere')}:/usr/bin:/bin` }, encoding: 'utf8' },
    );
    assert.deepEqual(out.trim().split('\n'), [kubectl, temporal, '/x/kubeconfig']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
