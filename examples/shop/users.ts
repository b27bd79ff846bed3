import type { RoutedEntity, RouterRecord } from '../../lib/router';
import { keyLock } from '../../lib/key-lock';

/** A user as the application sees it: the target shape of the shop spec, on either database. */
export type Order = {
  id: number;
  amount_cents: number;
  status: string;
};

export interface UserFields {
  email: string;
  name: string;
  country: string;
}

export type Outcome<T> = { found: true; value: T } | { found: false };

/**
 * The shop's user operations, written against the router instead of a database. Every change is a
 * read-modify-write of the whole user (orders are embedded) that bumps the version. Calls are
 * serialized per user (lib/key-lock.ts), as a per-row lock would in a real service: two concurrent
 * updates of one user could land in opposite orders on the two databases (the primary write is
 * unconditional, the secondary version-guarded), and a read between a dual write's two halves
 * would see the sides differ for a moment.
 */
export function shopUsers(users: RoutedEntity, firstOrderId: number) {
  const withUser = keyLock();
  let nextOrderId = firstOrderId;

  const change = (id: number, edit: (user: RouterRecord) => RouterRecord | undefined) =>
    withUser(String(id), async (): Promise<Outcome<RouterRecord>> => {
      const current = await users.get([id]);
      const edited = current && edit(current);
      if (!edited) return { found: false };
      const next = { ...edited, version: Number(current.version) + 1 };
      await users.update(next);
      return { found: true, value: next };
    });

  return {
    get: (id: number) => withUser(String(id), () => users.get([id])),
    async create(id: number, fields: UserFields): Promise<RouterRecord> {
      const user = { _id: id, ...fields, version: 1, orders: [] };
      await withUser(String(id), () => users.insert(user));
      return user;
    },
    update: (id: number, fields: Partial<UserFields>) => change(id, (u) => ({ ...u, ...fields })),
    remove: (id: number) => withUser(String(id), () => users.delete([id])),
    /** New order ids grow, so the embedded array stays in key order, which is how PostgreSQL reads it back. */
    addOrder: (id: number, amountCents: number) =>
      change(id, (u) => ({ ...u, orders: [...ordersOf(u), { id: nextOrderId++, amount_cents: amountCents, status: 'paid' }] })),
    removeOrder: (id: number, orderId: number) =>
      change(id, (u) => {
        const orders = ordersOf(u);
        return orders.some((o) => o.id === orderId) ? { ...u, orders: orders.filter((o) => o.id !== orderId) } : undefined;
      }),
  };
}

export type ShopUsers = ReturnType<typeof shopUsers>;

function ordersOf(user: RouterRecord): Order[] {
  return ((user.orders ?? []) as unknown as Order[]).map((o) => ({ id: Number(o.id), amount_cents: Number(o.amount_cents), status: o.status }));
}
