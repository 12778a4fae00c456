/** Ids become part of stream names and URLs, so they are kept to a plain, bounded alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const ID_RULE = 'letters, digits, "-" or "_", at most 64, starting with a letter or digit';
