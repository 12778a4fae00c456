import type { Decider } from '../decider';
import { accountStream } from '../stream-names';
import type { AccountCommand } from './account.commands';
import { decideAccount } from './account.decide';
import type { AccountEvent } from './account.events';
import { type AccountState, evolveAccount, initialAccountState } from './account.state';

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: initialAccountState,
  // 2: transfers in flight carry their amounts; OverdraftLimitChanged. 3: ownerRef, no ownerId.
  foldVersion: 3,
  evolve: evolveAccount,
  decide: decideAccount,
  streamId: accountStream,
};
