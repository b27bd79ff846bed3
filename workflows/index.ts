export * from './preflight';
export * from './backfill';
export * from './verify';
export * from './migration';
