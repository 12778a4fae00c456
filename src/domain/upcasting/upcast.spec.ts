import { decideAccount } from '../accounts/account.decide';
import type { AccountEvent } from '../accounts/account.events';
import { evolveAccount, initialAccountState } from '../accounts/account.state';
import { CURRENT_SCHEMA_VERSION } from '../event-schema-versions';
import { MissingUpcasterError, upcastEvent, upcasterFor, type VersionedEvent } from './upcast';

const depositV1 = (amount: number, balanceAfter: number, reference?: string): VersionedEvent => ({
  type: 'MoneyDeposited',
  schemaVersion: 1,
  data: reference === undefined ? { amount, balanceAfter } : { amount, balanceAfter, reference },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('upcasting stored events', () => {
  it('lifts a v1 MoneyDeposited to v2: the HTTP API was the only channel', () => {
    const stored = { ...depositV1(100, 250, 'salary'), eventId: 'e1', revision: 3 };
    expect(upcastEvent(stored)).toEqual({
      eventId: 'e1',
      revision: 3,
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { amount: 100, balanceAfter: 250, reference: 'salary', channel: 'api' },
    });
  });

  it('is pure: the stored event is not changed and reads the same every time', () => {
    const stored = deepFreeze(depositV1(5, 5));
    const first = upcastEvent(stored);
    expect(upcastEvent(stored)).toEqual(first);
    expect(stored).toEqual(depositV1(5, 5));
  });

  it('returns current events, unversioned types and newer versions as the same object', () => {
    const current = {
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { amount: 1, balanceAfter: 1, channel: 'api' },
    };
    const foreign = { type: 'SomethingElse', schemaVersion: 1, data: {} };
    const newer = { type: 'MoneyDeposited', schemaVersion: 3, data: { amount: 1 } };
    expect(upcastEvent(current)).toBe(current);
    expect(upcastEvent(foreign)).toBe(foreign);
    expect(upcastEvent(newer)).toBe(newer);
  });

  it.each(Object.entries(CURRENT_SCHEMA_VERSION))(
    'has a complete chain from version 1 for %s',
    (type, version) => {
      const lifted = upcastEvent({ type, schemaVersion: 1, data: {} });
      expect(lifted.schemaVersion).toBe(version);
    },
  );

  it('chains steps in order and refuses a gap in the chain', () => {
    const upcast = upcasterFor(
      [
        { type: 'T', fromVersion: 1, upcast: (data) => ({ ...data, b: 2 }) },
        { type: 'T', fromVersion: 2, upcast: ({ a, ...data }) => ({ ...data, renamed: a }) },
      ],
      (type) => (type === 'T' ? 3 : type === 'Gap' ? 2 : undefined),
    );
    expect(upcast({ type: 'T', schemaVersion: 1, data: { a: 1 } })).toEqual({
      type: 'T',
      schemaVersion: 3,
      data: { b: 2, renamed: 1 },
    });
    expect(() => upcast({ type: 'Gap', schemaVersion: 1, data: {} })).toThrow(MissingUpcasterError);
  });

  it('lets the domain fold and decide on a history written in the old shape', () => {
    const opened = {
      type: 'AccountOpened',
      schemaVersion: 1,
      data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR', overdraftLimit: 0 },
    };
    const history = [opened, depositV1(100, 100), depositV1(50, 150)].map(
      (event) => upcastEvent(event) as unknown as AccountEvent,
    );
    const state = history.reduce(evolveAccount, initialAccountState);
    expect(state).toMatchObject({ status: 'open', balance: 150 });
    expect(history[1]).toEqual({
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { amount: 100, balanceAfter: 100, channel: 'api' },
    });
    expect(decideAccount({ type: 'WithdrawMoney', amount: 150 }, state)).toEqual([
      { type: 'MoneyWithdrawn', data: { amount: 150, balanceAfter: 0 } },
    ]);
  });
});
