import { BSON } from 'mongodb';
import { FidelityError } from '../../mapping/errors';

/**
 * MongoDB's document limit (maxBsonObjectSize). The driver refuses a larger document for the whole
 * insertMany, so one parent with too many embedded children would fail every batch it is in.
 */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Why `doc` cannot be stored, when it is over MongoDB's document limit. Sizing a document costs about
 * as much as serializing it, so writers call this only after a write failed, not on every document.
 */
export function oversizeReason(doc: BSON.Document): string | undefined {
  const bytes = BSON.calculateObjectSize(doc);
  return bytes > MAX_DOCUMENT_BYTES
    ? new FidelityError('(whole document)', `${bytes} bytes; MongoDB stores at most ${MAX_DOCUMENT_BYTES} bytes per document`).message
    : undefined;
}

/** Quarantine keeps the start of a record too large to store whole, so the entry itself fits. */
const KEPT_CHARS = 1024 * 1024;

export function storableExtendedJson(document: string): string {
  return document.length <= KEPT_CHARS ? document : `${document.slice(0, KEPT_CHARS)}… (${document.length} characters in all; cut to fit)`;
}
