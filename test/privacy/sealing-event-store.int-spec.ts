import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERASED } from '../../src/domain/personal-data';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import {
  envelopeHash,
  type EventEnvelope,
  GENESIS_HASH,
  type NewEvent,
} from '../../src/event-store/event-envelope';
import { SqliteSubjectKeyStore } from '../../src/privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer, UNREADABLE } from '../../src/privacy/personal-data-sealer';
import { SealingEventStore } from '../../src/privacy/sealing-event-store';
import { SubjectIndex } from '../../src/privacy/subject-index';

const OWNER = 'owner-zq7-personal';
const REFERENCE = 'rent for flat 3b, Hauptstrasse';
const STAFF = 'teller-kx9-personal';

function event(type: string, data: object, subject: string): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type,
    schemaVersion: 1,
    data,
    metadata: {
      actor: { subject, roles: ['client'] },
      correlationId: id,
      causationId: id,
      commandId: id,
    },
  };
}

/** Every file of a SQLite database, WAL and journal included. */
function fileBytes(file: string): Buffer {
  return Buffer.concat(
    [file, `${file}-wal`, `${file}-journal`, `${file}-shm`]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path)),
  );
}

function rechain(events: EventEnvelope[]): boolean {
  let previous = GENESIS_HASH;
  for (const stored of events) {
    if (envelopeHash(stored, previous) !== stored.hash) return false;
    previous = stored.hash;
  }
  return true;
}

describe('sealing event store over the embedded store', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let keys: SqliteSubjectKeyStore;
  let store: SealingEventStore;
  let index: SubjectIndex;
  const masterKey = randomBytes(32);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerline-privacy-'));
    inner = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    keys = new SqliteSubjectKeyStore(join(dir, 'subject-keys.sqlite'), masterKey);
    index = new SubjectIndex(randomBytes(32));
    store = new SealingEventStore(inner, new PersonalDataSealer(keys, index));
    await store.append(
      'account-a1',
      [
        event(
          'AccountOpened',
          { accountId: 'a1', ownerId: OWNER, currency: 'EUR', overdraftLimit: 0 },
          OWNER,
        ),
      ],
      'no-stream',
    );
    await store.append(
      'account-a1',
      [
        event(
          'MoneyDeposited',
          { amount: 700, balanceAfter: 700, channel: 'api', reference: REFERENCE },
          STAFF,
        ),
      ],
      0,
    );
    await store.append(
      'transfer-t1',
      [
        event(
          'TransferRequested',
          {
            transferId: 't1',
            fromAccountId: 'a1',
            toAccountId: 'b2',
            amount: 5,
            currency: 'EUR',
            reference: REFERENCE,
          },
          OWNER,
        ),
      ],
      'no-stream',
    );
  });
  afterEach(async () => {
    await inner.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores personal fields sealed, never in the clear, under a hash chain over the ciphertext', async () => {
    const bytes = fileBytes(join(dir, 'events.sqlite'));
    for (const secret of [OWNER, REFERENCE, STAFF]) expect(bytes.includes(secret)).toBe(false);

    const stored = await store.readStream('account-a1');
    expect(stored[0].data).toMatchObject({
      accountId: 'a1',
      currency: 'EUR',
      ownerId: { $sealed: 'A256GCM', subject: index.of(OWNER) },
    });
    expect(stored[1].data).toMatchObject({
      amount: 700,
      balanceAfter: 700,
      reference: { subject: index.of(OWNER) },
    });
    expect(stored[1].metadata.actor).toMatchObject({
      subject: { subject: index.of(STAFF) },
      roles: ['client'],
    });
    expect(rechain(stored)).toBe(true);
    const [transfer] = await store.readStream('transfer-t1');
    expect(transfer.data).toMatchObject({ reference: { subject: index.of(OWNER) } });
  });

  it('opens them for the readers that need the values', async () => {
    const opened = await store.opened.readStream('account-a1');

    expect(opened.map((stored) => stored.data)).toEqual([
      { accountId: 'a1', ownerId: OWNER, currency: 'EUR', overdraftLimit: 0 },
      { amount: 700, balanceAfter: 700, channel: 'api', reference: REFERENCE },
    ]);
    expect(opened[1].metadata.actor).toEqual({ subject: STAFF, roles: ['client'] });
    expect((await store.opened.readAll()).map((stored) => stored.type)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'TransferRequested',
    ]);
  });

  it('after erasure shows the subject fields as erased, keeps amounts, and the chain still verifies', async () => {
    const sealer = new PersonalDataSealer(keys, index);

    expect(await keys.erase(index.of(OWNER))).toBe(1);

    const opened = await store.opened.readAll();
    expect(opened.map((stored) => stored.data)).toEqual([
      { accountId: 'a1', ownerId: ERASED, currency: 'EUR', overdraftLimit: 0 },
      { amount: 700, balanceAfter: 700, channel: 'api', reference: ERASED },
      {
        transferId: 't1',
        fromAccountId: 'a1',
        toAccountId: 'b2',
        amount: 5,
        currency: 'EUR',
        reference: ERASED,
      },
    ]);
    expect(opened.map((stored) => stored.metadata.actor.subject)).toEqual([ERASED, STAFF, ERASED]);
    const stored = await store.readAll();
    expect(await Promise.all(stored.map((each) => sealer.erasedFields(each)))).toEqual([2, 1, 2]);
    expect(rechain(await store.readStream('account-a1'))).toBe(true);
    expect(await keys.key((stored[0].data as any).ownerId.keyId)).toBeUndefined();
  });

  it('detects a changed ciphertext twice: the chain breaks and the value does not open', async () => {
    const db = new Database(join(dir, 'events.sqlite'));
    const row = db
      .prepare("SELECT position, data FROM events WHERE type = 'MoneyDeposited'")
      .get() as {
      position: number;
      data: string;
    };
    const data = JSON.parse(row.data);
    const ct = Buffer.from(data.reference.ct, 'base64');
    ct[0] ^= 1;
    data.reference.ct = ct.toString('base64');
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
      JSON.stringify(data),
      row.position,
    );
    db.close();

    expect(rechain(await store.readStream('account-a1'))).toBe(false);
    const [, deposit] = await store.opened.readStream('account-a1');
    expect(deposit.data).toMatchObject({ amount: 700, reference: UNREADABLE });
  });

  it('does not open a sealed value moved to another event', async () => {
    const [opening, deposit] = await store.readStream('account-a1');
    const moved = {
      ...deposit,
      data: { ...(deposit.data as object), reference: (opening.data as any).ownerId },
    };

    const opened = await new PersonalDataSealer(keys, index).open(moved);

    expect(opened.data).toMatchObject({ reference: UNREADABLE });
  });

  it('keeps data keys wrapped by the master key, and overwrites an erased one', async () => {
    const file = join(dir, 'subject-keys.sqlite');
    const [opening] = await store.readStream('account-a1');
    const keyId = (opening.data as any).ownerId.keyId as string;
    const key = (await keys.key(keyId))!;
    expect(fileBytes(file).includes(key)).toBe(false);
    const wrongMaster = new SqliteSubjectKeyStore(file, randomBytes(32));
    await expect(wrongMaster.key(keyId)).rejects.toThrow();
    await wrongMaster.close();
    const db = new Database(file, { readonly: true });
    const { wrapped } = db
      .prepare('SELECT wrapped FROM subject_keys WHERE key_id = ?')
      .get(keyId) as { wrapped: Buffer };
    db.close();

    await keys.erase(index.of(OWNER));

    expect(fileBytes(file).includes(wrapped)).toBe(false);
    expect(fileBytes(file).includes(Buffer.from(keyId))).toBe(false);
  });
});
