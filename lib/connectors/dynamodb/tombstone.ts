/**
 * A deleted key of a versioned entity stays in the table as a tombstone item: its key, the version
 * deleted and this marker. DynamoDB has no multi-item transactions on every server (dynalite has
 * none), so the tombstone lives in the item itself, and one conditional write both guards the
 * version and respects the delete: an older write never re-creates a deleted key, a newer one
 * replaces the tombstone. Every read leaves tombstones out.
 */
export const TOMBSTONE = '__switchyard_deleted';
