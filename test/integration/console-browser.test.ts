/**
 * The console in a real browser (Debian's chromium, driven by playwright-core): a migration with
 * approvals on the real stack is approved from its page, its phase change shows up without a
 * reload, it is rolled back from the page, and the history records the signed-in actor as `by`
 * with the note and reason typed into the dialogs. Screenshots land in the test results (and in
 * docs/ with SWITCHYARD_CONSOLE_SCREENSHOTS=docs).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Browser, chromium, Page } from 'playwright-core';
import { startConsole } from '../../console/server';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/lib/chromium/chromium';
const SHOTS = process.env.SWITCHYARD_CONSOLE_SCREENSHOTS === 'docs' ? join(ROOT, 'docs') : join(process.env.SWITCHYARD_STACK_DIR ?? '.stack', 'test-results');

describe('operator console in a browser', () => {
  const h = useDataStack('console');
  const token = randomBytes(18).toString('base64url');
  let browser: Browser;
  let served: Awaited<ReturnType<typeof startConsole>>;

  beforeAll(async () => {
    served = await startConsole({ host: '127.0.0.1', port: 0, tokens: `alice:${token}`, localActor: 'nobody' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  async function signIn(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(served.url);
    await page.fill('#login input[name=token]', token);
    await page.click('#login button');
    await page.waitForSelector('#who:has-text("acting as alice")');
    return page;
  }

  it('approves from the page, shows the phase change live, rolls back from the page; history records alice with the note and reason', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 300, { approvals: ['read_ramp', 'write_switch'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'read_ramp');

    const page = await signIn();
    const row = page.locator(`#migrations tr[data-id="${spec.id}"]`);
    await row.locator('text=waiting_approval').waitFor();
    await row.locator('text=read_ramp since').waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-list.png') });

    await row.locator('a').click();
    await page.locator('#pending:has-text("read_ramp")').waitFor();
    await page.click('button[data-action=approve]');
    await page.fill('#confirm input[name=note]', 'dashboards green');
    // The dialog states the consequence in the workflow's words before anything is sent.
    await page.locator('#confirm-words:has-text("read_ramp 50% starts: reads go to the new database for 50 % of keys")').waitFor();
    await page.click('#confirm-go');

    // No reload: the page follows the phase through the ramp until the write switch waits for approval.
    await page.locator('#pending:has-text("write_switch")').waitFor({ timeout: 60_000 });
    await page.locator('#timeline td:text-is("read_ramp 100%")').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-migration.png'), fullPage: true });

    await page.click('button[data-action=rollback]');
    await page.selectOption('#confirm select[name=to]', 'shadow_read');
    await page.fill('#confirm input[name=reason]', 'p99 regression on the new database');
    await page.locator('#confirm-words:has-text("every read goes to the old database and is compared with the new one in the shadow")').waitFor();
    await page.locator('#confirm-words:has-text("undoes read_ramp 100%, read_ramp 50%")').waitFor();
    // The CLI prints the same words: both come from the workflow's consequence query.
    const cli = await run('node', ['scripts/switchyard.js', 'rollback', spec.id, '--to', 'shadow_read', '--reason', 'dry', '--dry-run'], { cwd: ROOT });
    expect(cli.stdout.trim()).toBe(`rollback ${spec.id}: ${await page.textContent('#confirm-words')}`);
    await page.click('#confirm-go');
    await page.locator('#pending:has-text("read_ramp")').waitFor({ timeout: 60_000 });
    await page.locator('h1 .badge:text-is("shadow_read")').waitFor();

    const status = await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.state === 'waiting_approval');
    const by = (to: string) => status.transitions.find((t) => t.to === to);
    expect(by('approved read_ramp')).toMatchObject({ by: 'alice', reason: 'dashboards green' });
    expect(by('read_ramp 50%')).toMatchObject({ by: 'alice', reason: 'approved: dashboards green' });
    expect(by('rollback to shadow_read')).toMatchObject({ by: 'alice', reason: 'p99 regression on the new database' });
    expect(status.routing).toMatchObject({ reads: 'old_shadow', readPercent: 0, actor: 'alice' });
    await handle.terminate('test done');
  });
});
