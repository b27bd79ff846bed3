import { redactSecrets, redactUrl } from '../../lib/redact';

describe('redactUrl', () => {
  it('replaces the password of a URL and keeps user, host and database', () => {
    expect(redactUrl('postgresql://app:s3cret@db.internal:5432/shop')).toBe('postgresql://app:***@db.internal:5432/shop');
    expect(redactUrl('mongodb+srv://u:p%40ss@cluster0/x?retryWrites=true')).toBe('mongodb+srv://u:***@cluster0/x?retryWrites=true');
  });
  it('leaves URLs without a password unchanged', () => {
    expect(redactUrl('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
    expect(redactUrl('postgresql://app@db/shop')).toBe('postgresql://app@db/shop');
  });
  it('redacts password query parameters', () => {
    expect(redactUrl('postgresql://db/shop?user=app&password=hunter2')).toBe('postgresql://db/shop?user=app&password=***');
  });
});

describe('redactSecrets', () => {
  it('removes configured connection passwords quoted anywhere in text', () => {
    const env = { SWITCHYARD_CONN_SOURCE: 'postgresql://app:very-secret-pw@db/shop' };
    expect(redactSecrets('auth failed for very-secret-pw at db', env)).toBe('auth failed for *** at db');
  });
});
