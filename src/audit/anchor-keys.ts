import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

export const ANCHOR_ALGORITHM = 'Ed25519';

/** A public key as GET /audit/keys publishes it. */
export interface PublishedAnchorKey {
  keyId: string;
  algorithm: typeof ANCHOR_ALGORITHM;
  status: 'current' | 'retired';
  /** SPKI, PEM. */
  publicKey: string;
  /** RFC 8037 OKP key, for clients that take JWKs. */
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string };
}

export type SignatureCheck = 'valid' | 'invalid' | 'unknown-key';

/**
 * The key that signs new anchors and every public key that still verifies older ones. A key is
 * named by the first 16 hex digits of the SHA-256 of its raw 32-byte public key, so an auditor
 * holding only the public key derives the same id.
 */
export class AnchorKeyring {
  readonly currentKeyId: string;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly privateKey: KeyObject,
    retired: KeyObject[],
  ) {
    const current = createPublicKey(privateKey);
    this.currentKeyId = anchorKeyId(current);
    for (const key of retired) this.publicKeys.set(anchorKeyId(key), key);
    this.publicKeys.set(this.currentKeyId, current);
  }

  /** Ed25519 signature, hex, over the UTF-8 bytes of `message`. */
  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('hex');
  }

  check(keyId: unknown, message: string, signature: unknown): SignatureCheck {
    const key = typeof keyId === 'string' ? this.publicKeys.get(keyId) : undefined;
    if (!key) return 'unknown-key';
    if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature)) return 'invalid';
    return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'hex'))
      ? 'valid'
      : 'invalid';
  }

  /** The current key first, then the retired ones. */
  published(): PublishedAnchorKey[] {
    return [...this.publicKeys]
      .map(([keyId, key]) => publish(keyId, key, keyId === this.currentKeyId))
      .sort((a, b) => Number(b.status === 'current') - Number(a.status === 'current'));
  }
}

export function anchorKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** Throws (with the reason) unless `pem` is an Ed25519 private key. */
export function parseSigningKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error('is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  }
  return key;
}

/** Every `PUBLIC KEY` block in `pem`; throws unless there is at least one and all are Ed25519. */
export function parsePublicKeys(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error('holds no PEM "PUBLIC KEY" block');
  return blocks.map((block, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch {
      throw new Error(`key ${index + 1} is not a PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`key ${index + 1} is ${key.asymmetricKeyType}, not Ed25519`);
    }
    return key;
  });
}

function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(jwkX(key), 'base64url');
}

function jwkX(key: KeyObject): string {
  const { x } = key.export({ format: 'jwk' });
  return x!;
}

function publish(keyId: string, key: KeyObject, current: boolean): PublishedAnchorKey {
  return {
    keyId,
    algorithm: ANCHOR_ALGORITHM,
    status: current ? 'current' : 'retired',
    publicKey: key.export({ format: 'pem', type: 'spki' }).toString(),
    jwk: { kty: 'OKP', crv: 'Ed25519', x: jwkX(key), kid: keyId },
  };
}
