import { ApplicationFailure } from '@temporalio/common';
import { redactError, redactLogValue, redactSecrets, redactUrl } from '../../lib/redact';

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

describe('redactError', () => {
  const url = 'postgresql://app:hunter22@db/shop';

  it('scrubs message, stack and every cause in place, keeping the failure type and nonRetryable flag', () => {
    const cause = new Error(`inner ${url}`);
    const failure = ApplicationFailure.create({ message: `outer ${url}`, type: 'CopyFailed', nonRetryable: true, cause });
    const out = redactError(failure);
    expect(out).toBe(failure);
    expect(out).toMatchObject({ type: 'CopyFailed', nonRetryable: true, message: 'outer postgresql://app:***@db/shop' });
    expect(out.stack).toContain('outer postgresql://app:***@db/shop');
    expect(`${out.stack}${cause.message}${cause.stack}`).not.toContain('hunter22');
  });

  it('survives a cycle of causes and scrubs a thrown string', () => {
    const a = new Error(`a ${url}`);
    a.cause = a;
    expect(redactError(a).message).toBe('a postgresql://app:***@db/shop');
    expect(redactError(`s ${url}`)).toBe('s postgresql://app:***@db/shop');
  });
});

describe('redactLogValue', () => {
  it('copies plain data with every string scrubbed and leaves the original untouched', () => {
    const payload = { target: 'postgresql://app:hunter22@db/shop', nested: [{ why: 'mongodb://u:hunter22@m/x' }], n: 3 };
    expect(redactLogValue(payload)).toEqual({ target: 'postgresql://app:***@db/shop', nested: [{ why: 'mongodb://u:***@m/x' }], n: 3 });
    expect(payload.target).toContain('hunter22');
  });
});
