import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, configSchema, describeConfig, loadConfig } from '../../src/config.js';

test('defaults fit the IBM operator and a local Temporal', () => {
  const config = loadConfig({});
  assert.equal(config.TEMPORAL_ADDRESS, 'localhost:7233');
  assert.equal(config.ICARUS_PORT, 4567);
  assert.equal(config.ICARUS_GENERATION, 'auto');
  assert.deepEqual(config.WATCH_NAMESPACES, []);
  assert.match(config.POD_SELECTOR, /cassandra-cluster-instance=\{cluster\}/);
  assert.ok(Object.isFrozen(config));
});

test('values are parsed into their types', () => {
  const config = loadConfig({
    WATCH_NAMESPACES: 'prod, staging,',
    ICARUS_PORT: '4568',
    ICARUS_GENERATION: '2',
    TEMPORAL_TLS: 'true',
    STATUS_WRITES_PER_SECOND: '0.5',
  });
  assert.deepEqual(config.WATCH_NAMESPACES, ['prod', 'staging']);
  assert.equal(config.ICARUS_PORT, 4568);
  assert.equal(config.ICARUS_GENERATION, 2);
  assert.equal(config.TEMPORAL_TLS, true);
  assert.equal(config.STATUS_WRITES_PER_SECOND, 0.5);
});

test('every invalid variable is reported at once', () => {
  assert.throws(
    () =>
      loadConfig({
        ICARUS_PORT: '70000',
        LOG_LEVEL: 'loud',
        TEMPORAL_TLS: 'yes',
        TEMPORAL_UI_URL: 'not a url',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /4 problem/);
      for (const key of ['ICARUS_PORT', 'LOG_LEVEL', 'TEMPORAL_TLS', 'TEMPORAL_UI_URL'])
        assert.match(err.message, new RegExp(key));
      return true;
    },
  );
});

test('every variable is documented', () => {
  const table = describeConfig();
  for (const line of table.split('\n').slice(2)) assert.match(line, /^\| `[A-Z_]+` \| .* \| \S.* \|$/, line);
  assert.match(table, /\| `ICARUS_PORT` \| `4567` \|/);
});

test('every configuration variable is documented in docs/operator.md', () => {
  const doc = readFileSync(new URL('../../docs/operator.md', import.meta.url), 'utf8');
  const missing = Object.keys(configSchema.shape).filter((k) => !doc.includes(`\`${k}\``));
  assert.deepEqual(missing, []);
});
