// The worker's workflow bundle.
export { backupWorkflow } from './backup.js';
