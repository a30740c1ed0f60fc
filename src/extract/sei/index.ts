/** The SEI HTTP side: client, retry policy, request budget, in-flight limit, errors. */
export type { RequestBudget } from './budget.js';
export * from './client.js';
export * from './errors.js';
export * from './in-flight.js';
export * from './retry.js';
export * from './token-bucket.js';
export type * from './types.js';
