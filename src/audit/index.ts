export { auditMigrations } from './tables.ts';
export { listAudit, recordAudit, systemActor, type Actor, type AuditEvent } from './log.ts';
