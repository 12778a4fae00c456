import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVELOPMENT_SECRET } from '../../src/auth/auth-config';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { makeTestCertificate, type TestCertificate } from '../support/test-certificate';

const strong = () => randomBytes(32).toString('hex');
/** An Ed25519 anchor signing key in PEM, as production needs one. */
const signingKey = () =>
  generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
/** A production environment that starts, for each case to spoil one setting of. */
const production = () => ({
  LEDGER_ENV: 'production',
  JWT_SECRET: strong(),
  AUDIT_SIGNING_KEY: signingKey(),
  PRIVACY_MASTER_KEY: strong(),
});

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`started with ${JSON.stringify(env)}`);
}

describe('start-up refusals', () => {
  it('starts with strong secrets of its own in production', () => {
    expect(loadConfig(production()).environment).toBe('production');
  });

  describe('production mode', () => {
    it('is switched on by NODE_ENV=production alone', () => {
      const env = {
        NODE_ENV: 'production',
        JWT_SECRET: strong(),
        AUDIT_SIGNING_KEY: signingKey(),
        PRIVACY_MASTER_KEY: strong(),
      };
      expect(loadConfig(env).environment).toBe('production');
      expect(refusal({ NODE_ENV: 'production', AUDIT_SIGNING_KEY: signingKey() })).toMatch(
        /^Invalid setting JWT_SECRET: must be set in production/,
      );
    });

    it('refuses LEDGER_ENV=development under NODE_ENV=production', () => {
      const env = { ...production(), LEDGER_ENV: 'development', NODE_ENV: 'production' };
      expect(refusal(env)).toMatch(/^Invalid setting LEDGER_ENV: is development while NODE_ENV/);
    });

    it('stays development under any other NODE_ENV', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).environment).toBe('development');
    });

    it('needs an anchor signing key in production, named in one line', () => {
      const env = { LEDGER_ENV: 'production', JWT_SECRET: strong(), PRIVACY_MASTER_KEY: strong() };
      expect(refusal(env)).toMatch(
        /^Invalid setting AUDIT_SIGNING_KEY: must be set \(or AUDIT_SIGNING_KEY_FILE\) in production/,
      );
      // Roles that do not serve the api never sign anchors.
      expect(() =>
        loadConfig({ ...env, LEDGER_ROLE: 'relay', TRANSPORT: 'kafka', KAFKA_BROKERS: 'k:9092' }),
      ).not.toThrow();
    });
  });

  it('needs the privacy master key in production, in every role, named in one line', () => {
    const { PRIVACY_MASTER_KEY: _key, ...env } = production();
    expect(refusal(env)).toMatch(
      /^Invalid setting PRIVACY_MASTER_KEY: must be set \(or PRIVACY_MASTER_KEY_FILE\) in production/,
    );
    expect(
      refusal({ ...env, LEDGER_ROLE: 'relay', TRANSPORT: 'kafka', KAFKA_BROKERS: 'k:9092' }),
    ).toMatch(/^Invalid setting PRIVACY_MASTER_KEY: must be set/);
    expect(refusal({ ...env, PRIVACY_MASTER_KEY: 'f'.repeat(63) })).toMatch(
      /^Invalid setting PRIVACY_MASTER_KEY: must hold 64 hex digits/,
    );
  });

  describe.each(['JWT_SECRET'])('%s', (setting) => {
    it.each([
      ['the compose placeholder', 'change-me-to-a-long-random-secret-of-your-own'],
      ['the other compose placeholder', 'change-me-to-another-long-random-key-of-your-own'],
      ['the development secret', DEVELOPMENT_SECRET],
      ['a placeholder of the same kind', `replace-me-${strong()}`],
    ])('refuses %s', (_, secret) => {
      expect(refusal({ ...production(), [setting]: secret })).toBe(
        `Invalid setting ${setting}: is a published placeholder; in production use a random ` +
          'value of your own, e.g. `openssl rand -hex 32`',
      );
    });

    it.each([
      ['32 spaces', ' '.repeat(32), 'repeats a shorter block'],
      ['one repeated character', 'x'.repeat(64), 'repeats a shorter block'],
      ['a repeated block', 'Secr3t!'.repeat(6), 'repeats a shorter block'],
      [
        'a two-letter alphabet',
        '0110100110010110100101100110100101101001',
        'has too little entropy',
      ],
      [
        'a short alphabet',
        'abcabcabcabcbcabcacbabcbacbacbabcabcbabcabcabc',
        'has too little entropy',
      ],
      ['31 random characters', strong().slice(0, 31), 'must be at least 32 characters'],
    ])('refuses %s', (_, secret, why) => {
      expect(refusal({ ...production(), [setting]: secret })).toMatch(
        new RegExp(`^Invalid setting ${setting}: ${why}`),
      );
    });

    it('takes 32 random hex digits', () => {
      expect(() => loadConfig({ ...production(), [setting]: strong().slice(0, 32) })).not.toThrow();
    });
  });

  describe('TLS files', () => {
    let tls: TestCertificate;
    beforeAll(() => {
      tls = makeTestCertificate();
    });
    afterAll(() => rmSync(tls.dir, { recursive: true, force: true }));

    it('serves HTTPS with a certificate and its key', () => {
      const config = loadConfig({ TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile });
      expect(config.tls?.cert).toBe(tls.cert);
    });

    it.each([
      [{ TLS_CERT_FILE: 'cert' }, 'TLS_KEY_FILE: must be set together with TLS_CERT_FILE'],
      [{ TLS_KEY_FILE: 'key' }, 'TLS_CERT_FILE: must be set together with TLS_KEY_FILE'],
    ])('refuses half a pair: %j', (env, message) => {
      expect(refusal(env)).toBe(`Invalid setting ${message}`);
    });

    it('refuses an unreadable file', () => {
      const missing = join(tls.dir, 'missing.pem');
      expect(refusal({ TLS_CERT_FILE: missing, TLS_KEY_FILE: tls.keyFile })).toBe(
        `Invalid setting TLS_CERT_FILE: cannot read ${missing} (ENOENT)`,
      );
    });

    it('refuses a key that is not the certificate’s', () => {
      expect(refusal({ TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.otherKeyFile })).toBe(
        `Invalid setting TLS_KEY_FILE: ${tls.otherKeyFile} does not match the certificate in TLS_CERT_FILE`,
      );
    });

    it('refuses files that are not PEM', () => {
      expect(refusal({ TLS_CERT_FILE: tls.keyFile, TLS_KEY_FILE: tls.keyFile })).toBe(
        `Invalid setting TLS_CERT_FILE: ${tls.keyFile} is not a PEM certificate`,
      );
      expect(refusal({ TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.certFile })).toMatch(
        /^Invalid setting TLS_KEY_FILE: .* is not an unencrypted PEM private key$/,
      );
    });

    describe('of the connections', () => {
      const kafka = { TRANSPORT: 'kafka', KAFKA_BROKERS: 'kafka:9093' };

      it('gives Kafka TLS with a CA and a client certificate, and SASL', () => {
        const config = loadConfig({
          ...kafka,
          KAFKA_SSL_CA_FILE: tls.certFile,
          KAFKA_SSL_CERT_FILE: tls.certFile,
          KAFKA_SSL_KEY_FILE: tls.keyFile,
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: 'ledger',
          KAFKA_SASL_PASSWORD: 'pw',
        });
        expect(config.transport).toMatchObject({
          security: {
            tls: { ca: tls.cert, cert: tls.cert },
            sasl: { mechanism: 'scram-sha-512', username: 'ledger', password: 'pw' },
          },
        });
        expect(loadConfig({ ...kafka, KAFKA_TLS: 'true' }).transport).toMatchObject({
          security: { tls: {} },
        });
      });

      it.each([
        [{ KAFKA_TLS: 'yes' }, 'KAFKA_TLS: must be true or false; got "yes"'],
        [
          { KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' },
          'KAFKA_SSL_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)',
        ],
        [
          { KAFKA_SASL_MECHANISM: 'gssapi' },
          'KAFKA_SASL_MECHANISM: must be one of plain, scram-sha-256, scram-sha-512; got "gssapi"',
        ],
        [
          { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
          'KAFKA_SASL_PASSWORD: must be set with a SASL mechanism',
        ],
        [{ KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_USERNAME: needs KAFKA_SASL_MECHANISM'],
      ])('refuses Kafka settings %j', (env, message) => {
        expect(refusal({ ...kafka, ...env })).toBe(`Invalid setting ${message}`);
      });

      it('never sends a SASL password over plaintext in production', () => {
        const sasl = {
          KAFKA_SASL_MECHANISM: 'plain',
          KAFKA_SASL_USERNAME: 'u',
          KAFKA_SASL_PASSWORD: 'p',
        };
        expect(refusal({ ...production(), ...kafka, ...sasl })).toBe(
          'Invalid setting KAFKA_TLS: must be true in production when SASL sends a password',
        );
      });

      it('reads the CA files MongoDB and EventStoreDB URLs name', () => {
        const mongo = (url: string) => ({ READ_STORE: 'mongodb', MONGODB_URL: url });
        const esdb = (url: string) => ({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: url });
        expect(() =>
          loadConfig(mongo(`mongodb://m:27017/l?tls=true&tlsCAFile=${tls.certFile}`)),
        ).not.toThrow();
        expect(() =>
          loadConfig(esdb(`esdb://e:2113?tls=true&tlsCAFile=${tls.certFile}`)),
        ).not.toThrow();
        const unreadable = join(tls.dir, 'nope.pem');
        expect(refusal(mongo(`mongodb://m:27017/l?tls=true&tlsCAFile=${unreadable}`))).toBe(
          `Invalid setting MONGODB_URL: cannot read ${unreadable} (ENOENT)`,
        );
        expect(refusal(esdb(`esdb://e:2113?tls=true&tlscafile=${unreadable}`))).toBe(
          `Invalid setting EVENTSTORE_URL: cannot read ${unreadable} (ENOENT)`,
        );
        const notPem = join(tls.dir, 'not.pem');
        writeFileSync(notPem, 'hello');
        expect(refusal(mongo(`mongodb://m:27017/l?tlsCAFile=${notPem}`))).toBe(
          `Invalid setting MONGODB_URL: ${notPem} is not a PEM certificate`,
        );
      });

      it('keeps certificate checks on in production', () => {
        expect(
          refusal({
            ...production(),
            READ_STORE: 'mongodb',
            MONGODB_URL: 'mongodb://m/l?tls=true&tlsInsecure=true',
          }),
        ).toBe('Invalid setting MONGODB_URL: tlsInsecure=true turns certificate checks off');
        expect(
          refusal({
            ...production(),
            EVENT_STORE: 'eventstoredb',
            EVENTSTORE_URL: 'esdb://e:2113?tls=true&tlsVerifyCert=false',
          }),
        ).toBe('Invalid setting EVENTSTORE_URL: tlsVerifyCert=false turns certificate checks off');
      });
    });
  });
});
