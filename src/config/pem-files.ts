import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

/** A file a setting names, read once at start-up; an unreadable one stops the process. */
export function readSettingFile(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(setting, `cannot read ${file} (${reason})`);
  }
}

/** PEM certificates (a chain or a CA bundle); the first must parse and be in date. */
export function certificateFile(setting: string, file: string, now = new Date()): string {
  const pem = readSettingFile(setting, file);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new ConfigError(setting, `${file} is not a PEM certificate`);
  }
  if (new Date(certificate.validTo) < now) {
    throw new ConfigError(
      setting,
      `${file} expired on ${new Date(certificate.validTo).toISOString()}`,
    );
  }
  return pem;
}

export function privateKeyFile(setting: string, file: string): { pem: string; key: KeyObject } {
  const pem = readSettingFile(setting, file);
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch {
    throw new ConfigError(setting, `${file} is not an unencrypted PEM private key`);
  }
}

/** A certificate and its private key, from two settings that must be given together and match. */
export function keyPair(
  env: NodeJS.ProcessEnv,
  certSetting: string,
  keySetting: string,
): { cert: string; key: string } | undefined {
  const certFile = env[certSetting];
  const keyFile = env[keySetting];
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? certSetting : keySetting;
    throw new ConfigError(
      missing,
      `must be set together with ${certFile ? certSetting : keySetting}`,
    );
  }
  const cert = certificateFile(certSetting, certFile);
  const { pem, key } = privateKeyFile(keySetting, keyFile);
  if (!new X509Certificate(cert).checkPrivateKey(key)) {
    throw new ConfigError(
      keySetting,
      `${keyFile} does not match the certificate in ${certSetting}`,
    );
  }
  return { cert, key: pem };
}
