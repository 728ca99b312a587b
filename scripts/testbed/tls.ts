/**
 * Throwaway certificates for TLS specs, made with the openssl CLI: a CA, a
 * server certificate for 127.0.0.1/localhost, client certificates (the
 * common name is the client's identity for authorization), and an unrelated
 * CA for "wrong CA" cases. EC P-256 keys (fast to generate).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reaperTrack } from './reaper.js';

export interface TestCertificates {
  dir: string;
  /** Paths, for the server config. */
  caPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  /** PEM contents, for clients. */
  ca: Buffer;
  otherCa: Buffer;
  client(name: string): { cert: Buffer; key: Buffer };
  /**
   * Writes a Casbin authorization model (subject, object, action; allow if a
   * policy line matches) and these `p, subject, object, action` lines beside
   * the certificates; returns the paths for the server's `tls.authz`.
   */
  authz(policy: string[]): { model: string; policy: string };
}

/** Liftbridge's ACL model: a request (sub, obj, act) is allowed when a policy line matches it. */
const AUTHZ_MODEL = `[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.obj == p.obj && r.act == p.act
`;

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed (is openssl installed?): ${String(err)}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
}

function signed(dir: string, name: string, cn: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Makes the certificates in a fresh temp dir (removed by the reaper with the test run). */
export function makeCertificates(clients: string[] = ['client1']): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'lbrx-tls-'));
  reaperTrack.dir(dir);
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'otherca');
  signed(
    dir,
    'server',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  for (const name of clients) signed(dir, name, name, 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    ca: read('ca.pem'),
    otherCa: read('otherca.pem'),
    client: (name) => ({ cert: read(`${name}.pem`), key: read(`${name}.key`) }),
    authz: (policy) => {
      const paths = { model: join(dir, 'model.conf'), policy: join(dir, 'policy.csv') };
      writeFileSync(paths.model, AUTHZ_MODEL);
      writeFileSync(paths.policy, policy.join('\n'));
      return paths;
    },
  };
}
