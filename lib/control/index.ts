export * from './routing';
export * from './schema';
export * from './store';
export * from './gates';
export * from './leases';
export * from './intents';
export * from './stream-progress';
export * from './roles';
