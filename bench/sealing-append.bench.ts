/**
 * What sealing personal fields costs a command: appends of deposits with a reference (each seals
 * the reference and the actor) and whole-stream loads, through the embedded event store bare and
 * through SealingEventStore (opened view for loads), in alternating rounds of one run.
 * Run: node -r ts-node/register/transpile-only bench/sealing-append.bench.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../src/event-store/event-envelope';
import type { EventStore } from '../src/event-store/event-store.port';
import { SqliteSubjectKeyStore } from '../src/privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer } from '../src/privacy/personal-data-sealer';
import { SealingEventStore } from '../src/privacy/sealing-event-store';
import { SubjectIndex } from '../src/privacy/subject-index';

const ACCOUNTS = 50;
const DEPOSITS = 20;
const ROUNDS = 4;

function event(type: string, data: object, subject: string): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type,
    schemaVersion: 2,
    data,
    metadata: {
      actor: { subject, roles: ['teller'] },
      correlationId: id,
      causationId: id,
      commandId: id,
    },
  };
}

/** Appends one event at a time, as commands do; returns appends per second. */
async function appends(store: EventStore, round: number): Promise<number> {
  const startedAt = process.hrtime.bigint();
  for (let a = 0; a < ACCOUNTS; a++) {
    const stream = `account-r${round}-${a}`;
    const owner = `owner-${a}`;
    const opened = {
      accountId: `r${round}-${a}`,
      ownerId: owner,
      currency: 'EUR',
      overdraftLimit: 0,
    };
    await store.append(stream, [event('AccountOpened', opened, owner)], 'no-stream');
    for (let d = 1; d <= DEPOSITS; d++) {
      const deposit = { amount: d, balanceAfter: d, channel: 'api', reference: `salary ${d}` };
      await store.append(stream, [event('MoneyDeposited', deposit, 'teller-1')], d - 1);
    }
  }
  return (ACCOUNTS * (DEPOSITS + 1)) / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

/** Whole-stream loads per second, as the command executor loads an aggregate. */
async function loads(store: EventStore, round: number): Promise<number> {
  const startedAt = process.hrtime.bigint();
  for (let a = 0; a < ACCOUNTS; a++) {
    const events = await store.readStream(`account-r${round}-${a}`);
    if (events.length !== DEPOSITS + 1) throw new Error('The benchmark did not read what it wrote');
  }
  return ACCOUNTS / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-bench-sealing-'));
  const bare = new SqliteEventStore({ file: join(dir, 'bare.sqlite') });
  const keys = new SqliteSubjectKeyStore(join(dir, 'keys.sqlite'), randomBytes(32));
  const sealing = new SealingEventStore(
    new SqliteEventStore({ file: join(dir, 'sealed.sqlite') }),
    new PersonalDataSealer(keys, new SubjectIndex(randomBytes(32))),
  );
  const totals = { bareAppend: 0, sealedAppend: 0, bareLoad: 0, sealedLoad: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Which store goes first alternates too, so that neither always meets a warmer disk cache.
      if (round % 2 === 0) {
        totals.bareAppend += await appends(bare, round);
        totals.sealedAppend += await appends(sealing, round);
      } else {
        totals.sealedAppend += await appends(sealing, round);
        totals.bareAppend += await appends(bare, round);
      }
      totals.bareLoad += await loads(bare, round);
      totals.sealedLoad += await loads(sealing.opened, round);
    }
    const mean = (total: number) => Math.round(total / ROUNDS);
    console.log(`${ACCOUNTS} accounts x ${DEPOSITS + 1} events, ${ROUNDS} alternating rounds:`);
    console.log(
      `  appends/s: bare ${mean(totals.bareAppend)}, sealed ${mean(totals.sealedAppend)} ` +
        `(ratio ${(totals.sealedAppend / totals.bareAppend).toFixed(3)})`,
    );
    console.log(
      `  stream loads/s (21 events): bare ${mean(totals.bareLoad)}, opened ${mean(totals.sealedLoad)} ` +
        `(ratio ${(totals.sealedLoad / totals.bareLoad).toFixed(3)})`,
    );
  } finally {
    await bare.close();
    await sealing.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
