// The reasons of node failures about reaching the store, from the words the real tier recorded
// (test/contract/storage-access.test.ts, test/real-tier/icarus2-secret.test.ts, bucket-checks.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storageFailureReason } from '../../../workflows/storage-failures.js';

test('refused credentials: Azure’s, S3’s through either AWS SDK, Google’s token exchange', () => {
  for (const message of [
    // esop 3.0.1's Azure client on Azurite, a wrong account key.
    'Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.',
    // esop 2.0.4 (AWS SDK v1) on MinIO, a wrong secret key.
    'com.amazonaws.services.s3.model.AmazonS3Exception: The request signature we calculated does not match the signature you provided. Check your key and signing method. (Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch; Request ID: 1; S3 Extended Request ID: 2)',
    // AWS SDK v2's form.
    'Access Denied (Service: S3, Status Code: 403, Request ID: 1)',
    'The AWS Access Key Id you provided does not exist in our records. (Service: S3, Status Code: 403, Request ID: 1) InvalidAccessKeyId',
    // google-auth-library: the JWT exchange refused.
    'Error getting access token for service account: 400 Bad Request\n{"error":"invalid_grant","error_description":"Invalid JWT Signature."}',
  ]) {
    assert.equal(storageFailureReason(message), 'StorageAccessDenied', message);
  }
});

test('an unreachable store: refused connections, names that do not resolve, timeouts', () => {
  for (const message of [
    'An unknown failure occurred : Connection refused',
    'Unable to execute HTTP request: Connect to 127.0.0.1:1 [/127.0.0.1] failed: Connection refused (Connection refused)',
    'java.net.UnknownHostException: nosuchaccount.blob.core.windows.net',
    'Unable to execute HTTP request: s3.nowhere.example: Name or service not known',
    'connect timed out',
  ]) {
    assert.equal(storageFailureReason(message), 'StorageUnreachable', message);
  }
});

test('a restore phase’s bucket check not made: BucketCheckFailed', () => {
  assert.equal(
    storageFailureReason('Unable to determine if the bucket cbo-access-x1 exists.'),
    'BucketCheckFailed',
  );
});

test('anything else is none of these: a missing bucket, a failed upload, a dropped table, an empty message', () => {
  for (const message of [
    'Bucket b does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!',
    'Unable to upload some files successfully: c/dc1/h/data/ks/t-1/nb-1-big-Data.db',
    'Tables [ks.t] to process are not present in Cassandra.',
    'operation 1 ended FAILED',
    '',
  ]) {
    assert.equal(storageFailureReason(message), undefined, message);
  }
});
