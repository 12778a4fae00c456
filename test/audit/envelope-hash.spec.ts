import {
  canonicalEnvelope,
  envelopeHash,
  GENESIS_HASH,
} from '../../src/event-store/event-envelope';

// The auditor's script is plain JavaScript with no types of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../scripts/verify-audit-chain.js') as {
  canonicalize: (value: unknown) => string;
  eventHash: (event: unknown, previousHash: string) => string;
};

/** The worked example of README "Audit trail"; the hashes were computed with Python's hashlib. */
const opened = {
  eventId: '7d0e9d4e-1c1f-4c59-9a57-2f6f0c4a9b11',
  type: 'AccountOpened',
  schemaVersion: 1,
  streamId: 'account-alice-eur',
  revision: 0,
  position: 1,
  recordedAt: '2026-11-24T10:52:00.123Z',
  data: { accountId: 'alice-eur', ownerId: 'alice', currency: 'EUR', overdraftLimit: 0 },
  metadata: {
    actor: { subject: 'anonymous', roles: [] },
    correlationId: 'c-1',
    causationId: 'k-1',
    commandId: 'k-1',
  },
  hash: 'e59c439358fdafb3fa7a125ca18fcabc9c926205e72935c300bcb8bd9d5091c5',
};
const deposited = {
  ...opened,
  eventId: '0b7f0c1e-5d3a-4f7e-8a52-3c1d2e4f5a6b',
  type: 'MoneyDeposited',
  revision: 1,
  position: 2,
  recordedAt: '2026-11-24T10:53:00.000Z',
  data: { amount: 250000, balanceAfter: 250000, channel: 'api', reference: 'salär € 1' },
  metadata: { ...opened.metadata, correlationId: 'c-2', causationId: 'k-2', commandId: 'k-2' },
  hash: 'e095c8fe892885a3ef122545315ee491ecd07f42f54fd6c8688fa8a41e62f83e',
};

describe('the hash chain rule', () => {
  it('gives the documented canonical form: sorted members, no whitespace, no position or hash', () => {
    expect(canonicalEnvelope(opened)).toBe(
      '{"data":{"accountId":"alice-eur","currency":"EUR","overdraftLimit":0,"ownerId":"alice"},' +
        '"eventId":"7d0e9d4e-1c1f-4c59-9a57-2f6f0c4a9b11","metadata":{"actor":{"roles":[],' +
        '"subject":"anonymous"},"causationId":"k-1","commandId":"k-1","correlationId":"c-1"},' +
        '"recordedAt":"2026-11-24T10:52:00.123Z","revision":0,"schemaVersion":1,' +
        '"streamId":"account-alice-eur","type":"AccountOpened"}',
    );
  });

  it('matches hashes computed by an independent implementation', () => {
    expect(envelopeHash(opened, GENESIS_HASH)).toBe(opened.hash);
    expect(envelopeHash(deposited, opened.hash)).toBe(deposited.hash);
    expect(script.eventHash(opened, '0'.repeat(64))).toBe(opened.hash);
    expect(script.eventHash(deposited, opened.hash)).toBe(deposited.hash);
  });

  it('ignores position, and changes with every hashed field and with the previous hash', () => {
    const base = envelopeHash(deposited, opened.hash);
    expect(envelopeHash({ ...deposited, position: 99 } as typeof deposited, opened.hash)).toBe(
      base,
    );
    const variants = [
      { ...deposited, eventId: 'other' },
      { ...deposited, type: 'MoneyWithdrawn' },
      { ...deposited, schemaVersion: 2 },
      { ...deposited, streamId: 'account-bob' },
      { ...deposited, revision: 2 },
      { ...deposited, recordedAt: '2026-11-24T10:53:00.001Z' },
      { ...deposited, data: { ...deposited.data, amount: 250001 } },
      { ...deposited, metadata: { ...deposited.metadata, actor: { subject: 'x', roles: [] } } },
    ];
    for (const variant of variants) expect(envelopeHash(variant, opened.hash)).not.toBe(base);
    expect(envelopeHash(deposited, GENESIS_HASH)).not.toBe(base);
  });

  it("canonicalizes RFC 8785's own example the same way in the app and in the script", () => {
    // RFC 8785 section 3.2.2, parsed from its JSON text.
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';

    expect(script.canonicalize(input)).toBe(expected);
    const viaApp = canonicalEnvelope({ ...opened, data: input });
    expect(viaApp).toContain(`"data":${expected}`);
  });
});
