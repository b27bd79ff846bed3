export * from './names';
export * from './preflight';
export * from './slot';
export * from './identity';
export * from './tables';
export * from './stream';
export { parseLsn, formatLsn } from './lsn';
export { decodePgOutput, UNCHANGED_TOAST } from './pgoutput';
export type { PgOutputMessage } from './pgoutput';
