/**
 * `publish` ends with client.drain(), not close(): when the command
 * returns, every request it sent has settled and the client is closed.
 * Run in process against a real server, with the command's context made
 * by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import type { CommandContext } from '../../lib/cli/command.js';
import { publishCommand } from '../../lib/cli/commands/publish.js';
import { Output, type TextSink } from '../../lib/cli/output.js';
import { LiftbridgeClient } from '../../lib/index.js';
import { readAll, text } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

describe('cli publish - drain', async () => {
  const server = await useServer();

  it('publish - ends by draining the client: it returns with nothing in flight and the client closed', async () => {
    const stream = uniqueName('cli-drain');
    const admin = new LiftbridgeClient(server.brokers);
    await lastValueFrom(admin.createStream(stream));
    await admin.close();
    const client = new LiftbridgeClient(server.brokers);
    const calls: string[] = [];
    const drain = client.drain.bind(client);
    client.drain = async (options) => {
      calls.push(`drain with ${client.publishesInFlight} in flight`);
      await drain(options);
      calls.push('drained');
    };
    let stdout = '';
    const sink: TextSink = {
      write: (chunk, callback) => {
        stdout += chunk.toString();
        callback?.();
        return true;
      },
      on: () => undefined,
    };
    const ctx = {
      client,
      json: true,
      io: {
        stdin: () => {
          throw new Error('values are given: stdin is not read');
        },
        stdout: sink,
        stderr: sink,
        env: {},
        version: 'spec',
      },
      out: new Output(sink),
      interrupted: new AbortController().signal,
      note: () => undefined,
    } as unknown as CommandContext;
    const values = ['a', 'b', 'c'];
    await publishCommand.run(ctx, { positionals: [stream, ...values], values: {} });
    await ctx.out.flush();
    assert.equal(calls.at(-1), 'drained', 'drain() settled before the command returned');
    assert.equal(calls.length, 2, 'drained once');
    assert.equal(client.closed, true, 'the drain closed the client');
    assert.equal(client.publishesInFlight, 0);
    assert.match(stdout, /"acked":3/);
    const stored = await readAll(server.brokers, stream);
    assert.deepEqual(stored.map(text), values);
  });
});
