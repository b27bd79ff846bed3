import { resolveConnection } from '../../lib/connectors/engines';

describe('resolveConnection', () => {
  const env = {
    SWITCHYARD_CONN_SOURCE: 'postgresql://app:pw-1234@db:5432/shop',
    SWITCHYARD_CONN_TARGET: 'mongodb://user:pw-5678@mongo:27017/app',
    SWITCHYARD_CONN_ODD: 'redis://x@y/z',
  };
  it('resolves a name to its kind, URL and a redacted address', () => {
    expect(resolveConnection('SOURCE', env)).toEqual({
      name: 'SOURCE',
      kind: 'postgres',
      url: env.SWITCHYARD_CONN_SOURCE,
      redacted: 'postgresql://app:***@db:5432/shop',
    });
    expect(resolveConnection('TARGET', env).kind).toBe('mongodb');
  });
  it('names the variable to set when a connection is missing', () => {
    expect(() => resolveConnection('MISSING', env)).toThrow(/connection MISSING is not configured: set SWITCHYARD_CONN_MISSING/);
  });
  it('rejects names that are not identifiers', () => {
    expect(() => resolveConnection('src; rm -rf', env)).toThrow(/connection name .* is invalid/);
  });
  it('rejects unsupported schemes without printing the URL', () => {
    expect(() => resolveConnection('ODD', env)).toThrow(/unsupported URL scheme "redis"/);
  });
});
