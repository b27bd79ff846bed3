import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from '../../sql/identifiers';
import type { DirectPage, ReadRequest } from '../types';
import type { PgContext } from './context';
import type { ColumnPair } from './direct-columns';
import { keyOfRaw, literalRangeWhere } from './read';
import { RAW_TEXT } from './session';
import { orderBy } from './sql';
import { removeTombstoned } from './tombstones';
import { upsertSql } from './write';

export interface Side {
  client: PoolClient;
  ctx: PgContext;
}

/** Per transaction (ON COMMIT DROP), so concurrent pages on other sessions never share it. */
const STAGE = 'pg_temp.switchyard_stage';

/**
 * One keyset page: `COPY (SELECT … ORDER BY key LIMIT n) TO STDOUT` on the source streamed into
 * `COPY stage FROM STDIN` on the target, then the same guarded upsert (tombstones included) as
 * writeBatch from the stage.
 * Both clients are inside pinned transactions (session.ts), so both sides print and parse text
 * alike. The staged rows are exactly the page, so the largest staged key is the resume cursor.
 */
export async function copyDirectPage(source: Side, target: Side, columns: ColumnPair[], request: ReadRequest, versionGuard: boolean): Promise<DirectPage> {
  const limit = Math.max(1, Math.floor(request.limit));
  const targetCols = columns.map((c) => quoteIdent(c.target)).join(', ');
  // COPY takes no parameters.
  const where = literalRangeWhere(source.ctx, request);
  const select = `select ${columns.map((c) => quoteIdent(c.source)).join(', ')} from ${source.ctx.table.sql} ${where} order by ${orderBy(source.ctx.key)} limit ${limit}`;

  await target.client.query(`create temp table ${STAGE} on commit drop as select ${targetCols} from ${target.ctx.table.sql} with no data`);
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const staged = target.client.query(copyFrom(`copy ${STAGE} (${targetCols}) from stdin`));
  await pipeline(source.client.query(copyTo(`copy (${select}) to stdout`)), counted, staged);

  const { rows } = await target.client.query<Record<string, string | null>>({
    text: upsertSql(
      target.ctx,
      columns.map((c) => c.target),
      versionGuard,
      STAGE,
    ),
    types: RAW_TEXT,
  });
  // As in writeBatch: a delete that committed while the upsert waited on its row is not undone.
  const written = rows.length - (versionGuard ? await removeTombstoned(target.client, target.ctx, rows) : 0);
  const page: DirectPage = { rows: staged.rowCount, written, skipped: staged.rowCount - written, bytes };
  if (staged.rowCount >= limit) page.lastKey = await lastStagedKey(target);
  return page;
}

async function lastStagedKey(target: Side) {
  const { ctx } = target;
  const { rows } = await target.client.query<Record<string, string | null>>({
    text: `select ${ctx.key.map((k) => quoteIdent(k.name)).join(', ')} from ${STAGE} order by ${orderBy(ctx.key, 'desc')} limit 1`,
    types: RAW_TEXT,
  });
  return keyOfRaw(ctx, rows[0]);
}
