import { ConfigError } from './config-error';

export type LedgerEnvironment = 'development' | 'production';

/**
 * `LEDGER_ENV`, or `NODE_ENV=production`: a production build (the Docker image, a platform that
 * sets NODE_ENV) must never run on development secrets because one of two variables was missed.
 * `LEDGER_ENV=development` under `NODE_ENV=production` is refused rather than guessed at.
 */
export function ledgerEnvironment(env: NodeJS.ProcessEnv): LedgerEnvironment {
  const ledger = env.LEDGER_ENV;
  if (ledger !== undefined && ledger !== 'development' && ledger !== 'production') {
    throw new ConfigError('LEDGER_ENV', `must be one of development, production; got "${ledger}"`);
  }
  if (env.NODE_ENV === 'production') {
    if (ledger === 'development') {
      throw new ConfigError(
        'LEDGER_ENV',
        'is development while NODE_ENV=production; unset one of them (production is assumed ' +
          'from NODE_ENV alone)',
      );
    }
    return 'production';
  }
  return ledger ?? 'development';
}
