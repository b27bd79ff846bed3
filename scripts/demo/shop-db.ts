import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { createShopTables, seedShop, SeedResult } from '../../examples/shop/schema';
import { databaseUrl } from '../bench/data-gen';

/**
 * A fresh shop for one demo run: the PostgreSQL database `name` (dropped and created again, which
 * also drops the previous run's control-store state) and the MongoDB database `name` (dropped).
 * Returns the shop database's URL and what was seeded.
 */
export async function freshShop(pgAdminUrl: string, mongoUrl: string, name: string, users: number): Promise<{ url: string; seeded: SeedResult }> {
  const admin = new Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const mongo = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    await mongo.db(name).dropDatabase();
  } finally {
    await mongo.close();
  }
  const url = databaseUrl(pgAdminUrl, name);
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    await createShopTables(pg);
    return { url, seeded: await seedShop(pg, users) };
  } finally {
    await pg.end();
  }
}
