import { z } from 'zod';
import { CONNECTION_NAME } from '../connections';
import { hooksSchema } from './hooks';
import { IDENTIFIER, IDENTIFIER_RULE, QUALIFIED_NAME, QUALIFIED_NAME_RULE, RESERVED_NAMES, RESERVED_RULE } from '../sql/identifiers';
import { lifecycleFields } from './lifecycle';

const field = z
  .string()
  .regex(IDENTIFIER, IDENTIFIER_RULE)
  .refine((name) => !RESERVED_NAMES.has(name), RESERVED_RULE);
const table = z.string().regex(QUALIFIED_NAME, QUALIFIED_NAME_RULE);
const collection = z.string().regex(IDENTIFIER, IDENTIFIER_RULE);
const keyFields = z.array(field).min(1, 'at least one key field');

const sideSchema = z.strictObject({
  connection: z
    .string()
    .regex(CONNECTION_NAME, 'a connection name such as "SOURCE" (upper-case letters, digits, _); its URL comes from SWITCHYARD_CONN_<NAME>'),
  /** MongoDB only: the database; PostgreSQL uses the database of the connection URL. */
  database: field.optional(),
  /**
   * MongoDB only. FerretDB 1.x rejects Decimal128, NaN and ±Infinity, so with "ferretdb" numeric
   * values are stored as decimal strings and non-finite doubles as "NaN"/"Infinity"/"-Infinity".
   */
  dialect: z.enum(['mongodb', 'ferretdb']).default('mongodb'),
});

/** Where records come from or go to: exactly one of table (PostgreSQL) or collection (MongoDB). */
const endpointShape = {
  table: table.optional(),
  collection: collection.optional(),
  /** Key fields in key order; defaults to ["_id"] for a collection, required for a table. */
  key: keyFields.optional(),
  /** A field that grows on every change (updated_at or a version number): the version guard compares it. */
  version: field.optional(),
};

function exactlyOneStore(e: { table?: string; collection?: string }, ctx: z.RefinementCtx) {
  if (!!e.table === !!e.collection) {
    ctx.addIssue({ code: 'custom', path: ['table'], message: 'exactly one of "table" (PostgreSQL) or "collection" (MongoDB)' });
  }
}

const fromSchema = z.strictObject(endpointShape).superRefine((e, ctx) => {
  exactlyOneStore(e, ctx);
  if (e.table && !e.key) ctx.addIssue({ code: 'custom', path: ['key'], message: 'the key columns of the table, e.g. ["id"]' });
});
const toSchema = z.strictObject(endpointShape).superRefine(exactlyOneStore);

/** source field → target field; null drops the field. Unlisted fields keep their name. */
const fieldMapSchema = z.record(field, field.nullable());

export const CAST_TYPES = ['string', 'number', 'bigint', 'decimal', 'boolean', 'timestamp'] as const;

const transformSchema = z.union(
  [
    z.strictObject({ split: field, into: z.array(field).min(2), separator: z.string().min(1) }),
    z.strictObject({ concat: z.array(field).min(2), into: field, separator: z.string().min(1) }),
    z.strictObject({ cast: field, from: z.enum(CAST_TYPES), to: z.enum(CAST_TYPES) }),
  ],
  { error: 'a transform: {"split","into","separator"}, {"concat","into","separator"} or {"cast","from","to"}' },
);

/**
 * Child rows: PostgreSQL → MongoDB embeds rows of `table` whose foreignKey equals the parent key as
 * the array `as`; MongoDB → PostgreSQL unwinds that array into rows of `table`.
 */
const embedSchema = z.strictObject({
  table,
  key: keyFields,
  foreignKey: field,
  as: field,
  fields: fieldMapSchema.default({}),
});

const zoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as "UTC" or "Europe/Berlin"');

const entitySchema = z
  .strictObject({
    name: field,
    from: fromSchema,
    to: toSchema,
    fields: fieldMapSchema.default({}),
    transforms: z.array(transformSchema).default([]),
    /** Values for target fields the source does not have (or has as null). */
    defaults: z.record(field, z.json()).default({}),
    embed: z.array(embedSchema).default([]),
    /** A mutable entity needs a version field so backfill cannot overwrite fresher writes. */
    mutable: z.boolean().default(true),
    /** Zone of timestamp-without-time-zone columns. */
    timestampZone: zoneSchema.default('UTC'),
    /** Sub-millisecond digits MongoDB dates cannot hold: kept in a "<field>__us" sibling, or dropped on request. */
    microseconds: z.enum(['keep', 'truncate']).default('keep'),
  })
  .superRefine((e, ctx) => {
    if (e.mutable && !e.from.version) {
      ctx.addIssue({
        code: 'custom',
        path: ['from', 'version'],
        message: 'a version field (e.g. "updated_at"), or "mutable": false for an append-only entity',
      });
    }
    if (e.embed.length && !!e.from.table === !!e.to.table) {
      ctx.addIssue({ code: 'custom', path: ['embed'], message: 'embedding needs one PostgreSQL side and one MongoDB side' });
    }
    // Child rows link to their parent through one foreign-key column holding the parent's key.
    const parentTable = e.from.table ?? e.to.table ?? e.name;
    const parentKey = (e.from.table ? e.from.key : (e.to.key ?? e.from.key)) ?? ['_id'];
    if (e.embed.length && parentKey.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['embed'],
        message: `embedding needs a single-column parent key; ${parentTable} has ${parentKey.length} (${parentKey.join(', ')})`,
      });
    }
  });

const backfillSchema = z
  .strictObject({
    batchSize: z.number().int().min(1).max(100_000).default(2000),
    concurrency: z.number().int().min(1).max(64).default(4),
    /** 0 = unthrottled. */
    maxRowsPerSecond: z.number().int().min(0).default(0),
    maxBatchBytes: z
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
  })
  .prefault({});

export const migrationSpecSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _, at most 63 characters'),
    source: sideSchema,
    target: sideSchema,
    control: z.strictObject({ connection: sideSchema.shape.connection }),
    entities: z.array(entitySchema).min(1, 'at least one entity'),
    backfill: backfillSchema,
    ...lifecycleFields,
    /** Routing hooks (lib/spec/hooks.ts): cache invalidation and webhooks on phase changes and rollback. */
    hooks: hooksSchema,
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.entities.forEach((e, i) => {
      if (e.from.collection && !spec.source.database)
        ctx.addIssue({ code: 'custom', path: ['source', 'database'], message: `the MongoDB database (entity "${e.name}" reads a collection)` });
      if (e.to.collection && !spec.target.database)
        ctx.addIssue({ code: 'custom', path: ['target', 'database'], message: `the MongoDB database (entity "${e.name}" writes a collection)` });
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', path: ['entities', i, 'name'], message: `a unique entity name ("${e.name}" is used twice)` });
      seen.add(e.name);
    });
  });

export type MigrationSpec = z.infer<typeof migrationSpecSchema>;
export type EntitySpec = MigrationSpec['entities'][number];
export type EmbedSpec = EntitySpec['embed'][number];
export type TransformSpec = EntitySpec['transforms'][number];
export type SideSpec = MigrationSpec['source'];
export type CastType = (typeof CAST_TYPES)[number];

export type ParseResult = { ok: true; spec: MigrationSpec } | { ok: false; problems: string[] };

export function parseSpec(json: unknown): ParseResult {
  const protoKeys = protoKeyProblems(json, []);
  const result = migrationSpecSchema.safeParse(json);
  if (result.success && !protoKeys.length) return { ok: true, spec: result.data };
  return { ok: false, problems: [...protoKeys, ...(result.success ? [] : result.error.issues.flatMap(describeIssue))] };
}

/** zod skips a "__proto__" key of a record without a word (JSON.parse makes it an own key), so every one is looked for here. */
function protoKeyProblems(value: unknown, path: PropertyKey[]): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((k) => [
    ...(k === '__proto__' ? [`${formatPath([...path, k])}: the field name must be ${RESERVED_RULE}`] : []),
    ...protoKeyProblems((value as Record<string, unknown>)[k], [...path, Array.isArray(value) ? Number(k) : k]),
  ]);
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(spec)';
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // protoKeyProblems reports every "__proto__" key already.
    return issue.keys.filter((k) => k !== '__proto__').map((k) => `${formatPath([...issue.path, k])}: unknown field (remove it or fix its spelling)`);
  }
  if (issue.code === 'invalid_key') return [`${formatPath(issue.path)}: the field name must be ${issue.issues[0]?.message ?? IDENTIFIER_RULE}`];
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${formatPath(issue.path)}: required, ${expected(issue)}`];
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

function expected(issue: z.core.$ZodIssueInvalidType): string {
  return `expected ${issue.expected}`;
}
