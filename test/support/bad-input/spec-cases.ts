// The bad-input cases of the spec: storage locations and Secrets (missing, lacking a key, of another
// provider), protocols and bucket names; durations and numbers; names that are no label values, unicode,
// too long or with dots.
import { randomInt } from 'node:crypto';
import { backup, longName, s3Spec, type Case } from './case.js';
import type { BadInputWorld } from './world.js';

export function specCases(world: BadInputWorld): Case[] {
  const s3 = s3Spec(world.mainName);

  return [
    // Storage and credentials
    backup({
      name: 'Secret missing',
      spec: () => s3({ secretName: 'no-such-secret' }),
      reason: 'SecretNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['Secret no-such-secret not found'],
    }),
    backup({
      name: 'Secret lacks a key of its provider',
      spec: () => s3({ secretName: 'aws-half' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret aws-half lacks awssecretaccesskey needed for s3'],
    }),
    backup({
      name: 'S3 Secret for a gcp:// location',
      spec: () => s3({ storageLocation: 'gcp://bad-input' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret creds lacks gcp needed for gcp', 'holds keys of another provider'],
    }),
    backup({
      name: 'azure Secret without its key',
      spec: () => s3({ storageLocation: 'azure://bad-input', secretName: 'azure-half' }),
      reason: 'SecretMissingKeys',
      succeeded: 'False',
      messageIncludes: ['Secret azure-half lacks azurestoragekey needed for azure'],
    }),
    backup({
      name: 'unknown protocol ftp://',
      spec: () => s3({ storageLocation: 'ftp://bucket' }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://bucket has no supported protocol'],
    }),
    backup({
      name: 'path Icarus cannot parse',
      spec: () => s3({ storageLocation: 's3://bucket/a/b' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['storageLocation s3://bucket/a/b', 'use s3://bucket'],
    }),
    backup({
      name: 'file:// without a folder',
      spec: () => s3({ storageLocation: 'file://bucket' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['storageLocation file://bucket', 'needs a folder and a bucket'],
    }),
    backup({
      name: 'bucket name of 300 characters',
      spec: () => s3({ storageLocation: `s3://${'b'.repeat(300)}` }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: [`bucket ${'b'.repeat(300)} is not a valid s3 bucket name`],
    }),
    backup({
      name: 'unicode bucket name',
      spec: () => s3({ storageLocation: 's3://sauvegardes-été' }),
      reason: 'InvalidStorageLocation',
      succeeded: 'False',
      messageIncludes: ['bucket sauvegardes-été is not a valid s3 bucket name'],
    }),
    backup({
      name: 'storageLocation over 1024 characters',
      spec: () => s3({ storageLocation: `s3://bucket/${'x'.repeat(1100)}` }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.storageLocation'],
    }),
    // Durations and numbers
    backup({
      name: 'duration not "<amount> <unit>"',
      spec: () => s3({ duration: '2 fortnights' }),
      reason: 'InvalidDuration',
      succeeded: 'False',
      messageIncludes: ['duration "2 fortnights"'],
    }),
    backup({
      name: 'bandwidth in an unknown unit',
      spec: () => s3({ bandwidth: { value: 10, unit: 'TBPS' } }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.bandwidth.unit'],
    }),
    backup({
      name: 'timeout as text ("5h")',
      spec: () => s3({ timeout: '5h' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.timeout'],
    }),
    // Names
    backup({
      name: 'no cassandraCluster at all',
      spec: () => ({ storageLocation: 's3://bad-input', secretName: 'creds' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster'],
    }),
    backup({
      name: 'cluster name not a label value',
      spec: () => s3({ cassandraCluster: 'Ring With Spaces' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: [
        'spec.cassandraCluster: cassandraCluster must be a label value',
        'got "Ring With Spaces"',
      ],
    }),
    backup({
      name: 'cluster name that extends the pod selector',
      spec: () => s3({ cassandraCluster: 'x,cassandra-cluster-component=cassandra' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: [
        'spec.cassandraCluster: cassandraCluster must be a label value',
        'got "x,cassandra-cluster-component=cassandra"',
      ],
    }),
    backup({
      name: 'unicode cluster name',
      spec: () => s3({ cassandraCluster: 'кластер' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster: cassandraCluster must be a label value', 'got "кластер"'],
    }),
    backup({
      name: 'cluster name of 300 characters',
      spec: () => s3({ cassandraCluster: 'c'.repeat(300) }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.cassandraCluster: Too big'],
    }),
    backup({
      name: 'unicode snapshotTag',
      spec: () => s3({ snapshotTag: 'ночной' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.snapshotTag: snapshotTag may hold letters', 'got "ночной"'],
    }),
    backup({
      name: 'unicode keyspace in entities',
      spec: () => s3({ entities: 'магазин' }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.entities: entities must list keyspaces', 'got "магазин"'],
    }),
    backup({
      name: 'resource name of 253 characters (Secret missing)',
      resource: longName('bad'),
      spec: () => s3({ secretName: 'no-such-secret-either' }),
      reason: 'SecretNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['Secret no-such-secret-either not found'],
    }),
    backup({
      name: 'resource name with dots (ftp://)',
      resource: `nightly.${randomInt(1000, 9999)}.2026.01.02`,
      spec: () => s3({ storageLocation: 'ftp://dots' }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://dots has no supported protocol'],
    }),
  ];
}
