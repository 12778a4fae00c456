import { DuplicateKeyError } from '../../src/read-store/read-store.errors';
import type {
  Filter,
  ReadCollection,
  ReadDocument,
  ReadStore,
} from '../../src/read-store/read-store.port';

export interface ReadStoreUnderTest {
  store: ReadStore;
  /** Opens the same data again, as a restarted process would. */
  reopen?: () => Promise<ReadStore>;
  cleanup: () => Promise<void>;
}

const ids = (documents: ReadDocument[]) => documents.map((document) => document._id);
const sortedIds = (documents: ReadDocument[]) => ids(documents).sort();

const ACCOUNTS: ReadDocument[] = [
  {
    _id: 'a1',
    ownerId: 'o1',
    currency: 'EUR',
    balance: 100,
    tags: ['vip'],
    profile: { tier: 'gold', region: 'eu' },
    closedAt: null,
  },
  {
    _id: 'a2',
    ownerId: 'o1',
    currency: 'USD',
    balance: -20,
    tags: [],
    profile: { tier: 'silver', region: 'us' },
  },
  {
    _id: 'a3',
    ownerId: 'o2',
    currency: 'EUR',
    balance: 0,
    tags: ['vip', 'new'],
    profile: { tier: 'gold', region: 'us' },
    closedAt: '2024-01-01',
  },
  {
    _id: 'a4',
    ownerId: 'o3',
    currency: 'GBP',
    balance: 250,
    profile: { tier: 'bronze', region: 'eu' },
  },
  {
    _id: 'a5',
    ownerId: '$ne',
    currency: 'EUR',
    balance: 100,
    tags: ['new'],
    profile: { tier: 'silver', region: 'eu' },
  },
];

/** Scalars, arrays and missing fields side by side, where an index lookup could go wrong. */
const ITEMS: ReadDocument[] = [
  { _id: 'i1', kind: 'x', n: 1, meta: { code: 'c1' } },
  { _id: 'i2', kind: 'x', n: 2, meta: { code: 'c2' } },
  { _id: 'i3', kind: 1, n: 3 },
  { _id: 'i4', kind: true, n: 4, meta: { code: 'c1' } },
  { _id: 'i5', kind: '1', n: 5 },
  { _id: 'i6', kind: ['x', 'y'], n: 6, meta: [{ code: 'c1' }, { code: 'c3' }] },
  { _id: 'i7', n: 7, meta: { code: null } },
  { _id: 'i8', kind: null, n: 8, meta: { code: ['c1'] } },
];

/**
 * The behaviour every ReadStore adapter must show. It asserts MongoDB's semantics only, since the
 * same suite runs against a MongoDB-wire server; collection names carry a per-run prefix so that
 * runs sharing a server do not meet.
 */
export function describeReadStoreContract(
  adapterName: string,
  open: () => Promise<ReadStoreUnderTest>,
): void {
  describe(`ReadStore contract: ${adapterName}`, () => {
    const prefix = `contract_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    let sequence = 0;
    const uniqueName = (label: string) => `${prefix}_${label}_${++sequence}`;

    let subject: ReadStoreUnderTest;
    const collection = <T extends ReadDocument = ReadDocument>(label: string): ReadCollection<T> =>
      subject.store.collection<T>(uniqueName(label));
    const seeded = async (label: string, documents: ReadDocument[]) => {
      const seededCollection = collection(label);
      for (const document of documents) await seededCollection.insertOne(structuredClone(document));
      return seededCollection;
    };

    beforeAll(async () => {
      subject = await open();
    });

    afterAll(async () => {
      const names = await subject.store.listCollections();
      for (const name of names.filter((candidate) => candidate.startsWith(prefix))) {
        await subject.store.collection(name).drop();
      }
      await subject.cleanup();
    });

    describe('documents', () => {
      it('finds an inserted document by _id, with nested values intact', async () => {
        const accounts = await seeded('docs', ACCOUNTS);

        expect(await accounts.findOne({ _id: 'a1' })).toEqual(ACCOUNTS[0]);
        expect(await accounts.findOne({ _id: 'missing' })).toBeNull();
        expect(sortedIds(await accounts.find({}))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
      });

      it('keeps stored documents apart from the objects handed in and out', async () => {
        const accounts = collection('copies');
        const input = { _id: 'c1', profile: { tier: 'gold' }, tags: ['a'] };
        await accounts.insertOne(input);
        input.profile.tier = 'changed';
        input.tags.push('changed');

        const first = await accounts.findOne({ _id: 'c1' });
        (first?.profile as { tier: string }).tier = 'mutated';
        (first?.tags as string[]).push('mutated');

        expect(await accounts.findOne({ _id: 'c1' })).toEqual({
          _id: 'c1',
          profile: { tier: 'gold' },
          tags: ['a'],
        });
      });

      it('rejects a second insert of the same _id and keeps the first', async () => {
        const accounts = collection('dup-id');
        await accounts.insertOne({ _id: 'd1', v: 1 });

        await expect(accounts.insertOne({ _id: 'd1', v: 2 })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        expect(await accounts.find({})).toEqual([{ _id: 'd1', v: 1 }]);
      });

      it('reads a collection that was never written as empty', async () => {
        const never = collection('never');

        expect(await never.find({ a: 1 })).toEqual([]);
        expect(await never.findOne({ _id: 'x' })).toBeNull();
        expect(await never.countDocuments()).toBe(0);
        expect(await never.deleteMany({})).toBe(0);
      });
    });

    describe('filters', () => {
      let accounts: ReadCollection;
      beforeAll(async () => {
        accounts = await seeded('filters', ACCOUNTS);
      });

      it.each<[string, Filter, string[]]>([
        ['everything', {}, ['a1', 'a2', 'a3', 'a4', 'a5']],
        ['implicit equality', { currency: 'EUR' }, ['a1', 'a3', 'a5']],
        ['$eq', { currency: { $eq: 'EUR' } }, ['a1', 'a3', 'a5']],
        ['$ne', { currency: { $ne: 'EUR' } }, ['a2', 'a4']],
        ['$gt', { balance: { $gt: 100 } }, ['a4']],
        ['$gte', { balance: { $gte: 100 } }, ['a1', 'a4', 'a5']],
        ['$lt', { balance: { $lt: 0 } }, ['a2']],
        ['$lte', { balance: { $lte: 0 } }, ['a2', 'a3']],
        ['a range on one field', { balance: { $gt: 0, $lt: 200 } }, ['a1', 'a5']],
        ['$in', { currency: { $in: ['USD', 'GBP'] } }, ['a2', 'a4']],
        ['$nin', { currency: { $nin: ['EUR', 'USD'] } }, ['a4']],
        ['$exists true, null included', { closedAt: { $exists: true } }, ['a1', 'a3']],
        ['$exists false', { closedAt: { $exists: false } }, ['a2', 'a4', 'a5']],
        ['null matching null or missing', { closedAt: null }, ['a1', 'a2', 'a4', 'a5']],
        ['$and', { $and: [{ currency: 'EUR' }, { balance: { $gte: 100 } }] }, ['a1', 'a5']],
        ['$or', { $or: [{ ownerId: 'o2' }, { currency: 'GBP' }] }, ['a3', 'a4']],
        ['a dotted path', { 'profile.tier': 'gold' }, ['a1', 'a3']],
        ['a dotted path with $in', { 'profile.region': { $in: ['us'] } }, ['a2', 'a3']],
        ['an array element', { tags: 'vip' }, ['a1', 'a3']],
        ['fields combined', { ownerId: 'o1', currency: 'USD' }, ['a2']],
        ['an operator-like string, literally', { ownerId: '$ne' }, ['a5']],
        ['an operator-like string under $eq', { ownerId: { $eq: '$ne' } }, ['a5']],
        ['an operator-like string under $in', { ownerId: { $in: ['$gt', '$ne'] } }, ['a5']],
      ])('matches %s', async (_, filter, expected) => {
        expect(sortedIds(await accounts.find(filter))).toEqual(expected);
      });

      it('refuses an unknown operator', async () => {
        await expect(accounts.find({ balance: { $nope: 1 } })).rejects.toThrow();
        await expect(accounts.find({ currency: 'EUR', balance: { $nope: 1 } })).rejects.toThrow();
      });

      it('counts documents with and without a filter', async () => {
        expect(await accounts.countDocuments()).toBe(5);
        expect(await accounts.countDocuments({})).toBe(5);
        expect(await accounts.countDocuments({ currency: 'EUR' })).toBe(3);
        expect(await accounts.countDocuments({ currency: 'CHF' })).toBe(0);
      });

      it('finds one matching document or null', async () => {
        expect((await accounts.findOne({ ownerId: 'o2' }))?._id).toBe('a3');
        expect(await accounts.findOne({ ownerId: 'nobody' })).toBeNull();
      });
    });

    describe('sort and limit', () => {
      let accounts: ReadCollection;
      beforeAll(async () => {
        accounts = await seeded('sort', ACCOUNTS);
      });

      it('sorts ascending and descending on one key', async () => {
        const withoutTie = { _id: { $ne: 'a5' } };
        expect(ids(await accounts.find(withoutTie, { sort: { balance: 1 } }))).toEqual([
          'a2',
          'a3',
          'a1',
          'a4',
        ]);
        expect(ids(await accounts.find(withoutTie, { sort: { balance: -1 } }))).toEqual([
          'a4',
          'a1',
          'a3',
          'a2',
        ]);
      });

      it('breaks ties with a second key', async () => {
        expect(ids(await accounts.find({}, { sort: { currency: 1, _id: -1 } }))).toEqual([
          'a5',
          'a3',
          'a1',
          'a4',
          'a2',
        ]);
        expect(ids(await accounts.find({}, { sort: { balance: -1, _id: 1 } }))).toEqual([
          'a4',
          'a1',
          'a5',
          'a3',
          'a2',
        ]);
      });

      it('sorts on a dotted path', async () => {
        expect(ids(await accounts.find({}, { sort: { 'profile.tier': 1, _id: 1 } }))).toEqual([
          'a4',
          'a1',
          'a3',
          'a2',
          'a5',
        ]);
      });

      it('sorts before it limits', async () => {
        const sort = { balance: -1 as const, _id: 1 as const };
        expect(ids(await accounts.find({}, { sort, limit: 2 }))).toEqual(['a4', 'a1']);
        expect(ids(await accounts.find({ balance: { $lt: 100 } }, { sort, limit: 10 }))).toEqual([
          'a3',
          'a2',
        ]);
      });

      it('limits without a sort', async () => {
        const page = await accounts.find({ currency: 'EUR' }, { limit: 1 });
        expect(page).toHaveLength(1);
        expect(['a1', 'a3', 'a5']).toContain(page[0]._id);
        expect(await accounts.find({}, { limit: 3 })).toHaveLength(3);
      });
    });

    describe('updateOne', () => {
      it('applies $set, including a dotted path', async () => {
        const accounts = await seeded('set', [ACCOUNTS[0]]);

        const result = await accounts.updateOne(
          { _id: 'a1' },
          { $set: { currency: 'CHF', 'profile.tier': 'platinum', 'limits.daily': 500 } },
        );

        expect(result).toEqual({ matchedCount: 1, upsertedId: null });
        expect(await accounts.findOne({ _id: 'a1' })).toEqual({
          ...ACCOUNTS[0],
          currency: 'CHF',
          profile: { tier: 'platinum', region: 'eu' },
          limits: { daily: 500 },
        });
      });

      it('applies $max only when it raises the value, and sets a missing field', async () => {
        const accounts = await seeded('max', [{ _id: 'm1', high: 10 }]);

        await accounts.updateOne({ _id: 'm1' }, { $max: { high: 5 } });
        expect(await accounts.findOne({ _id: 'm1' })).toEqual({ _id: 'm1', high: 10 });
        await accounts.updateOne({ _id: 'm1' }, { $max: { high: 15, first: 1 } });

        expect(await accounts.findOne({ _id: 'm1' })).toEqual({ _id: 'm1', high: 15, first: 1 });
      });

      it('ignores $setOnInsert when a document matches', async () => {
        const accounts = await seeded('set-on-insert', [ACCOUNTS[0]]);

        await accounts.updateOne(
          { _id: 'a1' },
          { $set: { balance: 1 }, $setOnInsert: { createdBy: 'x' } },
          { upsert: true },
        );

        expect(await accounts.findOne({ _id: 'a1' })).toEqual({ ...ACCOUNTS[0], balance: 1 });
      });

      it('changes nothing when nothing matches and upsert is off', async () => {
        const accounts = await seeded('nomatch', [ACCOUNTS[0]]);

        expect(await accounts.updateOne({ _id: 'zz' }, { $set: { balance: 1 } })).toEqual({
          matchedCount: 0,
          upsertedId: null,
        });
        expect(await accounts.countDocuments()).toBe(1);
      });

      it('updates a single document when several match', async () => {
        const accounts = await seeded('single', ACCOUNTS);

        await accounts.updateOne({ currency: 'EUR' }, { $set: { flagged: true } });

        expect(await accounts.countDocuments({ flagged: true })).toBe(1);
      });

      it('stores an operator-like string value literally', async () => {
        const accounts = await seeded('literal', [ACCOUNTS[1]]);

        await accounts.updateOne({ _id: 'a2' }, { $set: { ownerId: '$ne', note: '$balance' } });

        expect(await accounts.findOne({ _id: 'a2' })).toMatchObject({
          ownerId: '$ne',
          note: '$balance',
        });
        expect(await accounts.countDocuments({ ownerId: 'o1' })).toBe(0);
      });
    });

    describe('upsert', () => {
      it('builds the new document from the equality fields of the filter and the update', async () => {
        const accounts = collection('upsert');

        const result = await accounts.updateOne(
          { _id: 'u1', ownerId: 'o9', 'profile.region': 'eu', balance: { $gte: 0 } },
          { $set: { currency: 'EUR', balance: 5 }, $setOnInsert: { createdBy: 'test' } },
          { upsert: true },
        );

        expect(result).toEqual({ matchedCount: 0, upsertedId: 'u1' });
        expect(await accounts.findOne({ _id: 'u1' })).toEqual({
          _id: 'u1',
          ownerId: 'o9',
          profile: { region: 'eu' },
          currency: 'EUR',
          balance: 5,
          createdBy: 'test',
        });
      });

      it('updates instead of inserting once the document exists', async () => {
        const accounts = collection('upsert-twice');
        const upsert = () =>
          accounts.updateOne(
            { _id: 'u2' },
            { $set: { seen: true }, $setOnInsert: { first: true } },
            { upsert: true },
          );

        expect(await upsert()).toEqual({ matchedCount: 0, upsertedId: 'u2' });
        expect(await upsert()).toEqual({ matchedCount: 1, upsertedId: null });
        expect(await accounts.find({})).toEqual([{ _id: 'u2', seen: true, first: true }]);
      });

      it('applies a revision-guarded update to an older document', async () => {
        const accounts = await seeded('guard-older', [{ _id: 'r1', rev: 1, v: 'old' }]);

        const result = await accounts.updateOne(
          { _id: 'r1', rev: { $lt: 3 } },
          { $set: { rev: 3, v: 'new' } },
          { upsert: true },
        );

        expect(result).toEqual({ matchedCount: 1, upsertedId: null });
        expect(await accounts.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', rev: 3, v: 'new' });
      });

      it('refuses a revision-guarded upsert over a newer document', async () => {
        const accounts = await seeded('guard-newer', [{ _id: 'r1', rev: 5, v: 'newer' }]);

        await expect(
          accounts.updateOne(
            { _id: 'r1', rev: { $lt: 3 } },
            { $set: { rev: 3, v: 'stale' } },
            { upsert: true },
          ),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(
          accounts.bulkWrite([
            {
              replaceOne: {
                filter: { _id: 'r1', rev: { $lt: 3 } },
                replacement: { _id: 'r1', rev: 3, v: 'stale' },
                upsert: true,
              },
            },
          ]),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await accounts.find({})).toEqual([{ _id: 'r1', rev: 5, v: 'newer' }]);
      });

      it('seeds an operator-like string from the filter literally', async () => {
        const accounts = collection('upsert-literal');

        await accounts.updateOne(
          { _id: 'u3', ownerId: '$ne' },
          { $set: { n: 1 } },
          { upsert: true },
        );

        expect(await accounts.findOne({ _id: 'u3' })).toEqual({ _id: 'u3', ownerId: '$ne', n: 1 });
      });
    });

    describe('replaceOne', () => {
      it('inserts on upsert, then replaces the whole document', async () => {
        const accounts = collection('replace');

        expect(
          await accounts.replaceOne({ _id: 'p1' }, { _id: 'p1', a: 1, b: 2 }, { upsert: true }),
        ).toEqual({ matchedCount: 0, upsertedId: 'p1' });
        expect(await accounts.replaceOne({ _id: 'p1' }, { _id: 'p1', c: 3 })).toEqual({
          matchedCount: 1,
          upsertedId: null,
        });
        expect(await accounts.find({})).toEqual([{ _id: 'p1', c: 3 }]);
      });

      it('changes nothing when nothing matches and upsert is off', async () => {
        const accounts = collection('replace-nomatch');

        expect(await accounts.replaceOne({ _id: 'p2' }, { _id: 'p2', a: 1 })).toEqual({
          matchedCount: 0,
          upsertedId: null,
        });
        expect(await accounts.countDocuments()).toBe(0);
      });

      it('refuses a revision-guarded upsert over a newer document', async () => {
        const accounts = await seeded('replace-guard', [{ _id: 'p3', rev: 5 }]);

        await expect(
          accounts.replaceOne(
            { _id: 'p3', rev: { $lt: 3 } },
            { _id: 'p3', rev: 3 },
            { upsert: true },
          ),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await accounts.find({})).toEqual([{ _id: 'p3', rev: 5 }]);
      });
    });

    describe('deleteMany', () => {
      it('deletes the matching documents and returns how many', async () => {
        const accounts = await seeded('delete', ACCOUNTS);

        expect(await accounts.deleteMany({ currency: 'EUR' })).toBe(3);
        expect(await accounts.deleteMany({ currency: 'EUR' })).toBe(0);
        expect(sortedIds(await accounts.find({}))).toEqual(['a2', 'a4']);
      });
    });

    describe('bulkWrite', () => {
      it('applies inserts and replacements in order', async () => {
        const accounts = await seeded('bulk', ACCOUNTS);

        await accounts.bulkWrite([
          { insertOne: { document: { _id: 'b1', currency: 'EUR', balance: 1 } } },
          { replaceOne: { filter: { _id: 'a2' }, replacement: { _id: 'a2', replaced: true } } },
          { replaceOne: { filter: { _id: 'b4' }, replacement: { _id: 'b4', r: 1 }, upsert: true } },
          { replaceOne: { filter: { _id: 'zz' }, replacement: { _id: 'zz', r: 2 } } },
        ]);

        expect(await accounts.countDocuments()).toBe(ACCOUNTS.length + 2);
        expect(await accounts.findOne({ _id: 'a2' })).toEqual({ _id: 'a2', replaced: true });
        expect(await accounts.findOne({ _id: 'b4' })).toEqual({ _id: 'b4', r: 1 });
        expect(await accounts.findOne({ _id: 'zz' })).toBeNull();
      });

      it('sees the effect of earlier operations in the same batch', async () => {
        const accounts = collection('bulk-order');

        await accounts.bulkWrite([
          { insertOne: { document: { _id: 'o1', n: 1 } } },
          { replaceOne: { filter: { _id: 'o1', n: 1 }, replacement: { _id: 'o1', n: 2 } } },
          { replaceOne: { filter: { _id: 'o1', n: 2 }, replacement: { _id: 'o1', n: 3 } } },
        ]);

        expect(await accounts.findOne({ _id: 'o1' })).toEqual({ _id: 'o1', n: 3 });
      });

      it('applies updates, with upserts, beside the other operations', async () => {
        const counters = collection('bulk-update');

        await counters.bulkWrite([
          { insertOne: { document: { _id: 'u1', n: 5 } } },
          { updateOne: { filter: { _id: 'u1' }, update: { $max: { n: 3 }, $set: { at: 'x' } } } },
          { updateOne: { filter: { _id: 'u2' }, update: { $max: { n: 7 } }, upsert: true } },
          { updateOne: { filter: { _id: 'u3' }, update: { $set: { n: 1 } } } },
          { updateOne: { filter: { _id: 'u2' }, update: { $max: { n: 9 } } } },
        ]);

        expect(await counters.findOne({ _id: 'u1' })).toEqual({ _id: 'u1', n: 5, at: 'x' });
        expect(await counters.findOne({ _id: 'u2' })).toEqual({ _id: 'u2', n: 9 });
        expect(await counters.findOne({ _id: 'u3' })).toBeNull();
      });

      it('does nothing for an empty batch', async () => {
        const accounts = collection('bulk-empty');
        await accounts.bulkWrite([]);
        expect(await accounts.countDocuments()).toBe(0);
      });
    });

    describe('indexes', () => {
      it('rejects a second document with the same unique value, on insert, update and upsert', async () => {
        const users = collection('unique');
        await users.createIndex({ keys: { email: 1 }, unique: true });
        await users.insertOne({ _id: 'u1', email: 'a@x' });
        await users.insertOne({ _id: 'u2', email: 'b@x' });

        await expect(users.insertOne({ _id: 'u3', email: 'a@x' })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        await expect(
          users.updateOne({ _id: 'u2' }, { $set: { email: 'a@x' } }),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(
          users.updateOne({ _id: 'u4' }, { $set: { email: 'b@x' } }, { upsert: true }),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await users.find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'u1', email: 'a@x' },
          { _id: 'u2', email: 'b@x' },
        ]);
      });

      it('counts a missing field as null in a unique index', async () => {
        const users = collection('unique-missing');
        await users.createIndex({ keys: { email: 1 }, unique: true });
        await users.insertOne({ _id: 'u1' });

        await expect(users.insertOne({ _id: 'u2', email: null })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        await users.insertOne({ _id: 'u3', email: 'c@x' });
        expect(await users.countDocuments()).toBe(2);
      });

      it('accepts the same index twice', async () => {
        const users = collection('same-index');
        await users.createIndex({ keys: { email: 1 }, unique: true });
        await users.createIndex({ keys: { email: 1 }, unique: true });
        await users.insertOne({ _id: 'u1', email: 'a@x' });

        await expect(users.insertOne({ _id: 'u2', email: 'a@x' })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
      });

      it('refuses a unique index over duplicate values', async () => {
        const users = await seeded('unique-late', [
          { _id: 'u1', email: 'a@x' },
          { _id: 'u2', email: 'a@x' },
        ]);

        await expect(users.createIndex({ keys: { email: 1 }, unique: true })).rejects.toThrow();
        await users.insertOne({ _id: 'u3', email: 'a@x' });
        expect(await users.countDocuments({ email: 'a@x' })).toBe(3);
      });

      it('answers queries on an indexed field exactly as on a field without an index', async () => {
        const indexed = collection('indexed');
        await indexed.createIndex({ keys: { kind: 1 } });
        await indexed.createIndex({ keys: { 'meta.code': 1, n: -1 } });
        for (const item of ITEMS) await indexed.insertOne(structuredClone(item));
        const plain = await seeded('not-indexed', ITEMS);

        const cases: [Filter, string[]][] = [
          [{ kind: 'x' }, ['i1', 'i2', 'i6']],
          [{ kind: { $eq: 'x' } }, ['i1', 'i2', 'i6']],
          [{ kind: 1 }, ['i3']],
          [{ kind: true }, ['i4']],
          [{ kind: '1' }, ['i5']],
          [{ kind: null }, ['i7', 'i8']],
          [{ kind: 'y' }, ['i6']],
          [{ kind: 'x', n: { $gt: 1 } }, ['i2', 'i6']],
          [{ $and: [{ kind: 'x' }, { n: { $lt: 2 } }] }, ['i1']],
          [{ kind: { $in: ['x', 1] } }, ['i1', 'i2', 'i3', 'i6']],
          [{ 'meta.code': 'c1' }, ['i1', 'i4', 'i6', 'i8']],
          [{ 'meta.code': { $ne: 'c1' } }, ['i2', 'i3', 'i5', 'i7']],
          [{ 'meta.code': 'c3', kind: 'y' }, ['i6']],
        ];
        for (const [filter, expected] of cases) {
          const fromIndexed = await indexed.find(filter, { sort: { _id: 1 } });
          expect({ filter, ids: ids(fromIndexed) }).toEqual({ filter, ids: expected });
          expect(await plain.find(filter, { sort: { _id: 1 } })).toEqual(fromIndexed);
          expect(await indexed.countDocuments(filter)).toBe(expected.length);
        }
      });

      it('keeps an index current through updates and deletes', async () => {
        const items = collection('index-writes');
        await items.createIndex({ keys: { kind: 1 } });
        for (const item of ITEMS) await items.insertOne(structuredClone(item));

        await items.updateOne({ _id: 'i1' }, { $set: { kind: 'z' } });
        await items.updateOne({ _id: 'i3' }, { $set: { kind: ['z'] } });
        await items.deleteMany({ kind: 'x' });

        expect(sortedIds(await items.find({ kind: 'z' }))).toEqual(['i1', 'i3']);
        expect(await items.find({ kind: 'x' })).toEqual([]);
        expect(await items.countDocuments()).toBe(6);
      });
    });

    describe('collections', () => {
      it('lists the collections written to', async () => {
        const name = uniqueName('listed');
        await subject.store.collection(name).insertOne({ _id: 'l1' });

        expect(await subject.store.listCollections()).toContain(name);
      });

      it('tells collection names apart by case', async () => {
        const name = uniqueName('case');
        await subject.store.collection(`${name}A`).insertOne({ _id: 'upper' });
        await subject.store.collection(`${name}a`).insertOne({ _id: 'lower' });

        expect(ids(await subject.store.collection(`${name}A`).find({}))).toEqual(['upper']);
        expect(ids(await subject.store.collection(`${name}a`).find({}))).toEqual(['lower']);
        expect(await subject.store.listCollections()).toEqual(
          expect.arrayContaining([`${name}A`, `${name}a`]),
        );
      });

      it('renames a collection over an existing one, indexes included', async () => {
        const [from, to] = [uniqueName('rename-from'), uniqueName('rename-to')];
        const source = subject.store.collection(from);
        await source.createIndex({ keys: { email: 1 }, unique: true });
        await source.insertOne({ _id: 'new', email: 'a@x' });
        await subject.store.collection(to).insertOne({ _id: 'old' });

        await subject.store.renameCollection(from, to);

        const target = subject.store.collection(to);
        expect(await target.find({})).toEqual([{ _id: 'new', email: 'a@x' }]);
        await expect(target.insertOne({ _id: 'dup', email: 'a@x' })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        expect(await subject.store.listCollections()).not.toContain(from);
        expect(await source.find({})).toEqual([]);
      });

      it('renames a collection to a new name', async () => {
        const [from, to] = [uniqueName('move-from'), uniqueName('move-to')];
        await subject.store.collection(from).insertOne({ _id: 'm1' });

        await subject.store.renameCollection(from, to);

        expect(await subject.store.collection(to).find({})).toEqual([{ _id: 'm1' }]);
      });

      it('drops a collection, which can then be written again', async () => {
        const name = uniqueName('drop');
        const dropped = subject.store.collection(name);
        await dropped.createIndex({ keys: { email: 1 }, unique: true });
        await dropped.insertOne({ _id: 'd1', email: 'a@x' });

        await dropped.drop();

        expect(await dropped.find({})).toEqual([]);
        expect(await dropped.countDocuments()).toBe(0);
        expect(await subject.store.listCollections()).not.toContain(name);
        await dropped.insertOne({ _id: 'd2', email: 'a@x' });
        await dropped.insertOne({ _id: 'd3', email: 'a@x' });
        expect(await dropped.countDocuments()).toBe(2);
      });

      it('answers a ping', async () => {
        await expect(subject.store.ping()).resolves.toBeUndefined();
      });
    });

    describe('durability', () => {
      it('keeps documents and unique indexes when the store is opened again', async () => {
        const own = await open();
        try {
          // An adapter without reopen has nothing durable to check.
          if (!own.reopen) return;
          const name = uniqueName('durable');
          const before = own.store.collection(name);
          await before.createIndex({ keys: { email: 1 }, unique: true });
          await before.insertOne({ _id: 'k1', email: 'a@x', n: 1 });
          await before.updateOne({ _id: 'k1' }, { $set: { n: 2 } });
          await before.bulkWrite([{ insertOne: { document: { _id: 'k2', email: 'b@x' } } }]);
          await own.store.close();
          await own.store.close();

          const reopened = await own.reopen();
          const after = reopened.collection(name);

          expect(await after.find({}, { sort: { _id: 1 } })).toEqual([
            { _id: 'k1', email: 'a@x', n: 2 },
            { _id: 'k2', email: 'b@x' },
          ]);
          await expect(after.insertOne({ _id: 'k3', email: 'a@x' })).rejects.toBeInstanceOf(
            DuplicateKeyError,
          );
          await after.drop();
        } finally {
          await own.cleanup();
        }
      });
    });
  });
}
