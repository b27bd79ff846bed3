/** The Temporal client layer shared by the CLI, the demo and tests: typed calls, no printing. */
export { connectTemporal, withTemporal } from './connect';
export type { Session } from './connect';
export { refusal, RequestRefused } from './errors';
export * from './migrations';
export { plan } from './plan';
export { preflight } from './preflight';
