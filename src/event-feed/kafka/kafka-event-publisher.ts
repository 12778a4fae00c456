import {
  type Admin,
  type ICustomPartitioner,
  type Message,
  Partitioners,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import type { EventEnvelope } from '../../event-store/event-envelope';
import type { EventPublisher, PartitionEnds } from '../event-publisher.port';
import { consoleKafkaLog, createKafkaClient, type KafkaClientOptions } from './kafka-client';
import { DEFAULT_TOPIC } from './kafka-topics';

export interface KafkaEventPublisherOptions extends KafkaClientOptions {
  topic?: string;
}

/** kafkajs says so at every producer start; the bounded retries it warns about are deliberate. */
const LIMITED_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * Publishes envelopes keyed by stream id, so that one stream's events share a partition and keep
 * their order. An idempotent producer with acks from all in-sync replicas: `publish` resolves once
 * every event is acknowledged and rejects, within the configured retries, when they are not.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly topic: string;
  private readonly createProducer: () => Producer;
  private readonly admin: Admin;
  private adminConnected: Promise<void> | undefined;
  private producer: Promise<Producer> | undefined;
  private closed = false;
  /** The partition kafkajs chose for each message last, so that a send can tell where it ended. */
  private readonly partitionOf = new WeakMap<Message, number>();

  constructor(options: KafkaEventPublisherOptions) {
    this.topic = options.topic ?? DEFAULT_TOPIC;
    const log = options.log ?? consoleKafkaLog;
    const kafka = createKafkaClient({
      ...options,
      log: (level, message, details) => {
        if (message !== LIMITED_RETRIES_WARNING) log(level, message, details);
      },
    });
    this.admin = kafka.admin();
    this.createProducer = () =>
      kafka.producer({
        idempotent: true,
        // More than one request in flight can reorder a partition's messages on retry.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: this.recordingPartitioner(Partitioners.DefaultPartitioner),
      });
  }

  async publish(events: EventEnvelope[]): Promise<PartitionEnds> {
    if (this.closed) throw new Error('KafkaEventPublisher is closed');
    if (events.length === 0) return {};
    const connecting = (this.producer ??= this.connect());
    const producer = await connecting;
    const messages = events.map(toMessage);
    let written: RecordMetadata[];
    try {
      written = await producer.send({ topic: this.topic, acks: -1, messages });
    } catch (error) {
      // After a failed send the producer's sequence numbers may no longer match the broker's; a new
      // producer starts clean. A re-sent event may then be stored twice: consumers deduplicate.
      if (this.producer === connecting) this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw new Error(`Kafka did not acknowledge ${events.length} events: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return this.endsOf(messages, written) ?? (await this.partitionEnds());
  }

  async partitionEnds(): Promise<PartitionEnds> {
    this.adminConnected ??= this.admin.connect().catch((error: unknown) => {
      this.adminConnected = undefined;
      throw error;
    });
    await this.adminConnected;
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    return Object.fromEntries(offsets.map(({ partition, high }) => [partition, Number(high)]));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.adminConnected) await this.admin.disconnect().catch(() => undefined);
    const producer = await this.producer?.catch(() => undefined);
    this.producer = undefined;
    await producer?.disconnect();
  }

  /**
   * Per partition written to, the offset after this send's last message there: the broker's base
   * offset of the send's batch plus the messages the partitioner put in it. Undefined when the
   * answer does not say (no base offset), so that the caller asks the broker instead.
   */
  private endsOf(messages: Message[], written: RecordMetadata[]): PartitionEnds | undefined {
    const counts = new Map<number, number>();
    for (const message of messages) {
      const partition = this.partitionOf.get(message);
      if (partition === undefined) return undefined;
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
    }
    const ends: PartitionEnds = {};
    for (const [partition, count] of counts) {
      const base = Number(written.find((meta) => meta.partition === partition)?.baseOffset ?? -1);
      if (!(base >= 0)) return undefined;
      ends[partition] = base + count;
    }
    return ends;
  }

  private recordingPartitioner(create: ICustomPartitioner): ICustomPartitioner {
    return () => {
      const partitioner = create();
      return (args) => {
        const partition = partitioner(args);
        this.partitionOf.set(args.message, partition);
        return partition;
      };
    };
  }

  private async connect(): Promise<Producer> {
    const producer = this.createProducer();
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw new Error(`Kafka producer could not connect: ${messageOf(error)}`, { cause: error });
    }
  }
}

/** The message for one envelope: keyed by stream, headers for consumers that skip the body. */
export function toMessage(event: EventEnvelope): Message {
  return {
    key: event.streamId,
    value: JSON.stringify(event),
    headers: {
      eventId: event.eventId,
      type: event.type,
      streamId: event.streamId,
      revision: String(event.revision),
      position: String(event.position),
      correlationId: event.metadata.correlationId,
      ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
