import { DomainError } from '../domain-error';
import { assertPositiveAmount } from '../money';
import type { TransferCommand } from './transfer.commands';
import type { TransferEvent } from './transfer.events';
import type { TransferState, TransferStatus } from './transfer.state';

type RequestTransfer = Extract<TransferCommand, { type: 'RequestTransfer' }>;

export function decideTransfer(command: TransferCommand, state: TransferState): TransferEvent[] {
  if (command.type === 'RequestTransfer') return request(command, state);
  if (state.status === 'none') {
    throw new DomainError('TRANSFER_NOT_FOUND', 'Transfer does not exist');
  }
  const { transferId } = state;
  switch (command.type) {
    case 'RecordSourceDebited':
      assertStatus(state.status, 'requested', command.type);
      return [{ type: 'TransferSourceDebited', data: { transferId } }];
    case 'RecordCreditRefused':
      assertStatus(state.status, 'debited', command.type);
      return [{ type: 'TransferCreditRefused', data: { transferId, reason: command.reason } }];
    case 'CompleteTransfer':
      assertStatus(state.status, 'debited', command.type);
      return [{ type: 'TransferCompleted', data: { transferId } }];
    case 'FailTransfer':
      assertStatus(state.status, command.refunded ? 'credit-refused' : 'requested', command.type);
      return [
        {
          type: 'TransferFailed',
          data: { transferId, reason: command.reason, refunded: command.refunded },
        },
      ];
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

function request(command: RequestTransfer, state: TransferState): TransferEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('TRANSFER_ALREADY_EXISTS', `Transfer ${command.transferId} exists`);
  }
  assertPositiveAmount(command.amount);
  if (command.fromAccountId === command.toAccountId) {
    throw new DomainError('SAME_ACCOUNT_TRANSFER', 'Source and destination must differ');
  }
  const { source, destination } = command;
  if (source.status === 'none') {
    throw new DomainError('ACCOUNT_NOT_FOUND', `Account ${command.fromAccountId} does not exist`);
  }
  if (destination.status === 'none') {
    throw new DomainError('ACCOUNT_NOT_FOUND', `Account ${command.toAccountId} does not exist`);
  }
  if (destination.status !== 'not-visible' && source.currency !== destination.currency) {
    throw new DomainError(
      'CURRENCY_MISMATCH',
      `Cannot transfer between ${source.currency} and ${destination.currency} accounts`,
    );
  }
  const { transferId, fromAccountId, toAccountId, amount, reference } = command;
  const data = { transferId, fromAccountId, toAccountId, amount, currency: source.currency };
  return [
    { type: 'TransferRequested', data: reference === undefined ? data : { ...data, reference } },
  ];
}

function assertStatus(actual: TransferStatus, expected: TransferStatus, command: string): void {
  if (actual !== expected) {
    throw new DomainError(
      'INVALID_TRANSFER_STATE',
      `${command} needs a ${expected} transfer, this one is ${actual}`,
    );
  }
}
