import assert from 'node:assert/strict';
import { test } from 'node:test';
import { icarusClients } from '../../../activities/deps.js';

test('Icarus clients are reused per endpoint, and only the most recently used ones are kept', () => {
  const client = icarusClients(1000, undefined, 2);
  const a = client('http://10.0.0.1:4567');
  assert.equal(client('http://10.0.0.1:4567'), a);
  const b = client('http://10.0.0.2:4567');
  client('http://10.0.0.1:4567'); // a is the most recent now
  client('http://10.0.0.3:4567'); // over the bound: b, the least recently used, goes
  assert.equal(client('http://10.0.0.1:4567'), a);
  assert.notEqual(client('http://10.0.0.2:4567'), b, 'a client per endpoint ever seen would be kept');
});
