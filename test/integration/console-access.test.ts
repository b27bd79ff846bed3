/**
 * The console's access rules over real HTTP against the real Temporal server: a token when one is
 * configured, a known Host, the CSRF token and a same-site Origin on actions, no bind beyond
 * loopback without a token, and no connection URL in anything the page receives.
 */
import { request } from 'node:http';
import { startConsole } from '../../console/server';
import { scrubForPage } from '../../console/scrub';

const TOKEN = 'bob:0123456789abcdef-console-test';
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

/** A GET with a Host header of our choosing (fetch does not let one be set). */
function withHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console access', () => {
  let served: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    served = await startConsole({ host: '127.0.0.1', port: 0, tokens: TOKEN, localActor: 'nobody' });
  });
  afterAll(() => served?.close());

  it('serves the API only with the token, as its actor; the page shell is public and never framed', async () => {
    expect((await get(`${served.url}/api/session`)).status).toBe(401);
    expect((await get(`${served.url}/api/session`, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const ok = await get(`${served.url}/api/session`, { authorization: 'Bearer 0123456789abcdef-console-test' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { actor: string }).actor).toBe('bob');
    const page = await get(served.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses actions without the CSRF token or from another origin, and requests naming a foreign Host', async () => {
    const auth = { authorization: 'Bearer 0123456789abcdef-console-test' };
    const { csrf } = (await (await get(`${served.url}/api/session`, auth)).json()) as { csrf: string };
    const post = (headers: Record<string, string>) =>
      fetch(`${served.url}/api/migrations/no-such-migration/pause`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-switchyard-csrf': 'guess' })).status).toBe(403);
    expect((await post({ 'x-switchyard-csrf': csrf, origin: 'http://evil.example' })).status).toBe(403);
    // Past the checks: the workflow (here: Temporal) answers, refusing an unknown id.
    const through = await post({ 'x-switchyard-csrf': csrf, origin: served.url });
    expect(through.status).toBe(409);
    expect(((await through.json()) as { error: string }).error).toMatch(/no migration no-such-migration/);
    // DNS rebinding: a name that resolves to 127.0.0.1 is not this console's host.
    expect(await withHost(`${served.url}/`, `rebound.example:${new URL(served.url).port}`)).toBe(403);
  });

  it('will not bind beyond loopback without a token', async () => {
    await expect(startConsole({ host: '0.0.0.0', port: 0, localActor: 'nobody' })).rejects.toThrow(/set SWITCHYARD_CONSOLE_TOKEN/);
  });

  it('removes connection URLs and configured passwords from what the page receives', () => {
    const env = process.env.SWITCHYARD_CONN_PG ?? '';
    const text = JSON.stringify({ failure: `cannot reach mongodb://app:pw@db:27017/x nor ${env}` });
    const scrubbed = scrubForPage(text);
    expect(scrubbed).not.toMatch(/mongodb:\/\/|postgres(ql)?:\/\//);
    expect(scrubbed).toContain('[connection URL]');
  });
});
