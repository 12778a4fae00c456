/** Ids become part of stream names and URLs, so they are kept to a plain, bounded alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const ID_RULE = 'letters, digits, "-" or "_", at most 64, starting with a letter or digit';

/**
 * Whole stream ids, for the history and audit endpoints and the stream-prefix filter: the ledger's
 * own (`account-<id>`, `transfer-<id>`) and any other stream the event store may hold.
 */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
export const STREAM_ID_RULE =
  'letters, digits, "_", ".", ":" or "-", at most 200, starting with a letter or digit';
