import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generationFromVersion } from '../../../src/icarus/generation.js';

test('the Icarus generation is read from /version', () => {
  assert.equal(generationFromVersion({ version: '3.0.0', buildTime: 'x', gitCommit: 'y' }), 3);
  assert.equal(generationFromVersion({ version: '2.0.4' }), 2);
  assert.equal(generationFromVersion({ version: 'icarus-node 0.1.0 (esop 3.0.1, sidecar-common 2.0.0)' }), 3);
  assert.equal(generationFromVersion({ version: '3.0.0-simulated' }), 3);
  assert.equal(generationFromVersion({ version: 'dev' }), undefined);
  assert.equal(generationFromVersion({ version: '1.0.7' }), undefined);
});
