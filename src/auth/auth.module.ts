import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { AuthGuard } from './auth.guard';
import { SubjectThrottlerGuard } from './subject-throttler.guard';
import { TokenVerifier } from './token-verifier';

/** Authentication first, then each subject's rate limit: guards run in this order. */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => [
        { name: 'default', ttl: 60_000, limit: config.rateLimit.perSubject },
      ],
    }),
  ],
  providers: [
    {
      provide: TokenVerifier,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new TokenVerifier(config.auth),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: SubjectThrottlerGuard },
  ],
  exports: [TokenVerifier],
})
export class AuthModule {}
