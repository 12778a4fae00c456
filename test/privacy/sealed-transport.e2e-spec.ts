import { Kafka, logLevel } from 'kafkajs';
import { BSON, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

const brokers = process.env.KAFKA_BROKERS!.split(',');
const run = randomUUID().slice(0, 8);
const topic = `sealed-transport-${run}`;
const mongoUrl = `${process.env.MONGODB_URL!.replace(/\/[^/]*$/, '')}/sealed_transport_${run}`;

const OWNER = `gina-private-${run}`;
const DEPOSIT_REFERENCE = `gina-bonus-${run}`;
const TRANSFER_REFERENCE = `gina-loan-${run}`;
const NEEDLES = [OWNER, DEPOSIT_REFERENCE, TRANSFER_REFERENCE];

const holding = (bytes: Buffer) => NEEDLES.filter((needle) => bytes.includes(Buffer.from(needle)));

/**
 * The same stack with Kafka between the event store and the projections, and MongoDB as the read
 * store: what leaves the event store (the relay's messages) and what the projections keep is the
 * sealed form, searched byte for byte.
 */
describe('personal data sealed on Kafka and in MongoDB', () => {
  let ledger: RunningLedger;
  let staff: HttpClient;
  let gina: HttpClient;
  const { transport, readStore } = loadConfig({
    TRANSPORT: 'kafka',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    READ_STORE: 'mongodb',
    MONGODB_URL: mongoUrl,
  });

  ledgerForSuite(
    async (started) => {
      ledger = started;
      staff = httpClient(ledger.baseUrl);
      gina = httpClient(ledger.baseUrl, { subject: OWNER, roles: ['client'] });
      const open = (accountId: string, ownerId: string) =>
        staff.post('/accounts', { ownerId, currency: 'EUR', accountId });
      expect((await open(`g-${run}`, OWNER)).status).toBe(201);
      expect((await open(`h-${run}`, `other-${run}`)).status).toBe(201);
      await staff.post(`/accounts/g-${run}/deposits`, {
        amount: 900,
        reference: DEPOSIT_REFERENCE,
      });
      expect((await gina.post(`/accounts/g-${run}/withdrawals`, { amount: 100 })).status).toBe(200);
      const transfer = await gina.post('/transfers', {
        fromAccountId: `g-${run}`,
        toAccountId: `h-${run}`,
        amount: 300,
        reference: TRANSFER_REFERENCE,
      });
      expect(transfer.status).toBe(202);
      await eventually(async () => {
        const status = await staff.get(`/transfers/${transfer.body.transferId}`);
        expect(status.body).toMatchObject({ status: 'completed', reference: TRANSFER_REFERENCE });
      }, 30_000);
      const head = await ledger.eventStore.headPosition();
      const account = await gina.get(`/accounts/g-${run}?consistentWith=${head}`);
      expect(account.body).toMatchObject({ ownerId: OWNER, balance: 500 });
    },
    { transport, readStore },
  );
  afterAll(async () => {
    const client = await MongoClient.connect(mongoUrl);
    await client.db().dropDatabase();
    await client.close();
  });

  it('publishes only sealed personal fields: keys, values and headers of every message', async () => {
    const head = await ledger.eventStore.headPosition();
    const kafka = new Kafka({ brokers, clientId: `sealed-${run}`, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `sealed-reader-${run}` });
    const messages: Buffer[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(
            Buffer.concat([
              message.key ?? Buffer.alloc(0),
              message.value ?? Buffer.alloc(0),
              ...Object.values(message.headers ?? {}).map((value) => Buffer.from(String(value))),
            ]),
          );
        },
      });
      await eventually(async () => expect(messages.length).toBeGreaterThanOrEqual(head), 30_000);
    } finally {
      await consumer.disconnect();
    }
    const all = Buffer.concat(messages);
    expect(all.includes(Buffer.from('"$sealed":"A256GCM"'))).toBe(true);
    expect(holding(all)).toEqual([]);
  });

  it('keeps only sealed personal fields in every collection of the read store', async () => {
    const client = await MongoClient.connect(mongoUrl);
    try {
      const db = client.db();
      const collections = await db.listCollections().toArray();
      expect(collections.map((c) => c.name)).toEqual(
        expect.arrayContaining(['account_summaries', 'account_transactions', 'transfer_statuses']),
      );
      const found: string[] = [];
      for (const { name } of collections) {
        for (const document of await db.collection(name).find({}).toArray()) {
          found.push(...holding(Buffer.from(BSON.serialize(document))).map((n) => `${name}:${n}`));
        }
      }
      expect(found).toEqual([]);
      const summary = await db
        .collection('account_summaries')
        .findOne({ _id: `g-${run}` as never });
      expect(summary).toMatchObject({
        ownerId: { $sealed: 'A256GCM' },
        ownerRef: expect.any(String),
      });
    } finally {
      await client.close();
    }
  });

  it('keeps them out of the embedded event store file too', () => {
    for (const name of readdirSync(ledger.dataDir)) {
      expect([name, holding(readFileSync(join(ledger.dataDir, name)))]).toEqual([name, []]);
    }
  });
});
