import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

/** Limits each authenticated caller, whichever address it comes from, across all routes. */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  /** The stock key includes the route, which would give each caller an allowance per route. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const actor = (request as unknown as Request).actor;
    return actor ? `subject:${actor.subject}` : `ip:${(request as unknown as Request).ip}`;
  }
}
