import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.js';

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

test('docs/configuration.md is generated from the schema: every variable with its default', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const rows = new Map(
    doc
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((cell) => cell.trim()))
      .map((cells) => [cells[1], cells[2]]),
  );
  const expected = describeConfig()
    .split('\n')
    .slice(2)
    .map((l) => l.split('|').map((cell) => cell.trim()));
  for (const [, key, def] of expected) assert.equal(rows.get(key), def, `${key} in docs/configuration.md`);
  assert.equal(rows.size, expected.length, 'no variable documented that the schema lacks');
});

test('cross-variable rules: a client certificate needs its key, files must be readable', () => {
  assert.throws(
    () => loadConfig({ TEMPORAL_TLS_CERT_FILE: '/etc/hostname' }),
    /TEMPORAL_TLS_KEY_FILE: TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together/,
  );
  assert.throws(
    () => loadConfig({ TEMPORAL_API_KEY_FILE: '/nonexistent/key', HTTP_PORT: '-1' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /TEMPORAL_API_KEY_FILE: not a readable file/.test(err.message) &&
      /HTTP_PORT/.test(err.message),
  );
  const mtls = loadConfig({
    TEMPORAL_TLS_CERT_FILE: '/etc/hostname',
    TEMPORAL_TLS_KEY_FILE: '/etc/hostname',
  });
  assert.equal(mtls.TEMPORAL_TLS_CERT_FILE, '/etc/hostname');
});
