import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const docker = (file: string) => readFileSync(join(__dirname, '../../docker', file), 'utf8');

describe('the compose stack', () => {
  const compose = parse(docker('compose.yaml'), { merge: true });
  const ledgerServices = Object.entries(compose.services as Record<string, any>).filter(
    ([, service]) => service.environment?.LEDGER_ROLE,
  );
  const nginx = docker('nginx.conf');

  it('requires the token secret with nothing to fall back on, and a mounted signing key', () => {
    expect(ledgerServices.length).toBeGreaterThan(0);
    for (const [, { environment }] of ledgerServices) {
      expect(environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
      expect(environment.AUDIT_SIGNING_KEY_FILE).toBe('/run/secrets/audit-signing-key');
      expect(environment.AUDIT_SIGNING_KEY).toBeUndefined();
    }
  });

  it('gives every ledger process the mounted privacy master key and one shared key store', () => {
    for (const [, service] of ledgerServices) {
      expect(service.environment.PRIVACY_MASTER_KEY_FILE).toBe('/run/secrets/privacy-master-key');
      expect(service.environment.PRIVACY_MASTER_KEY).toBeUndefined();
      expect(service.secrets).toContain('privacy-master-key');
      expect(service.environment.PRIVACY_KEY_STORE_FILE).toBe(
        '/var/lib/ledgerline-keys/subject-keys.sqlite',
      );
      expect(service.volumes).toContain('subject-keys:/var/lib/ledgerline-keys');
    }
  });

  it('trusts the load balancer, and only it, for client addresses', () => {
    const balancer = compose.services['load-balancer'];
    const address = balancer.networks.default.ipv4_address;
    for (const [, { environment }] of ledgerServices) {
      expect(environment.TRUST_PROXY).toBe(address);
    }
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
  });

  it('terminates TLS at nginx with the documented certificate path, and sends HSTS there', () => {
    expect(compose.services['load-balancer'].volumes).toContain('./tls:/etc/nginx/tls:ro');
    expect(nginx).toContain('ssl_certificate /etc/nginx/tls/cert.pem;');
    expect(nginx).toContain('ssl_certificate_key /etc/nginx/tls/key.pem;');
    expect(nginx).toMatch(/add_header Strict-Transport-Security "max-age=\d+/);
    expect(nginx).toMatch(/listen 8080;\s+return 308 https:/);
  });
});
