import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { candidateQuery, parseIndexes, tableName } from '../../src/read-store/embedded/sqlite-sql';
import {
  DuplicateKeyError,
  ReadStoreUnavailableError,
} from '../../src/read-store/read-store.errors';
import type { Filter, ReadStore } from '../../src/read-store/read-store.port';
import { describeReadStoreContract } from './read-store.contract';

/** A store on a fresh file in a folder that does not exist yet; cleanup closes every store. */
async function openTemporary() {
  const dir = await mkdtemp(join(tmpdir(), 'ledgerline-read-store-'));
  const file = join(dir, 'nested', 'read-models.db');
  const opened: ReadStore[] = [];
  const openStore = async () => {
    const store = new SqliteReadStore({ file });
    opened.push(store);
    return store;
  };
  return {
    file,
    store: await openStore(),
    reopen: openStore,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeReadStoreContract('embedded SQLite', openTemporary);

describe('SqliteReadStore', () => {
  let subject: Awaited<ReturnType<typeof openTemporary>>;
  let raw: Database.Database;

  beforeEach(async () => {
    subject = await openTemporary();
    raw = new Database(subject.file);
  });

  afterEach(async () => {
    raw.close();
    await subject.cleanup();
  });

  /** The plan SQLite makes, on the same file, for the query the adapter issues for `filter`. */
  const plan = (collection: string, filter: Filter): string[] => {
    const table = tableName(collection);
    const indexRows = raw
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`)
      .all(table) as { name: string; sql: string }[];
    const { sql, params } = candidateQuery(table, filter, () => parseIndexes(table, indexRows));
    const steps = raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return steps.map((step) => step.detail);
  };

  describe('narrowing with SQL', () => {
    beforeEach(async () => {
      const accounts = subject.store.collection('accounts');
      await accounts.createIndex({ keys: { ownerId: 1 } });
      await accounts.insertOne({ _id: 'a1', ownerId: 'o1', n: 1 });
      await accounts.insertOne({ _id: 'a2', ownerId: 'o2', n: 1 });
    });

    it('takes the rows as the answer, untested, only for a filter that is the _id alone', async () => {
      const exact = (filter: Filter) =>
        candidateQuery(tableName('accounts'), filter, () => []).exact;
      expect(exact({ _id: 'a1' })).toBe(true);
      expect(exact({ _id: { $in: ['a1', 'a2'] } })).toBe(true);
      expect(exact({ _id: 'a1', n: { $gt: 0 } })).toBe(false);
      expect(exact({ _id: { $eq: 'a1' } })).toBe(false);
      expect(exact({ ownerId: 'o1' })).toBe(false);
      const accounts = subject.store.collection('accounts');
      expect(await accounts.find({ _id: { $in: ['a2', 'missing', 'a2'] } })).toEqual([
        { _id: 'a2', ownerId: 'o2', n: 1 },
      ]);
      expect(await accounts.findOne({ _id: 'a1' })).toEqual({ _id: 'a1', ownerId: 'o1', n: 1 });
      expect(await accounts.findOne({ _id: 'a1', n: 2 })).toBeNull();
    });

    it('looks up an _id equality through the primary key', () => {
      expect(plan('accounts', { _id: 'a1', n: { $gt: 0 } })).toEqual([
        expect.stringMatching(
          /^SEARCH accounts USING INDEX sqlite_autoindex_accounts_1 \(id=\?\)$/,
        ),
      ]);
    });

    it('looks up an equality on an indexed field through its index, arrays included', () => {
      const steps = plan('accounts', { n: 1, ownerId: { $eq: 'o1' } });

      expect(steps).toContain('SEARCH accounts USING INDEX accounts#ix#ownerId_1 (<expr>=?)');
      expect(steps).toContain('SCAN accounts USING INDEX accounts#arrays#ownerId');
      expect(steps.join()).not.toMatch(/SCAN accounts($|,)/);
    });

    it('scans when no equality has an index', () => {
      expect(plan('accounts', { n: 1 })).toEqual(['SCAN accounts']);
      expect(plan('accounts', { ownerId: { $in: ['o1'] } })).toEqual(['SCAN accounts']);
    });

    it('never reads rows the lookup excludes', async () => {
      // JSON5 that SQLite indexes but JSON.parse rejects: reading this row would throw.
      raw
        .prepare(`INSERT INTO accounts (id, doc) VALUES ('trap', ?)`)
        .run(`{_id: 'trap', ownerId: 'o3', n: 1}`);
      const accounts = subject.store.collection('accounts');

      expect(await accounts.find({ ownerId: 'o1' })).toEqual([{ _id: 'a1', ownerId: 'o1', n: 1 }]);
      expect(await accounts.findOne({ _id: 'a2' })).toEqual({ _id: 'a2', ownerId: 'o2', n: 1 });
      await expect(accounts.find({ n: 1 })).rejects.toThrow(SyntaxError);
    });

    it('still uses an index after a restart', async () => {
      await subject.store.close();
      const restarted = await subject.reopen();
      raw
        .prepare(`INSERT INTO accounts (id, doc) VALUES ('trap', ?)`)
        .run(`{_id: 'trap', ownerId: 'o3'}`);

      expect(await restarted.collection('accounts').find({ ownerId: 'o2' })).toEqual([
        { _id: 'a2', ownerId: 'o2', n: 1 },
      ]);
    });
  });

  describe('bulkWrite', () => {
    it('applies nothing when one operation fails', async () => {
      const accounts = subject.store.collection('accounts');
      await accounts.insertOne({ _id: 'a1', n: 1 });

      await expect(
        accounts.bulkWrite([
          { insertOne: { document: { _id: 'b1', n: 1 } } },
          { replaceOne: { filter: { _id: 'a1' }, replacement: { _id: 'a1', n: 2 } } },
          { insertOne: { document: { _id: 'a1', n: 9 } } },
        ]),
      ).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(
        accounts.bulkWrite([
          { replaceOne: { filter: { _id: 'c1' }, replacement: { _id: 'c1', n: 1 }, upsert: true } },
          { replaceOne: { filter: { _id: 'c1' }, replacement: { $bogus: 1 } as never } },
        ]),
      ).rejects.toThrow(/update operators/);
      expect(await accounts.find({})).toEqual([{ _id: 'a1', n: 1 }]);
    });
  });

  describe('upsert', () => {
    it('seeds the document from $eq and $and equalities, as MongoDB does', async () => {
      const accounts = subject.store.collection('accounts');

      await accounts.updateOne(
        { $and: [{ _id: 'u1' }, { ownerId: { $eq: 'o1' } }], kind: { $eq: 'k', $ne: 'z' } },
        { $set: { n: 1 } },
        { upsert: true },
      );

      expect(await accounts.findOne({ _id: 'u1' })).toEqual({
        _id: 'u1',
        ownerId: 'o1',
        kind: 'k',
        n: 1,
      });
    });

    it('gives an upserted document without an _id equality a new string _id', async () => {
      const accounts = subject.store.collection('accounts');

      const { upsertedId } = await accounts.updateOne(
        { ownerId: 'o1' },
        { $set: { n: 1 } },
        { upsert: true },
      );

      expect(typeof upsertedId).toBe('string');
      expect(await accounts.findOne({ ownerId: 'o1' })).toEqual({
        _id: upsertedId,
        ownerId: 'o1',
        n: 1,
      });
    });
  });

  describe('values', () => {
    it.each([
      ['a Date', new Date(0)],
      ['NaN', NaN],
      ['a BigInt', BigInt(1)],
      ['a Map', new Map()],
    ])('refuses %s, which JSON cannot hold', async (_, value) => {
      const accounts = subject.store.collection('accounts');

      await expect(accounts.insertOne({ _id: 'v1', nested: { value } })).rejects.toThrow(TypeError);
      await expect(accounts.countDocuments()).resolves.toBe(0);
    });

    it('leaves out fields whose value is undefined, as the MongoDB adapter does', async () => {
      const accounts = subject.store.collection('accounts');

      await accounts.insertOne({ _id: 'v1', kept: 1, left: undefined });
      await accounts.updateOne({ _id: 'v1' }, { $set: { also: undefined, set: 2 } });

      expect(await accounts.findOne({ _id: 'v1' })).toStrictEqual({ _id: 'v1', kept: 1, set: 2 });
    });

    it('refuses a document without a string _id', async () => {
      const accounts = subject.store.collection('accounts');

      await expect(accounts.insertOne({ _id: 7 } as never)).rejects.toThrow(TypeError);
    });
  });

  describe('collections', () => {
    it.each(['', 'a"b', 'a b', 'sqlite_master', 'a#b', '$cmd'])('refuses the name %j', (name) => {
      expect(() => subject.store.collection(name)).toThrow(/Invalid collection name/);
    });

    it('lets the old name of a renamed collection be indexed again', async () => {
      const staging = subject.store.collection('staging');
      await staging.createIndex({ keys: { email: 1 }, unique: true, name: 'by_email' });
      await staging.insertOne({ _id: 's1', email: 'a@x' });
      await subject.store.renameCollection('staging', 'live');

      await staging.createIndex({ keys: { email: 1 }, unique: true, name: 'by_email' });
      await staging.insertOne({ _id: 's2', email: 'a@x' });

      expect(await subject.store.listCollections()).toEqual(['live', 'staging']);
      await expect(staging.insertOne({ _id: 's3', email: 'a@x' })).rejects.toBeInstanceOf(
        DuplicateKeyError,
      );
      const restarted = await subject.reopen();
      await expect(
        restarted.collection('live').insertOne({ _id: 'l2', email: 'a@x' }),
      ).rejects.toBeInstanceOf(DuplicateKeyError);
    });

    it('refuses to rename a collection that does not exist', async () => {
      await expect(subject.store.renameCollection('nothing', 'live')).rejects.toThrow(/nothing/);
    });

    it('refuses an index whose name or keys clash with another one', async () => {
      const accounts = subject.store.collection('accounts');
      await accounts.createIndex({ keys: { ownerId: 1 } });

      await expect(accounts.createIndex({ keys: { ownerId: 1 }, name: 'other' })).rejects.toThrow();
      await expect(accounts.createIndex({ keys: { n: 1 }, name: 'ownerId_1' })).rejects.toThrow();
      await expect(accounts.createIndex({ keys: { ownerId: 1 }, unique: true })).rejects.toThrow();
    });
  });

  describe('sharing the file', () => {
    it('uses WAL so that other processes can read while one writes', () => {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    });

    it('shows each connection the writes and unique indexes of the other', async () => {
      const other = await subject.reopen();
      await subject.store.collection('accounts').createIndex({ keys: { email: 1 }, unique: true });
      await subject.store.collection('accounts').insertOne({ _id: 'a1', email: 'a@x' });

      expect(await other.collection('accounts').find({ email: 'a@x' })).toHaveLength(1);
      await expect(
        other.collection('accounts').insertOne({ _id: 'a2', email: 'a@x' }),
      ).rejects.toBeInstanceOf(DuplicateKeyError);
    });
  });

  describe('closing', () => {
    it('closes idempotently and then reports the store as unavailable', async () => {
      await subject.store.close();
      await subject.store.close();

      await expect(subject.store.ping()).rejects.toBeInstanceOf(ReadStoreUnavailableError);
      await expect(subject.store.collection('accounts').find({})).rejects.toBeInstanceOf(
        ReadStoreUnavailableError,
      );
      await expect(
        subject.store.collection('accounts').insertOne({ _id: 'a1' }),
      ).rejects.toBeInstanceOf(ReadStoreUnavailableError);
    });
  });
});
