/**
 * An application process for the crash test (durability.test.ts): one router, one insert whose
 * second write hangs on a black-holed database, until the test kills this process with SIGKILL.
 * Its lease is never given up; it lapses 1 s after the last renewal.
 */
import { Pool } from 'pg';
import { createRouter, specRoutes } from '../../../lib/router';

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.CRASH_SPEC as string);
  const control = new Pool({ connectionString: process.env.CRASH_CONTROL_URL, max: 2 });
  const router = await createRouter({ migrationId: spec.id, control, entities: specRoutes(spec), leaseTtlMs: 1000, secondaryTimeoutMs: 600_000 });
  await router.entity(spec.entities[0].name).insert(JSON.parse(process.env.CRASH_RECORD as string));
}

void main();
