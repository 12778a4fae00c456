import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  dir: string;
  certFile: string;
  keyFile: string;
  /** A valid key that belongs to no certificate here. */
  otherKeyFile: string;
  cert: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost, valid one day: the key pair comes
 * from node:crypto, the X.509 wrapping from the `openssl` command line.
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-tls-'));
  const keyFile = join(dir, 'key.pem');
  const otherKeyFile = join(dir, 'other-key.pem');
  const certFile = join(dir, 'cert.pem');
  const pem = () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
  writeFileSync(keyFile, pem(), { mode: 0o600 });
  writeFileSync(otherKeyFile, pem(), { mode: 0o600 });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-key',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return {
    dir,
    certFile,
    keyFile,
    otherKeyFile,
    cert: readFileSync(certFile, 'utf8'),
  };
}
