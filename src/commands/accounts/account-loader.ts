import { Inject, Injectable } from '@nestjs/common';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { AccountEvent } from '../../domain/accounts/account.events';
import type { AccountState } from '../../domain/accounts/account.state';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port';

/** Current state of an account folded from its stream, for decisions that look at other aggregates. */
@Injectable()
export class AccountLoader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load(accountId: string): Promise<AccountState> {
    const events = await this.store.readStream(accountDecider.streamId(accountId));
    return events.reduce(
      (state, event) => accountDecider.evolve(state, event as unknown as AccountEvent),
      accountDecider.initialState,
    );
  }
}
