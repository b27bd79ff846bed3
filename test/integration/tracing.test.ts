import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { temporalConfig } from '../../lib/config';
import { closeAllClients } from '../../lib/connectors/clients';
import { publishRoutingState, routingFor } from '../../lib/control';
import { createRouter, specRoutes } from '../../lib/router';
import { startWorkerTracing, WorkerTracing } from '../../lib/tracing/worker-tracing';
import { backfillWorkflow } from '../../workflows';
import { createWorker } from '../../workers/create-worker';
import { installTestRuntime, testClient, uniqueName } from '../support/temporal';
import { createDataFixture, createItems, DataFixture, itemsSpec } from './backfill-fixtures';

/**
 * With tracing on, one trace runs from the workflow through its activity to each database call,
 * and one application request through the router shows its primary and secondary writes. The
 * spans are checked in an in-memory exporter standing in for the OTLP one.
 */
jest.setTimeout(180_000);

const exporter = new InMemorySpanExporter();
let tracing: WorkerTracing;
let fx: DataFixture;

beforeAll(async () => {
  installTestRuntime();
  tracing = startWorkerTracing(new SimpleSpanProcessor(exporter));
  fx = await createDataFixture('tracing');
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
  await tracing.shutdown();
});

/** A span's subtree as indented names, children in start order. */
function tree(root: ReadableSpan, spans: ReadableSpan[], depth = 0): string[] {
  const children = spans
    .filter((s) => s.parentSpanId === root.spanContext().spanId)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((c) => tree(c, spans, depth + 1))];
}

test('a backfill traces from its workflow through the copy activity to the database calls of both engines', async () => {
  await createItems(fx.pg, 'traced_items', 40);
  const spec = itemsSpec(fx, 'traced_items');
  const config = { ...temporalConfig(), taskQueue: uniqueName('tq-tracing') };
  const connection = await NativeConnection.connect({ address: config.address });
  // Bundled here rather than prebuilt: the plugin adds its workflow interceptors to the bundle.
  const worker: Worker = await createWorker({ connection, config, plugins: [tracing.plugin], overrides: { shutdownGraceTime: '2s' } });
  const temporal = await testClient();
  try {
    await worker.runUntil(
      temporal.client.workflow.execute(backfillWorkflow, {
        taskQueue: config.taskQueue,
        workflowId: uniqueName('traced-backfill'),
        args: [{ migrationId: spec.id, spec, entity: 'traced_items', options: {} }],
      }),
    );
  } finally {
    await temporal.close();
    await connection.close();
  }
  const spans = exporter.getFinishedSpans();
  const run = spans.find((s) => s.name === 'RunWorkflow:backfillWorkflow')!;
  const trace = tree(run, spans).join('\n');
  expect(trace).toContain(
    [
      '  StartActivity:planRanges',
      '    RunActivity:planRanges',
      '      switchyard.postgres.estimate',
      '      switchyard.postgres.count',
      '      switchyard.postgres.splitRanges',
    ].join('\n'),
  );
  expect(trace).toContain(
    ['  StartActivity:copyRangeSlice', '    RunActivity:copyRangeSlice', '      switchyard.postgres.readRange', '      switchyard.mongodb.writeBatch'].join(
      '\n',
    ),
  );
  const read = spans.find((s) => s.name === 'switchyard.postgres.readRange');
  expect(read?.attributes).toMatchObject({ 'switchyard.entity': 'traced_items', 'switchyard.side': 'source', 'db.system': 'postgres' });
});

test("a router write's trace shows the intent, the primary write and the secondary write, each with its database call", async () => {
  exporter.reset();
  await fx.pg.query(`create table users (id int primary key, name text not null, version bigint not null)`);
  const control = new Pool({ connectionString: fx.pgUrl, max: 2 });
  const spec = itemsSpec(fx, 'users');
  await publishRoutingState(control, { ...routingFor('dual_write'), migrationId: spec.id, version: 1, actor: 'test', reason: 'dual_write' });
  const router = await createRouter({ migrationId: spec.id, control, entities: specRoutes(spec), pollIntervalMs: 100 });
  try {
    await router.entity('users').insert({ _id: 1, name: 'ada', version: 1 });
  } finally {
    await router.close();
    await control.end();
  }
  const spans = exporter.getFinishedSpans();
  const request = spans.find((s) => s.name === 'switchyard.router.insert')!;
  expect(tree(request, spans)).toEqual([
    'switchyard.router.insert',
    '  switchyard.router.intent',
    '  switchyard.router.primary',
    '    switchyard.postgres.writeBatch',
    '  switchyard.router.secondary',
    // The record in the source's column types first (docs/router.md), then the write.
    '    switchyard.postgres.storedForm',
    '    switchyard.mongodb.writeBatch',
  ]);
  expect(request.attributes).toMatchObject({ 'switchyard.entity': 'users', 'switchyard.writes': 'old_then_new', 'switchyard.routing_version': 1 });
});
