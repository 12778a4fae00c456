import { Inject, Injectable } from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import { DEAD_LETTERS, type DeadLetters } from '../event-feed/dead-letters.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { ProjectionConsumer } from './projection-consumer';
import type { ProjectedDocument } from './projection';

/** One consumer per read model, built once: the live feed and dead-letter re-drives share them. */
@Injectable()
export class ProjectionConsumers {
  private readonly byName: ReadonlyMap<string, ProjectionConsumer<ProjectedDocument>>;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(EVENT_STORE) eventStore: EventStore,
    @Inject(DEAD_LETTERS) deadLetters: DeadLetters,
  ) {
    this.byName = new Map(
      PROJECTIONS.map((projection) => [
        projection.name,
        new ProjectionConsumer(projection, readStore, eventStore, deadLetters),
      ]),
    );
  }

  all(): ProjectionConsumer<ProjectedDocument>[] {
    return [...this.byName.values()];
  }

  named(name: string): ProjectionConsumer<ProjectedDocument> | undefined {
    return this.byName.get(name);
  }
}
