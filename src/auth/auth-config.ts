import { ConfigError } from '../config/config-error';
import { refuseWeakSecret } from '../config/secret-strength';

/** The secret `npm start` uses in development, so that a newcomer needs no setup. */
export const DEVELOPMENT_SECRET = 'ledgerline-development-secret-not-for-production';

export type AuthConfig = {
  issuer: string;
  audience: string;
} & (
  | { keys: 'shared-secret'; secret: string }
  | { keys: 'jwks'; jwksUrl: string; algorithms: ('RS256' | 'ES256')[] }
);

/**
 * HS256 with a shared secret for development, an issuer's JWKS for production. Outside development
 * a missing, short, low-entropy or published secret stops the process.
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv, development: boolean): AuthConfig {
  const issuer = env.JWT_ISSUER ?? 'ledgerline';
  const audience = env.JWT_AUDIENCE ?? 'ledgerline';
  if (env.JWT_JWKS_URL !== undefined) {
    let url: URL;
    try {
      url = new URL(env.JWT_JWKS_URL);
    } catch {
      throw new ConfigError('JWT_JWKS_URL', `"${env.JWT_JWKS_URL}" is not a URL`);
    }
    if (url.protocol !== 'https:' && !development) {
      throw new ConfigError('JWT_JWKS_URL', 'must use https outside development');
    }
    const algorithms = (env.JWT_ALGORITHMS ?? 'RS256,ES256').split(',').map((a) => a.trim());
    for (const algorithm of algorithms) {
      if (algorithm !== 'RS256' && algorithm !== 'ES256') {
        throw new ConfigError(
          'JWT_ALGORITHMS',
          `only RS256 and ES256 are allowed, got ${algorithm}`,
        );
      }
    }
    return {
      issuer,
      audience,
      keys: 'jwks',
      jwksUrl: url.toString(),
      algorithms: algorithms as ('RS256' | 'ES256')[],
    };
  }
  if (!development) {
    if (env.JWT_SECRET === undefined) {
      throw new ConfigError(
        'JWT_SECRET',
        'must be set in production (a random value of your own), or set JWT_JWKS_URL',
      );
    }
    refuseWeakSecret('JWT_SECRET', env.JWT_SECRET);
  }
  const secret = env.JWT_SECRET ?? DEVELOPMENT_SECRET;
  if (secret.length === 0) throw new ConfigError('JWT_SECRET', 'must not be empty');
  return { issuer, audience, keys: 'shared-secret', secret };
}
