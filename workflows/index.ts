export * from './preflight';
export * from './preflight-api';
export * from './backfill';
export * from './backfill-api';
export * from './verify';
export * from './verify-api';
export * from './migration';
