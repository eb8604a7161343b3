export { backupWorkflow } from './backup.js';
export { restoreWorkflow } from './restore.js';
export { scheduledBackupWorkflow } from './scheduled-backup.js';
export { backupRemovalWorkflow } from './backup-removal.js';
export { backupSyncWorkflow } from './backup-sync.js';
