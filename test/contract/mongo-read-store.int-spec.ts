import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
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

  describe('when the server is not there', () => {
    it('fails fast as unavailable when nothing listens', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise((resolve) => server.close(resolve));
      const store = new MongoReadStore({ url: `mongodb://127.0.0.1:${port}/nowhere` });
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
