export * from './values';
export * from './canonical';
export * from './entity';
export { FidelityError } from './errors';
