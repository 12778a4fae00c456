import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';

/**
 * What a background part does when it cannot go on: exit non-zero through the graceful SIGTERM
 * path, so that a supervisor restarts the process with fresh connections.
 */
@Injectable()
export class FatalFailure {
  private readonly logger = new Logger('LedgerLifecycle');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  readonly fail = (reason: string): void => {
    this.logger.error(`${reason}; giving up`);
    if (!this.config.exitOnFatalError) return;
    process.exitCode = 1;
    process.kill(process.pid, 'SIGTERM');
  };
}
