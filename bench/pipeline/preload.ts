/**
 * The events the command side would append, made by the account decider itself (so they have the
 * current shapes and schema versions): AccountOpened per account, then the deposits, a chunk per
 * account per round so that the accounts interleave in the global log.
 */
import { randomUUID } from 'node:crypto';
import type { AccountCommand } from '../../src/domain/accounts/account.commands';
import { accountDecider } from '../../src/domain/accounts/account.decider';
import type { AccountEvent } from '../../src/domain/accounts/account.events';
import type { AccountState } from '../../src/domain/accounts/account.state';
import { CURRENT_SCHEMA_VERSION } from '../../src/domain/event-schema-versions';
import type { NewEvent } from '../../src/event-store/event-envelope';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { now } from '../support/figures';
import { settings } from './settings';

export const accountId = (n: number) => `bench-${n}`;

function newEvent(event: AccountEvent): NewEvent {
  const commandId = randomUUID();
  return {
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
    data: event.data,
    metadata: {
      actor: { subject: 'bench', roles: [] },
      correlationId: commandId,
      causationId: commandId,
      commandId,
    },
  };
}

export async function preload(
  file: string,
): Promise<{ head: number; appends: number; ms: number }> {
  const store = new SqliteEventStore({ file });
  const startedAt = now();
  let appends = 0;
  const states: AccountState[] = [];
  const decide = (a: number, command: AccountCommand): AccountEvent[] => {
    const events = accountDecider.decide(command, states[a]);
    states[a] = events.reduce(accountDecider.evolve, states[a]);
    return events;
  };
  const perAccount = (a: number) =>
    Math.floor(settings.deposits / settings.accounts) +
    (a < settings.deposits % settings.accounts ? 1 : 0);
  for (let a = 0; a < settings.accounts; a++) {
    states[a] = accountDecider.initialState;
    const open: AccountCommand = {
      type: 'OpenAccount',
      accountId: accountId(a),
      ownerId: 'bench',
      currency: 'EUR',
      overdraftLimit: 0,
    };
    const events = decide(a, open).map(newEvent);
    await store.append(accountDecider.streamId(accountId(a)), events, 'no-stream');
    appends++;
  }
  const rounds = Math.ceil(perAccount(0) / settings.preloadChunk);
  for (let round = 0; round < rounds; round++) {
    for (let a = 0; a < settings.accounts; a++) {
      const from = round * settings.preloadChunk;
      const to = Math.min(perAccount(a), from + settings.preloadChunk);
      if (from >= to) continue;
      const events = Array.from({ length: to - from }, () =>
        decide(a, { type: 'DepositMoney', amount: 100 }),
      ).flat();
      // Revision `from` is the last deposit before this chunk (AccountOpened is revision 0).
      await store.append(accountDecider.streamId(accountId(a)), events.map(newEvent), from);
      appends++;
    }
  }
  const ms = now() - startedAt;
  const head = await store.headPosition();
  await store.close();
  return { head, appends, ms };
}
