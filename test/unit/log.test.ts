import { Writable } from 'node:stream';
import { createLogger } from '../../lib/log';

test('log lines never carry a connection password: message, format arguments, fields and err', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const log = createLogger(sink);
  const url = 'postgresql://app:hunter22@db/shop';
  const err = new Error(`connect failed: ${url}`);
  log.error({ err, target: url }, `copy to ${url} failed`);
  log.warn('retrying %s', url);
  log.error(new Error(`bare ${url}`));
  const out = lines.map((l) => JSON.parse(l));
  expect(lines.join('')).not.toContain('hunter22');
  expect(out[0]).toMatchObject({
    msg: 'copy to postgresql://app:***@db/shop failed',
    target: 'postgresql://app:***@db/shop',
    err: { message: 'connect failed: postgresql://app:***@db/shop' },
  });
  expect(out[0].err.stack).toContain('connect failed: postgresql://app:***@db/shop');
  expect(out[1].msg).toBe('retrying postgresql://app:***@db/shop');
  expect(out[2]).toMatchObject({ msg: 'bare postgresql://app:***@db/shop' });
});
