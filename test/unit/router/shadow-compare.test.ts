import { differingFields } from '../../../lib/router/shadow-reads';
import { writeOrder } from '../../../lib/router/writes';

test('differingFields compares canonical forms and names the fields that differ', () => {
  const when = new Date('2024-01-01T00:00:00Z');
  expect(differingFields({ _id: 1, n: 5n, at: when, gone: null }, { _id: 1, n: 5, at: new Date(when) })).toEqual([]);
  expect(differingFields({ _id: 1, email: 'a', name: 'x' }, { _id: 1, email: 'b', extra: 1, name: 'x' })).toEqual(['email', 'extra']);
  expect(differingFields(undefined, { _id: 1 })).toEqual(['(missing in old)']);
  expect(differingFields({ _id: 1 }, undefined)).toEqual(['(missing in new)']);
  expect(differingFields(undefined, undefined)).toEqual([]);
});

test('writeOrder puts the primary first', () => {
  expect(writeOrder('old')).toEqual(['old']);
  expect(writeOrder('old_then_new')).toEqual(['old', 'new']);
  expect(writeOrder('new_then_old')).toEqual(['new', 'old']);
  expect(writeOrder('new')).toEqual(['new']);
});
