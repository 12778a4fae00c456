import type { EventEnvelope } from '../event-store/event-envelope';
import { CSV_COLUMNS, csvField, csvRow } from './audit-export';

describe('CSV export cells', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
  ])('neutralises %j as a formula', (cell, written) => {
    expect(csvField(cell)).toBe(written);
  });

  it.each([
    ['alice', 'alice'],
    ['a=b', 'a=b'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    [42, '42'],
    [undefined, ''],
  ])('writes %j as %j', (cell, written) => {
    expect(csvField(cell)).toBe(written);
  });

  it('neutralises an actor and a correlation id that start a formula, in a whole row', () => {
    const event = {
      position: 1,
      streamId: 'account-a',
      revision: 0,
      eventId: 'e1',
      type: 'AccountOpened',
      schemaVersion: 1,
      recordedAt: '2026-12-01T00:00:00.000Z',
      data: { ownerId: '=cmd' },
      metadata: {
        actor: { subject: '=cmd|" /C calc"!A0', roles: ['client'] },
        correlationId: '@x',
        causationId: 'c',
        commandId: 'k',
      },
      hash: 'h',
    } as unknown as EventEnvelope;
    const row = csvRow(event);
    const cells = row.split(',');
    expect(cells[CSV_COLUMNS.indexOf('actor')]).toBe(`"'=cmd|"" /C calc""!A0"`);
    expect(cells[CSV_COLUMNS.indexOf('correlationId')]).toBe(`"'@x"`);
    // JSON columns start with "{" and keep the exact values.
    expect(row).toContain('"{""ownerId"":""=cmd""}"');
  });
});
