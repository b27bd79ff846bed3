export * from './schema';
export * from './file';
export * from './duration';
export * from './lifecycle';
