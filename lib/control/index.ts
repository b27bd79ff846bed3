export * from './routing';
export * from './schema';
export * from './store';
export * from './gates';
