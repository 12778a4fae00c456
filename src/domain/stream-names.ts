/** The one place that turns an aggregate id into its stream id and back. */
export const accountStream = (accountId: string): string => `account-${accountId}`;
export const transferStream = (transferId: string): string => `transfer-${transferId}`;

export const ACCOUNT_STREAM_PREFIX = 'account-';
export const TRANSFER_STREAM_PREFIX = 'transfer-';

export function idFromStream(streamId: string): string {
  return streamId.slice(streamId.indexOf('-') + 1);
}
