import type { Decider } from '../decider';
import { transferStream } from '../stream-names';
import type { TransferCommand } from './transfer.commands';
import { decideTransfer } from './transfer.decide';
import type { TransferEvent } from './transfer.events';
import { evolveTransfer, initialTransferState, type TransferState } from './transfer.state';

export const transferDecider: Decider<TransferCommand, TransferEvent, TransferState> = {
  initialState: initialTransferState,
  foldVersion: 1,
  evolve: evolveTransfer,
  decide: decideTransfer,
  streamId: transferStream,
};
