/**
 * The command line tool over mutual TLS (--tls-ca, --tls-cert, --tls-key)
 * against a real server that checks client certificates and authorizes by
 * their name: what the policy allows works, the rest is exit code 6, and no
 * certificate is exit code 5.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { makeCertificates } from '../../scripts/testbed/tls.js';
import { cli } from '../cli/run-cli.js';
import { uniqueName } from '../helpers/server.js';

describe('cli over TLS', { timeout: 180_000 }, async () => {
  const certs = makeCertificates(['writer', 'reader']);
  const stream = uniqueName('cli-tls');
  const authz = certs.authz([
    'p, writer, *, FetchMetadata',
    ...['CreateStream', 'Publish', 'Subscribe', 'FetchPartitionMetadata'].map(
      (action) => `p, writer, ${stream}, ${action}`,
    ),
    'p, reader, *, FetchMetadata',
    `p, reader, ${stream}, Subscribe`,
  ]);
  const writer = certs.client('writer');
  const node = await LiftbridgeNode.start({
    tls: {
      cert: certs.serverCertPath,
      key: certs.serverKeyPath,
      clientCa: certs.caPath,
      authz,
      probeCredentials: credentials.createSsl(certs.ca, writer.key, writer.cert),
    },
  });
  after(() => node.stop());
  const as = (name: string) => [
    '--brokers',
    node.address,
    '--tls-ca',
    certs.caPath,
    '--tls-cert',
    join(certs.dir, `${name}.pem`),
    '--tls-key',
    join(certs.dir, `${name}.key`),
  ];

  it('cli tls - with a client certificate the policy allows: create, publish, tail', async () => {
    const created = await cli(['create', stream, ...as('writer')]);
    assert.equal(created.code, 0, created.stderr);
    const published = await cli(['publish', stream, 'over tls', ...as('writer')]);
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.stdout, `acked 1 message to stream ${stream}\n`);
    const read = await cli(['tail', stream, '--from', 'earliest', '--no-follow', ...as('reader')]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, '0\t\tover tls\n');
  });

  it('cli tls - an action the policy refuses is exit 6 with a hint', async () => {
    const res = await cli(['create', uniqueName('denied'), ...as('reader')]);
    assert.equal(res.code, 6);
    assert.match(
      res.stderr,
      /^liftbridge-rx: .*\(the server's authorization refused it; check the client certificate given with --tls-cert\)\n$/,
    );
  });

  it('cli tls - no client certificate is exit 5 within --timeout', async () => {
    const res = await cli([
      'streams',
      '--brokers',
      node.address,
      '--tls-ca',
      certs.caPath,
      '--timeout',
      '2s',
    ]);
    assert.equal(res.code, 5, res.stderr);
    assert.match(res.stderr, /^liftbridge-rx: no broker answered within --timeout \(2000 ms\)/);
  });

  it('cli tls - a certificate without its key is exit 2 naming the options', async () => {
    const res = await cli([
      'streams',
      '--brokers',
      node.address,
      '--tls-cert',
      join(certs.dir, 'writer.pem'),
    ]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^liftbridge-rx: --tls-\*: .*certificate needs its key/);
  });
});
