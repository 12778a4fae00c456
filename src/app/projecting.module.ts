import { Module } from '@nestjs/common';
import { ProjectionConsumers } from '../projecting/projection-consumers';
import { ProjectionRebuilder } from '../projecting/projection-rebuilder';
import { ConsumerHost, ON_CONSUMER_GIVE_UP } from '../subscriptions/consumer-host';
import { FatalFailure } from './fatal-failure';

/**
 * Read models and the consumers that keep them: run by the projector, and looked at (status,
 * rebuild requests, dead letters) by the api.
 */
@Module({
  providers: [
    ConsumerHost,
    ProjectionConsumers,
    ProjectionRebuilder,
    FatalFailure,
    {
      provide: ON_CONSUMER_GIVE_UP,
      inject: [FatalFailure],
      useFactory: (fatal: FatalFailure) => (consumer: string) =>
        fatal.fail(`${consumer} keeps failing`),
    },
  ],
  exports: [ConsumerHost, ProjectionConsumers, ProjectionRebuilder, FatalFailure],
})
export class ProjectingModule {}
