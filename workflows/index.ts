export { backupWorkflow } from './backup.js';
export { restoreWorkflow } from './restore.js';
