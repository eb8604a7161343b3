// The CassandraBackup and CassandraRestore API: the single source of the CRDs in k8s/crds/ and of the
// TypeScript model in ./generated.ts (both written by `npm run gen:api`; a test fails when either
// differs from what this file produces).
//
// Field names, types and meanings are those of the IBM cassandra-operator (db.ibm.com/v1alpha1), so
// its manifests work unchanged. Fields added here are marked "(added)". Validation runs on the API
// server: structural schema plus CEL rules whose messages say what to write instead.
//
// Each kind in its own file under ./definitions/, the shared field and status schemas beside them.
import { cassandraBackup } from './definitions/backup.js';
import { cassandraRestore } from './definitions/restore.js';
import { cassandraBackupSchedule, SCHEDULE_NAME_MAX } from './definitions/schedule.js';
import { cassandraBackupSync } from './definitions/sync.js';

export { cassandraBackup, cassandraRestore, cassandraBackupSchedule, cassandraBackupSync, SCHEDULE_NAME_MAX };

export const definitions = [cassandraBackup, cassandraRestore, cassandraBackupSchedule, cassandraBackupSync];
