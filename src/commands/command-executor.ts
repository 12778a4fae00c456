import { Inject, Injectable, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { v5 as uuidv5 } from 'uuid';
import type { Decider } from '../domain/decider';
import { DomainError } from '../domain/domain-error';
import { CURRENT_SCHEMA_VERSION } from '../domain/event-schema-versions';
import type { NewEvent } from '../event-store/event-envelope';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '../event-store/event-store.errors';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { AggregateLoader } from '../history/aggregate-loader';
import { LedgerMetrics } from '../observability/ledger-metrics';
import type { CommandContext, CommandResult } from './command-context';
import { ConcurrencyConflictError, RevisionMismatchError } from './command.errors';
import { StreamQueue } from './stream-queue';

/** Namespace for event ids derived from command ids, so a re-sent append is recognised. */
const EVENT_ID_NAMESPACE = '6f1c3f0e-3a52-4d8e-9b7e-0c2f5e7d9a41';
const MAX_ATTEMPTS = 12;

type SchemaVersioned = keyof typeof CURRENT_SCHEMA_VERSION;

/**
 * Load, decide, append: the only way commands change state. Commands on one stream run one at a
 * time in this process (StreamQueue); decisions are re-made on fresh state when another process
 * got there first, unless the client pinned a revision with If-Match.
 */
@Injectable()
export class CommandExecutor {
  private readonly queue = new StreamQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly aggregates: AggregateLoader,
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
    const streamId = decider.streamId(id);
    return this.counted((command as { type?: string }).type ?? 'unknown', () =>
      this.queue.run(streamId, async () => {
        let replayChecked = context.replayableSince === undefined;
        // The first decision is made on the cached state as it is, without a read: the append
        // expects its revision, so another process's append since fails it and the next attempt
        // reads. Whatever answers without appending is confirmed on read state first.
        let trustCache = true;
        // Decisions on read state: the one on a cached state does not count against the bound.
        let attempt = 0;
        for (;;) {
          const current = await this.aggregates.load(decider, id, { trustCache });
          trustCache = false;
          const confirmFirst = current.unconfirmed === true;
          if (!confirmFirst) attempt++;
          try {
            // Before anything else answers, so a refused caller learns nothing about the stream.
            authorize?.(current.state);
          } catch (error) {
            if (confirmFirst) continue;
            throw error;
          }
          if (!replayChecked) {
            replayChecked = true;
            const earlier = await this.earlierOutcome(streamId, context);
            if (earlier) return earlier;
          }
          const revision = current.revision < 0 ? 'no-stream' : current.revision;
          if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
            if (confirmFirst) continue;
            const earlier = await this.earlierOutcome(streamId, context);
            if (earlier) return earlier;
            throw new RevisionMismatchError(streamId, context.expectedRevision, revision);
          }
          let events: E[];
          try {
            events = decider.decide(command, current.state);
          } catch (error) {
            if (confirmFirst && error instanceof DomainError) continue;
            // The refusal may be the command's own first effect (a withdrawal that emptied the account).
            const earlier =
              error instanceof DomainError && (await this.earlierOutcome(streamId, context));
            if (earlier) return earlier;
            throw error;
          }
          if (events.length === 0) {
            if (confirmFirst) continue;
            const earlier = await this.earlierOutcome(streamId, context);
            return earlier || { streamId, revision: current.revision, position: current.position };
          }
          const newEvents = events.map((event, index) => toNewEvent(event, index, context));
          try {
            const timer = this.metrics?.appendDuration.startTimer();
            // A replay decides again on today's state but sends the same event ids, which the store
            // recognises: it writes nothing and answers where the first attempt's events sit.
            const appended = await this.store.append(streamId, newEvents, revision);
            timer?.();
            if (appended.revision === current.revision + events.length) {
              this.metrics?.eventsAppended.inc(events.length);
              this.aggregates.appended(
                decider,
                id,
                current,
                events,
                appended,
                newEvents.at(-1)!.eventId,
              );
            }
            return { streamId, ...appended };
          } catch (error) {
            if (error instanceof PartialDuplicateAppendError) {
              // Decided differently from the first attempt, which then wrote fewer or more events.
              const earlier = await this.earlierOutcome(streamId, context);
              if (earlier) return earlier;
            }
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            // The cached state was behind (another process appended since): no sign of contention,
            // so the next attempt reads at once, without backing off.
            if (confirmFirst) continue;
            if (context.expectedRevision !== undefined) {
              throw new RevisionMismatchError(streamId, context.expectedRevision, error.actual);
            }
            if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyConflictError(streamId, attempt);
            await sleep(Math.random() * 2 ** Math.min(attempt, 6));
          }
        }
      }),
    );
  }

  /** Counts each command by its type and outcome: ok, or the code it was refused with. */
  private async counted(type: string, run: () => Promise<CommandResult>): Promise<CommandResult> {
    try {
      const result = await run();
      this.metrics?.commands.inc({ command: type, outcome: 'ok' });
      return result;
    } catch (error) {
      this.metrics?.commands.inc({ command: type, outcome: outcomeOf(error) });
      throw error;
    }
  }

  /**
   * Where this command's events sit if an earlier attempt stored them: the last of them, found by
   * their deterministic ids. Only asked where the decision refused or decided nothing, so the
   * common path never looks history up.
   */
  private async earlierOutcome(
    streamId: string,
    context: CommandContext,
  ): Promise<CommandResult | undefined> {
    let last: CommandResult | undefined;
    for (let index = 0; ; index++) {
      const found = await this.store.findEvent(streamId, eventIdOf(context.commandId, index), {
        recordedSince: context.replayableSince,
      });
      if (found === undefined) return last;
      last = { streamId, ...found };
    }
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof RevisionMismatchError) return 'REVISION_MISMATCH';
  if (error instanceof ConcurrencyConflictError) return 'CONCURRENCY_CONFLICT';
  return 'ERROR';
}

function eventIdOf(commandId: string, index: number): string {
  return uuidv5(`${commandId}/${index}`, EVENT_ID_NAMESPACE);
}

function toNewEvent(
  event: { type: string; data: unknown },
  index: number,
  context: CommandContext,
): NewEvent {
  return {
    eventId: eventIdOf(context.commandId, index),
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
