import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

const ROOT = resolve(__dirname, '../..');

/** Runs `src/main.ts` as `npm start` does, expecting it to refuse: its exit code and output. */
async function refusedStart(
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const dataDir = tempDataDir();
  const inherited = { ...process.env };
  for (const name of [
    'NODE_ENV',
    'LEDGER_ENV',
    'JWT_SECRET',
    'AUDIT_SIGNING_KEY',
    'AUDIT_SIGNING_KEY_FILE',
  ]) {
    delete inherited[name];
  }
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...inherited, DATA_DIR: dataDir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number];
  clearTimeout(timer);
  removeDataDir(dataDir);
  return { code, output };
}

const strong = () => randomBytes(32).toString('hex');
/** An Ed25519 anchor signing key in PEM, as production needs one. */
const signingKey = () =>
  generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('a refused start-up', () => {
  it.each([
    [
      'a missing anchor signing key in production',
      { LEDGER_ENV: 'production', JWT_SECRET: strong() },
      /^Invalid setting AUDIT_SIGNING_KEY: must be set \(or AUDIT_SIGNING_KEY_FILE\) in production/,
    ],
    [
      'the compose placeholder secret under NODE_ENV=production',
      {
        NODE_ENV: 'production',
        JWT_SECRET: 'change-me-to-a-long-random-secret-of-your-own',
        AUDIT_SIGNING_KEY: signingKey(),
      },
      /^Invalid setting JWT_SECRET: is a published placeholder/,
    ],
    [
      '32 spaces as the token secret',
      { LEDGER_ENV: 'production', JWT_SECRET: ' '.repeat(32), AUDIT_SIGNING_KEY: signingKey() },
      /^Invalid setting JWT_SECRET: repeats a shorter block/,
    ],
    [
      'an unreadable certificate',
      { TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' },
      /^Invalid setting TLS_CERT_FILE: cannot read \/nonexistent\/cert.pem/,
    ],
  ])(
    'for %s is one line naming the setting, and exit 1',
    async (_, env, line) => {
      const { code, output } = await refusedStart(env);
      expect(code).toBe(1);
      expect(output.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    },
    60_000,
  );
});
