import { fullXid } from '../../lib/cdc/visible';

test('a 32-bit xid from the WAL gets the epoch of the snapshot it committed before', () => {
  const epoch = 3n << 32n;
  expect(fullXid(1000, epoch + 5000n)).toBe(epoch + 1000n);
  // Committed just before the 32-bit counter wrapped: the previous epoch.
  expect(fullXid(0xfffffff0, epoch + 10n)).toBe(epoch - (1n << 32n) + 0xfffffff0n);
  expect(fullXid(9, epoch + 10n)).toBe(epoch + 9n);
});
