import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A personal value as it is stored: AES-256-GCM under the data key `keyId` of the subject
 * `subject` (a blind index, never the subject id itself), over the JSON of the value, with the
 * event id and the field's path as associated data, so a sealed value moved to another event or
 * field no longer opens.
 */
export interface SealedValue {
  $sealed: 'A256GCM';
  subject: string;
  keyId: string;
  iv: string;
  ct: string;
  tag: string;
}

export function isSealed(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { $sealed?: unknown }).$sealed === 'A256GCM'
  );
}

export function seal(
  value: unknown,
  key: { keyId: string; key: Buffer },
  subject: string,
  associated: string,
): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    $sealed: 'A256GCM',
    subject,
    keyId: key.keyId,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** The value, or undefined when the ciphertext, its tag or its associated data do not match. */
export function open(sealed: SealedValue, key: Buffer, associated: string): unknown {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(sealed.ct, 'base64')),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}
