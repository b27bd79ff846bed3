import { BSON } from 'mongodb';
import type { Key, QuarantineEntry } from './types';

export function quarantineEntry(entity: string, key: Key, reason: string, document: unknown): QuarantineEntry {
  return { entity, key, reason, document: BSON.EJSON.stringify(document as object, { relaxed: false }) };
}
