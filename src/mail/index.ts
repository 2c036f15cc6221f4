export { mailMigrations } from './tables.ts';
export { enqueueEmail, sendPendingEmails, type OutboundEmail, type SendResult } from './outbox.ts';
