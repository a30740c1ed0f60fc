/** The BullMQ side of sei-sync: what commands and the ops server import. */
export { createRedisConnection } from './connection.js';
export {
  type EnqueueRunRequest,
  enqueueRun,
  type QueueConnection,
  type StreamRetryOptions,
} from './enqueue.js';
export { STREAM_BUSY_CODE, StreamJobError } from './processors.js';
export * from './queues.js';
export { registerSchedules, type ScheduleRegistration } from './schedules.js';
export { type ActiveRun, type QueueStatus, queueStatus, type ScheduleStatus } from './status.js';
export { type CreateWorkerOptions, createWorker, type SyncWorker } from './worker.js';
