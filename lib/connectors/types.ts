import type { Value } from '../mapping/values';

/**
 * The connector contract shared by backfill, verification, reconciliation, the router and CDC.
 *
 * Records crossing this interface are always in the *target shape*: the entity's mapping has been
 * applied (renames, drops, transforms, defaults, embedded children under their array field). A
 * source side maps on read (and maps back on write); a target side stores them as they are. So a
 * record, a hash or a key means the same thing on both sides and can be compared directly.
 */
export type MappedRecord = { [field: string]: Value };

/**
 * One key value, JSON-safe because keys travel through Temporal history (range bounds, heartbeat
 * cursors). Plain JSON for strings (text, uuid) and numbers that fit int32/double; MongoDB
 * extended-JSON wrappers for the rest, so a bigint above 2^53 never passes through a double:
 *   int8 / Long → {"$numberLong": "9007199254740993"}   ObjectId → {"$oid": "65f0…"}
 */
export type KeyPart = string | number | boolean | { $numberLong: string } | { $oid: string };

/** A key is always an array in key-field order, also for a single-field key: [42], ["acme", 7]. */
export type Key = KeyPart[];

/** from inclusive, to exclusive; a missing bound is open. */
export interface KeyRange {
  from?: Key;
  to?: Key;
}

export interface ReadRequest extends KeyRange {
  /** Resume strictly after this key (the lastKey of the previous page, or a heartbeat cursor). */
  after?: Key;
  /** At most this many parent records per page. */
  limit: number;
  /** Stop adding records once their encoded size reaches this budget (at least one is returned). */
  maxBytes?: number;
}

export interface ReadResult {
  records: MappedRecord[];
  /** Key of the last record returned; absent when the range is exhausted. */
  lastKey?: Key;
  /** Approximate encoded size of the page, for throughput metrics. */
  bytes: number;
  /** Records in the range that cannot be mapped exactly; pass them to the target's quarantine(). */
  rejected: QuarantineEntry[];
}

/** A record that cannot be stored faithfully, kept with the reason instead of being dropped or coerced. */
export interface QuarantineEntry {
  entity: string;
  key: Key;
  reason: string;
  /** The record as MongoDB extended JSON (canonical mode, so no type is lost). */
  document: string;
}

export interface WriteOptions {
  /** Compare the version field and never replace a newer (or equal) row/document. Default true. */
  versionGuard?: boolean;
}

export interface WriteResult {
  /** Inserted or replaced. */
  written: number;
  /** Left alone because the stored version is newer or equal (a re-run counts everything here). */
  skipped: number;
  /** Records that cannot be stored faithfully; recorded in switchyard_quarantine (PostgreSQL targets). */
  quarantined: number;
}

export interface HashResult {
  count: number;
  /** sha256 hex over the canonical form of every record in key order; equal on both sides iff the data is. */
  hash: string;
}

/** One side (source or target) of one entity. Open with openSource / openTarget (lib/connectors). */
export interface EntityConnector {
  readonly entity: string;
  readonly side: 'source' | 'target';
  readonly kind: 'postgres' | 'mongodb';
  /** The key of a mapped record, as it appears in ranges and cursors. */
  keyOf(record: MappedRecord): Key;
  readRange(request: ReadRequest): Promise<ReadResult>;
  /** n contiguous ranges covering the whole key space, of similar size (fewer when the entity is small). */
  splitRanges(n: number): Promise<KeyRange[]>;
  hashRange(range: KeyRange): Promise<HashResult>;
  /** Records for these keys, in key order (MongoDB: in the order of `keys`); missing keys are absent. Match results by keyOf. */
  fetchByKeys(keys: Key[]): Promise<MappedRecord[]>;
  writeBatch(records: MappedRecord[], options?: WriteOptions): Promise<WriteResult>;
  /**
   * These records as this side would store them and read them back (under its declared column
   * types); verification compares source records in this form. Absent where records are stored
   * as they are.
   */
  storedForm?(records: MappedRecord[]): Promise<MappedRecord[]>;
  /** Records quarantine entries (switchyard_quarantine table or collection); idempotent per entity and key. */
  quarantine(entries: QuarantineEntry[]): Promise<number>;
  /** Deletes these keys (and embedded child rows); returns how many parents were removed. */
  deleteKeys(keys: Key[]): Promise<number>;
  count(range?: KeyRange): Promise<number>;
  /** Fast estimate from statistics (pg_class.reltuples, estimatedDocumentCount). */
  estimate(): Promise<number>;
}

/** One page moved by a DirectCopier: counted like readRange + writeBatch (nothing is quarantined). */
export interface DirectPage {
  /** Rows read from the source. */
  rows: number;
  written: number;
  skipped: number;
  /** Size of the page as it travelled (COPY text). */
  bytes: number;
  /** As in ReadResult: the key of the last row, absent when the range is exhausted. */
  lastKey?: Key;
}

/**
 * Copies a range page by page from source to target inside the databases, rows never decoded in
 * Node: the same version guard, key order and resume cursors as readRange followed by writeBatch.
 * Exists only where that gives the same stored bytes (openDirectCopy decides). `maxBytes` is not
 * needed: rows stream through and are never held in memory.
 */
export interface DirectCopier {
  copyPage(request: ReadRequest, options?: WriteOptions): Promise<DirectPage>;
}
