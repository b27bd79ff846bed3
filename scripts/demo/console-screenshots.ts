/**
 * Screenshots of the operator console following a live migration, one per phase it enters, for
 * docs/: start `npm run demo` in one terminal, then
 *   tsx scripts/demo/console-screenshots.ts [--out docs] [--prefix console-demo] [--match shop-demo-]
 * It serves the console on a free loopback port, waits for a running migration whose id starts
 * with --match (the demo's ids do), and photographs its page at each phase until the workflow ends. Chromium: scripts/setup/chromium.sh.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { chromium } from 'playwright-core';
import { startConsole } from '../../console/server';
import { loadStackEnv } from '../stack-env';

const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/lib/chromium/chromium';

async function main(opts: { out: string; prefix: string; match: string }): Promise<void> {
  loadStackEnv();
  const served = await startConsole({ host: '127.0.0.1', port: 0, tokens: undefined, localActor: 'demo-operator' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    // The console's CSP forbids eval, which a string predicate of waitForFunction needs; the page's own scripts are unaffected.
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, bypassCSP: true });
    await page.goto(served.url);
    const first = page.locator(`#migrations tr[data-id^="${opts.match}"]`).filter({ hasText: 'running' }).first();
    await first.waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(opts.out, `${opts.prefix}-list.png`) });
    await first.locator('a').click();
    const seen = new Set<string>();
    for (;;) {
      // The heading's badges: the phase (with the ramp's percent), then the state.
      const phase = (await page.locator('h1 .badge').nth(0).textContent({ timeout: 60_000 }))?.trim() ?? '';
      const state = (await page.locator('h1 .badge').nth(1).textContent())?.trim() ?? '';
      const ended = ['completed', 'rolled_back', 'aborted', 'failed'].includes(state);
      // Each phase once, and the page as the workflow ended.
      const name = ended ? state : phase.split(' ')[0];
      if (name && !seen.has(name)) {
        seen.add(name);
        await page.screenshot({ path: join(opts.out, `${opts.prefix}-${seen.size}-${name}.png`), fullPage: true });
        console.log(`${opts.prefix}-${seen.size}-${name}.png (${phase}, ${state})`);
      }
      if (ended) return;
      // A page expression (the script's own types have no DOM): resolves when either badge changes.
      const changed = `(() => { const b = [...document.querySelectorAll('h1 .badge')].map((x) => x.textContent.trim());
        return b[0] !== ${JSON.stringify(phase)} || b[1] !== ${JSON.stringify(state)}; })()`;
      await page.waitForFunction(changed, undefined, { timeout: 600_000 });
    }
  } finally {
    await browser.close();
    await served.close();
  }
}

new Command('console-screenshots')
  .option('--out <dir>', 'folder for the PNG files', 'docs')
  .option('--prefix <name>', 'file name prefix', 'console-demo')
  .option('--match <id-prefix>', 'follow a running migration whose id starts with this', 'shop-demo-')
  .action((opts: { out: string; prefix: string; match: string }) =>
    main(opts).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    ),
  )
  .parse();
