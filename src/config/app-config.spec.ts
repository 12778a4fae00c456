import { ConfigError, loadConfig } from './app-config';

describe('configuration', () => {
  it('defaults to the embedded all-in-one process', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: 'all',
      port: 3000,
      eventStore: { kind: 'embedded' },
      transport: { kind: 'in-process' },
      readStore: { kind: 'embedded' },
    });
  });

  it('reads the production stack', () => {
    const config = loadConfig({
      LEDGER_ROLE: 'projector',
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:19092, kafka:9092',
      READ_STORE: 'mongodb',
      MONGODB_URL: 'mongodb://127.0.0.1:27018/ledgerline',
    });
    expect(config.transport).toEqual({
      kind: 'kafka',
      brokers: ['127.0.0.1:19092', 'kafka:9092'],
      topic: 'ledger-events',
      partitions: 3,
      security: { tls: false },
    });
    expect(config.readStore).toEqual({
      kind: 'mongodb',
      url: 'mongodb://127.0.0.1:27018/ledgerline',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATA_DIR: ' ' }, 'DATA_DIR'],
    [{ LEDGER_ROLE: 'worker' }, 'LEDGER_ROLE'],
    [{ LEDGER_ROLE: 'relay' }, 'LEDGER_ROLE'],
    [{ TRANSPORT: 'kafka' }, 'KAFKA_BROKERS'],
    [{ TRANSPORT: 'kafka', KAFKA_BROKERS: 'nohost' }, 'KAFKA_BROKERS'],
    [{ READ_STORE: 'mongodb' }, 'MONGODB_URL'],
    [{ EVENT_STORE: 'eventstoredb' }, 'EVENTSTORE_URL'],
    [{ EVENT_STORE: 'postgres' }, 'EVENT_STORE'],
  ])('refuses %p, naming %s', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`Invalid setting ${setting}`);
  });
});
