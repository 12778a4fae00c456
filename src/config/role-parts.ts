import type { AppConfig } from './app-config';

/** What a process runs. */
export interface RoleParts {
  /** HTTP commands, queries, analytics and audit. */
  servesApi: boolean;
  /** Copies the event log to the partitioned transport. */
  relays: boolean;
  /** Runs the projections and the transfer process manager. */
  projects: boolean;
}

/**
 * The role matrix, the one place that says what each LEDGER_ROLE starts. `all` relays only when
 * there is a transport to relay to: with the in-process feed, consumers read the store directly.
 */
export function partsOf(config: Pick<AppConfig, 'role' | 'transport'>): RoleParts {
  const all = config.role === 'all';
  return {
    servesApi: all || config.role === 'api',
    relays: (all && config.transport.kind === 'kafka') || config.role === 'relay',
    projects: all || config.role === 'projector',
  };
}
