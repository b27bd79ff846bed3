export * from './types';
export { toKeyPart, fromKeyPart, keyText } from './keys';
export { openSource, openTarget } from './open';
export { openDirectCopy } from './direct';
