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

export interface FetchResult {
  records: MappedRecord[];
  /** Stored records that cannot be mapped exactly; quarantine them, never delete their keys elsewhere. */
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
  /**
   * Compare the version field and never replace a newer (or equal) row/document, nor re-create a
   * deleted one whose version is not newer than its tombstone. Default true.
   */
  versionGuard?: boolean;
  /**
   * Under the guard, also replace a stored record of the same version (tombstones still refuse
   * it): a CDC re-read after a child row changed, whose parent version did not move, or of a key
   * deleted and re-inserted in one batch. Never replaces a newer version.
   */
  replaceEqual?: boolean;
  /** Replace stored records only, never insert: an update racing a delete must not re-create the row. */
  existingOnly?: boolean;
}

export interface DeleteOptions {
  /**
   * Versioned entities: remove a stored record only if its version is at most this one (null:
   * remove none); a newer record, written by a racing insert, is kept and listed in `kept`. The
   * tombstone records this version either way, so an older write arriving later is refused.
   * Absent: remove what is stored, the tombstone recording its version.
   */
  upTo?: Value | null;
}

export interface DeleteResult {
  /** Parents removed. */
  deleted: number;
  /** Keys left in place because they hold a version newer than `upTo`. */
  kept: Key[];
  /** The newest version removed (for a one-key delete: that record's version), absent if none was. */
  removedVersion?: Value;
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

/** A key range to summarize into `buckets` (a power of two), each row's bucket a hash of its key. */
export interface DigestRequest extends KeyRange {
  buckets: number;
}

/**
 * An order-independent summary of a range: per bucket (the array index) the row count and the sum
 * modulo 2^64 of the row hashes, as 16 hex digits. Equal on both sides iff (up to hash collisions)
 * the buckets hold the same rows, however each side's scan ordered them.
 */
export interface BucketDigests {
  rows: number;
  counts: number[];
  sums: string[];
}

/** One row of a differing bucket: its key and row hash (16 hex digits). */
export interface RowHash {
  key: Key;
  hash: string;
}

/**
 * Summarizes one side in one scan (verification, docs/architecture.md). Every connector has the
 * worker-side streaming form (lib/connectors/digest.ts: canonical records, the same on every
 * engine); an engine may compute that same form faster on its side, and a pair of like databases
 * may use a form of its own (lib/connectors/digest-pair.ts). Only digests of one form are compared.
 */
export interface DigestSummarizer {
  /** Its range scans read the whole store whatever the bounds (FerretDB 1.x): verification then plans one segment. */
  readonly wholeScans?: boolean;
  digestRange(request: DigestRequest): Promise<BucketDigests>;
  /** Key and row hash of each row of the range in buckets `only`, in key order: narrows a differing bucket to its keys. */
  bucketRows(request: DigestRequest & { only: number[] }): Promise<RowHash[]>;
}

/** One side (source or target) of one entity. Open with openSource / openTarget (lib/connectors). */
export interface EntityConnector extends DigestSummarizer {
  readonly entity: string;
  readonly side: 'source' | 'target';
  readonly kind: string;
  /** The key of a mapped record, as it appears in ranges and cursors. */
  keyOf(record: MappedRecord): Key;
  readRange(request: ReadRequest): Promise<ReadResult>;
  /** n contiguous ranges covering the whole key space, of similar size (fewer when the entity is small). */
  splitRanges(n: number): Promise<KeyRange[]>;
  hashRange(range: KeyRange): Promise<HashResult>;
  /**
   * Records for these keys, in key order (MongoDB: in the order of `keys`); missing keys are in
   * neither list. Match results by keyOf. A stored record that cannot be mapped exactly is in
   * `rejected`: it exists, so a caller must never treat its key as deleted.
   */
  fetchByKeys(keys: Key[]): Promise<FetchResult>;
  writeBatch(records: MappedRecord[], options?: WriteOptions): Promise<WriteResult>;
  /**
   * These records as this side would store them and read them back (under its declared column
   * types); verification compares source records in this form. Absent where records are stored
   * as they are.
   */
  storedForm?(records: MappedRecord[]): Promise<MappedRecord[]>;
  /** Records quarantine entries (switchyard_quarantine table or collection); idempotent per entity and key. */
  quarantine(entries: QuarantineEntry[]): Promise<number>;
  /** How many of this entity's records this side's quarantine holds (0 when it was never created). */
  quarantined(): Promise<number>;
  /**
   * Deletes these keys (and embedded child rows). A versioned entity keeps a tombstone per key
   * (switchyard_tombstones, table or collection) with the version deleted, written with the delete,
   * so that no older write on any path (backfill, dual write, reconcile, CDC, copy-back) brings
   * the record back.
   */
  deleteKeys(keys: Key[], options?: DeleteOptions): Promise<DeleteResult>;
  /**
   * The version each of these keys' tombstones records (keyText → version, as records carry it);
   * keys without one are absent. What a delete copied from this side may be bounded by. Only
   * target sides offer it (their records are stored as they are, so the version needs no mapping).
   */
  deletedVersions?(keys: Key[]): Promise<Map<string, Value>>;
  count(range?: KeyRange): Promise<number>;
  /** Fast estimate from statistics (pg_class.reltuples, estimatedDocumentCount). */
  estimate(): Promise<number>;
  /**
   * Decommission: renames this side's table(s) (parent and embedded children) or collection to
   * retired names (lib/connectors/retired-name.ts), so nothing writes them any more while they
   * are kept; an engine that cannot rename (DynamoDB, Cassandra) marks the table retired instead
   * (RETIRED_MARK). Idempotent: what is already retired is listed again.
   */
  retire(tag: string): Promise<RetiredName[]>;
  /** Renames retired tables or the collection back, or removes the mark (a rollback within the retention period); idempotent. */
  restore(tag: string): Promise<RetiredName[]>;
  /** Drops what retire renamed or marked, and only that; returns what was dropped (nothing when nothing is retired). */
  drop(tag: string): Promise<RetiredName[]>;
}

/** A table or collection and the name it is retired under. */
export interface RetiredName {
  name: string;
  /** The name itself where the engine retires by marking. */
  retiredAs: string;
  /** The mark a table retired in place carries (`switchyard-retired=<tag>`: a DynamoDB tag, a Cassandra table comment). */
  mark?: string;
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
