import { ConfigError } from './config-error';

/**
 * Secrets that were ever published with this project (compose defaults, README, the development
 * secret): anyone can sign with them, so they are refused however long they are.
 */
const PUBLISHED_SECRETS = new Set([
  'ledgerline-development-secret-not-for-production',
  'change-me-to-a-long-random-secret-of-your-own',
  'change-me-to-another-long-random-key-of-your-own',
]);
/** Words that only a placeholder contains. */
const PLACEHOLDER =
  /change[-_ ]?me|replace[-_ ]?me|placeholder|example|your[-_ ]?own|not[-_ ]?for[-_ ]?production/i;

export const MIN_SECRET_LENGTH = 32;
/** Shannon entropy of the secret's own characters, per character and in all. */
const MIN_BITS_PER_CHARACTER = 3;
const MIN_BITS = 96;

/**
 * Refuses a production secret that a guess or a published example could match: shorter than 32
 * characters, a placeholder, a repetition of a shorter block ("abab…", 32 spaces), or one drawn
 * from too few characters. 32 random hex digits give about 115 bits by this estimate,
 * `openssl rand -hex 32` about 240.
 */
export function refuseWeakSecret(setting: string, secret: string): void {
  const weak = weakness(secret);
  if (weak) {
    throw new ConfigError(
      setting,
      `${weak}; in production use a random value of your own, e.g. \`openssl rand -hex 32\``,
    );
  }
}

function weakness(secret: string): string | undefined {
  if (PUBLISHED_SECRETS.has(secret.trim()) || PLACEHOLDER.test(secret)) {
    return 'is a published placeholder';
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    return `must be at least ${MIN_SECRET_LENGTH} characters`;
  }
  if (repeatsABlock(secret)) return 'repeats a shorter block of characters';
  const bitsPerCharacter = shannonBits(secret);
  if (bitsPerCharacter < MIN_BITS_PER_CHARACTER || bitsPerCharacter * secret.length < MIN_BITS) {
    return 'has too little entropy (too few distinct characters)';
  }
  return undefined;
}

function repeatsABlock(text: string): boolean {
  for (let period = 1; period <= text.length / 2; period++) {
    let periodic = true;
    for (let i = period; i < text.length && periodic; i++) periodic = text[i] === text[i - period];
    if (periodic) return true;
  }
  return false;
}

function shannonBits(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
