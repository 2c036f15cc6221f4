export { jobsMigrations } from './tables.ts';
export { startQueue, queues, type JobQueue, type QueueOptions } from './queue.ts';
export { runHousekeeping } from './housekeeping.ts';
