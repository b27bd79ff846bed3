import { createConnection, Connection } from 'mysql2/promise';
import { uniqueName } from '../support/temporal';

/**
 * One MySQL database per test file on the server SWITCHYARD_CONN_MYSQL names (the local stack's
 * MariaDB), reached through a connection name registered in this process's environment.
 */
export interface MysqlFixture {
  connection: string;
  url: string;
  database: string;
  /** A direct session for setting up and inspecting tables. */
  sql: Connection;
  env: Record<string, string>;
  close: () => Promise<void>;
}

export async function createMysqlFixture(prefix: string): Promise<MysqlFixture> {
  const database = uniqueName(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const server = new URL(process.env.SWITCHYARD_CONN_MYSQL as string);
  const admin = await createConnection({ uri: server.toString(), dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  await admin.query(`create database \`${database}\` character set utf8mb4`);
  await admin.query(`use \`${database}\``);
  await admin.query(`set session time_zone = '+00:00'`);
  server.pathname = `/${database}`;
  const connection = database.toUpperCase();
  const env = { [`SWITCHYARD_CONN_${connection}`]: server.toString() };
  Object.assign(process.env, env);
  return {
    connection,
    url: server.toString(),
    database,
    sql: admin,
    env,
    close: async () => {
      await admin.query(`drop database if exists \`${database}\``).catch(() => undefined);
      await admin.end();
    },
  };
}
