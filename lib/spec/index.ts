export * from './schema';
export * from './duration';
export * from './lifecycle';
