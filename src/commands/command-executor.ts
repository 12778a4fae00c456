import { Inject, Injectable, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { v5 as uuidv5 } from 'uuid';
import type { Decider } from '../domain/decider';
import { DomainError } from '../domain/domain-error';
import { CURRENT_SCHEMA_VERSION } from '../domain/event-schema-versions';
import type { EventEnvelope, NewEvent } from '../event-store/event-envelope';
import { WrongExpectedRevisionError } from '../event-store/event-store.errors';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { LedgerMetrics } from '../observability/ledger-metrics';
import type { CommandContext, CommandResult } from './command-context';
import { ConcurrencyConflictError, RevisionMismatchError } from './command.errors';

/** Namespace for event ids derived from command ids, so a re-sent append is recognised. */
const EVENT_ID_NAMESPACE = '6f1c3f0e-3a52-4d8e-9b7e-0c2f5e7d9a41';
const MAX_ATTEMPTS = 12;

type SchemaVersioned = keyof typeof CURRENT_SCHEMA_VERSION;

/**
 * Load, decide, append: the only way commands change state. Decisions are re-made on fresh state
 * when another writer got there first, unless the client pinned a revision with If-Match.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() private readonly metrics?: LedgerMetrics,
  ) {}

  /**
   * `authorize` sees the current state before the decision and throws to refuse the caller; it
   * is how ownership is checked against the same state the decision is made on.
   */
  async execute<C, E extends { type: string; data: unknown }, S>(
    decider: Decider<C, E, S>,
    id: string,
    command: C,
    context: CommandContext,
    authorize?: (state: S) => void,
  ): Promise<CommandResult> {
    const type = (command as { type?: string }).type ?? 'unknown';
    try {
      const result = await this.decideAndAppend(decider, id, command, context, authorize);
      this.metrics?.commands.inc({ command: type, outcome: 'ok' });
      return result;
    } catch (error) {
      this.metrics?.commands.inc({ command: type, outcome: outcomeOf(error) });
      throw error;
    }
  }

  private async decideAndAppend<C, E extends { type: string; data: unknown }, S>(
    decider: Decider<C, E, S>,
    id: string,
    command: C,
    context: CommandContext,
    authorize?: (state: S) => void,
  ): Promise<CommandResult> {
    const streamId = decider.streamId(id);
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(streamId);
      const earlier = lastEventOfCommand(history, context.commandId);
      if (earlier) return { streamId, revision: earlier.revision, position: earlier.position };

      const state = history.reduce(
        (s, event) => decider.evolve(s, event as unknown as E),
        decider.initialState,
      );
      // Before anything else answers, so a refused caller learns nothing about the stream.
      authorize?.(state);
      const current = history.at(-1);
      const revision = current ? current.revision : 'no-stream';
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
        throw new RevisionMismatchError(streamId, context.expectedRevision, revision);
      }
      const events = decider.decide(command, state);
      if (events.length === 0) {
        return { streamId, revision: current?.revision ?? -1, position: current?.position ?? 0 };
      }
      try {
        const timer = this.metrics?.appendDuration.startTimer();
        const appended = await this.store.append(
          streamId,
          events.map((event, index) => toNewEvent(event, index, context)),
          revision,
        );
        timer?.();
        this.metrics?.eventsAppended.inc(events.length);
        return { streamId, ...appended };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (context.expectedRevision !== undefined) {
          throw new RevisionMismatchError(streamId, context.expectedRevision, error.actual);
        }
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyConflictError(streamId, attempt);
        await sleep(Math.random() * 2 ** Math.min(attempt, 6));
      }
    }
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof RevisionMismatchError) return 'REVISION_MISMATCH';
  if (error instanceof ConcurrencyConflictError) return 'CONCURRENCY_CONFLICT';
  return 'ERROR';
}

function lastEventOfCommand(history: EventEnvelope[], commandId: string) {
  return history.findLast((event) => event.metadata.commandId === commandId);
}

function toNewEvent(
  event: { type: string; data: unknown },
  index: number,
  context: CommandContext,
): NewEvent {
  return {
    eventId: uuidv5(`${context.commandId}/${index}`, EVENT_ID_NAMESPACE),
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type as SchemaVersioned] ?? 1,
    data: event.data,
    metadata: {
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.causationId,
      commandId: context.commandId,
      ...(context.traceparent ? { traceparent: context.traceparent } : {}),
    },
  };
}
