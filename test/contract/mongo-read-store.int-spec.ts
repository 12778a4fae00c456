import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import { MongoConnection } from '../../src/read-store/mongodb/mongo-connection';
import { MongoReadStore } from '../../src/read-store/mongodb/mongo-read-store';
import { ReadStoreUnavailableError } from '../../src/read-store/read-store.errors';
import { startServer, stopServer } from '../support/infra-processes';
import { describeReadStoreContract } from './read-store.contract';

describe('MongoReadStore against a MongoDB-wire server', () => {
  const url = process.env.MONGODB_URL;
  if (!url) {
    it('has a server to run against', () => {
      throw new Error('MONGODB_URL is not set: run `bash infra/infra.sh up`');
    });
    return;
  }

  describeReadStoreContract('MongoReadStore', async () => {
    const stores = [new MongoReadStore({ url })];
    return {
      store: stores[0],
      reopen: async () => {
        stores.push(new MongoReadStore({ url }));
        return stores[stores.length - 1];
      },
      cleanup: async () => {
        await Promise.all(stores.map((store) => store.close()));
      },
    };
  });

  describe('where the driver and the port differ', () => {
    const store = new MongoReadStore({ url });
    afterAll(() => store.close());

    it('treats an empty bulk write and a drop of a missing collection as nothing to do', async () => {
      const collection = store.collection(`missing_${randomUUID()}`);

      await expect(collection.bulkWrite([])).resolves.toBeUndefined();
      await expect(collection.drop()).resolves.toBeUndefined();
    });

    it('leaves out fields whose value is undefined, as JSON does', async () => {
      const collection = store.collection(`undefined_${randomUUID()}`);
      try {
        await collection.insertOne({ _id: 'u1', kept: 1, left: undefined });
        await collection.updateOne({ _id: 'u1' }, { $set: { also: undefined, set: 2 } });

        expect(await collection.findOne({ _id: 'u1' })).toStrictEqual({
          _id: 'u1',
          kept: 1,
          set: 2,
        });
      } finally {
        await collection.drop();
      }
    });
  });

  describe('a client that cannot reach the server for too long', () => {
    it('is replaced by a new one, which reaches it; a client that works is kept', async () => {
      // The first client is pointed where nothing listens, as a client whose monitor no longer
      // sees the server would behave; the ones after it are pointed at the server.
      const nowhere = `mongodb://127.0.0.1:${await unusedPort()}/nowhere`;
      const clients: MongoClient[] = [];
      const connection = new MongoConnection({
        createClient: () => {
          const client = new MongoClient(clients.length === 0 ? nowhere : url, {
            serverSelectionTimeoutMS: 200,
          });
          clients.push(client);
          return client;
        },
        reconnectAfterMs: 1000,
      });
      const ping = () => connection.run('', (db) => db.command({ ping: 1 }));
      try {
        const startedAt = Date.now();
        let failures = 0;
        for (;;) {
          try {
            await ping();
            break;
          } catch (error) {
            expect(error).toBeInstanceOf(ReadStoreUnavailableError);
            failures++;
            if (Date.now() - startedAt > 10_000) throw error;
          }
        }
        expect(failures).toBeGreaterThan(1);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
        expect(connection.replacements).toBe(1);

        for (let i = 0; i < 5; i++) await ping();
        expect(connection.replacements).toBe(1);
        expect(clients).toHaveLength(2);
      } finally {
        await connection.close();
        await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      }
    });
  });

  describe('when the server is not there', () => {
    it('fails fast as unavailable when nothing listens', async () => {
      const store = new MongoReadStore({
        url: `mongodb://127.0.0.1:${await unusedPort()}/nowhere`,
      });
      const startedAt = Date.now();

      try {
        await expect(store.ping()).rejects.toBeInstanceOf(ReadStoreUnavailableError);
        await expect(store.collection('c').findOne({ _id: 'x' })).rejects.toBeInstanceOf(
          ReadStoreUnavailableError,
        );
        expect(Date.now() - startedAt).toBeLessThan(6000);
      } finally {
        await store.close();
      }
    });

    it('fails while the server is down and keeps acknowledged writes once it is back', async () => {
      const store = new MongoReadStore({ url });
      const collection = store.collection(`outage_${randomUUID()}`);
      try {
        await collection.insertOne({ _id: 'before', n: 1 });
        await collection.updateOne({ _id: 'before' }, { $set: { n: 2 } });

        await stopServer('mongo', { kill: true });
        try {
          const startedAt = Date.now();
          await expect(store.ping()).rejects.toBeInstanceOf(ReadStoreUnavailableError);
          await expect(collection.insertOne({ _id: 'during' })).rejects.toBeInstanceOf(
            ReadStoreUnavailableError,
          );
          expect(Date.now() - startedAt).toBeLessThan(6000);
        } finally {
          await startServer('mongo');
        }

        await expect(store.ping()).resolves.toBeUndefined();
        expect(await collection.find({})).toEqual([{ _id: 'before', n: 2 }]);
      } finally {
        await collection.drop().catch(() => undefined);
        await store.close();
      }
    }, 60_000);
  });
});

/** A port nothing listens on: one the OS just handed out and took back. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
