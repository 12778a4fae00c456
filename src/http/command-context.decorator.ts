import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS, type CommandContext } from '../commands/command-context';
import { LedgerError } from '../problems/ledger-error';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the idempotency interceptor when the client sent an Idempotency-Key. */
    idempotentCommandId?: string;
    /** Set with it when an earlier attempt under the same key started then and was not answered. */
    idempotentReplayableSince?: string;
  }
}

/** Builds the command's context from the request: ids, actor, and If-Match. */
export const CommandCtx = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  commandContextOf(ctx.switchToHttp().getRequest<Request>()),
);

export function commandContextOf(request: Request): CommandContext {
  const commandId = request.idempotentCommandId ?? randomUUID();
  const expectedRevision = parseIfMatch(request.header('if-match'));
  return {
    commandId,
    actor: request.actor ?? ANONYMOUS,
    correlationId: request.correlationId,
    causationId: commandId,
    ...(request.traceparent ? { traceparent: request.traceparent } : {}),
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
    ...(request.idempotentReplayableSince === undefined
      ? {}
      : { replayableSince: request.idempotentReplayableSince }),
  };
}

/** If-Match carries the stream revision as an entity tag: "5" (W/"5" and bare 5 accepted). */
function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(-1|\d{1,15})"?$/.exec(header.trim());
  if (!match) {
    throw new LedgerError('INVALID_IF_MATCH', 'If-Match must be a revision such as "3"');
  }
  return Number(match[1]);
}
