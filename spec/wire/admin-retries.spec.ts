/**
 * Honest admin retries, on a scripted broker (spec/helpers/fake-broker.ts):
 * what a real server produces only by chance (a request that reached it
 * and lost its answer) is produced on demand here. An attempt counts only
 * if its request may have reached a broker; "already exists" after one is
 * the earlier attempt's success only when the stream has the settings asked
 * for, and a refused connection is no attempt at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { ErrorCode, LiftbridgeClient } from '../../lib/index.js';
import { freePort } from '../../scripts/testbed/ports.js';
import {
  type FakeBroker,
  type FakeBrokerOptions,
  type FakeCall,
  startFakeBroker,
} from '../helpers/fake-broker.js';

/** gRPC ALREADY_EXISTS and NOT_FOUND. */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

/** An empty response message (CreateStreamResponse, DeleteStreamResponse have no fields). */
function done(call: FakeCall): void {
  call.send(new Uint8Array(0));
  call.end(0);
}

async function withBroker(
  script: FakeBrokerOptions,
  seeds: (broker: FakeBroker) => Promise<string[]>,
  body: (client: LiftbridgeClient, broker: FakeBroker) => Promise<void>,
): Promise<void> {
  const broker = await startFakeBroker({ streams: [], ...script });
  const client = new LiftbridgeClient(await seeds(broker), {
    metadataRefreshInterval: 0,
    connectTimeout: 1000,
    requestTimeout: 2000,
    retryTimeout: 5000,
  });
  try {
    await body(client, broker);
  } finally {
    await client.close();
    await broker.close();
  }
}

const only = async (broker: FakeBroker) => [broker.address];

describe('admin retries', () => {
  it('createStream - the first attempt reached the broker and lost its answer; "already exists" with the settings asked for is success', async () => {
    await withBroker(
      {
        unary: (method, call, broker) => {
          if (method !== 'CreateStream') return;
          if (call.index === 0) {
            broker.addStream({ name: 'orders', partitions: 2 });
            call.disconnect();
          } else call.endTrailersOnly(ALREADY_EXISTS, 'stream already exists');
        },
      },
      only,
      async (client, broker) => {
        await lastValueFrom(client.createStream('orders', { partitions: 2 }));
        assert.equal(broker.unaryCalls.get('CreateStream'), 2);
      },
    );
  });

  it('createStream - "already exists" after a lost answer, but with other settings (3 partitions, not 2): STREAM_EXISTS', async () => {
    await withBroker(
      {
        streams: [{ name: 'orders', partitions: 3 }],
        unary: (method, call) => {
          if (method !== 'CreateStream') return;
          if (call.index === 0) call.disconnect();
          else call.endTrailersOnly(ALREADY_EXISTS, 'stream already exists');
        },
      },
      only,
      async (client, broker) => {
        await assert.rejects(lastValueFrom(client.createStream('orders', { partitions: 2 })), {
          code: ErrorCode.StreamExists,
        });
        assert.equal(broker.unaryCalls.get('CreateStream'), 2);
      },
    );
  });

  it('createStream - a seed that refuses the connection is no attempt: "already exists" from the next broker is STREAM_EXISTS', async () => {
    await withBroker(
      {
        streams: [{ name: 'orders', partitions: 1 }],
        unary: (method, call) => {
          if (method === 'CreateStream')
            call.endTrailersOnly(ALREADY_EXISTS, 'stream already exists');
        },
      },
      async (broker) => [`127.0.0.1:${await freePort()}`, broker.address],
      async (client, broker) => {
        await assert.rejects(lastValueFrom(client.createStream('orders')), {
          code: ErrorCode.StreamExists,
        });
        assert.equal(broker.unaryCalls.get('CreateStream'), 1);
      },
    );
  });

  it('createStream - "already exists" on the first attempt is STREAM_EXISTS, whatever the settings', async () => {
    await withBroker(
      {
        streams: [{ name: 'orders', partitions: 1 }],
        unary: (method, call) => {
          if (method === 'CreateStream')
            call.endTrailersOnly(ALREADY_EXISTS, 'stream already exists');
        },
      },
      only,
      async (client) => {
        await assert.rejects(lastValueFrom(client.createStream('orders')), {
          code: ErrorCode.StreamExists,
        });
      },
    );
  });

  it('deleteStream - the first attempt reached the broker and lost its answer; NOT_FOUND then is success', async () => {
    await withBroker(
      {
        unary: (method, call) => {
          if (method !== 'DeleteStream') return;
          if (call.index === 0) call.disconnect();
          else call.endTrailersOnly(NOT_FOUND, 'stream not found');
        },
      },
      only,
      async (client, broker) => {
        await lastValueFrom(client.deleteStream('orders'));
        assert.equal(broker.unaryCalls.get('DeleteStream'), 2);
      },
    );
  });

  it('deleteStream - NOT_FOUND on the first attempt is NOT_FOUND', async () => {
    await withBroker(
      { unary: (method, call) => (method === 'DeleteStream' ? done(call) : undefined) },
      only,
      async (client) => {
        await lastValueFrom(client.deleteStream('orders'));
      },
    );
    await withBroker(
      {
        unary: (method, call) => {
          if (method === 'DeleteStream') call.endTrailersOnly(NOT_FOUND, 'stream not found');
        },
      },
      only,
      async (client) => {
        await assert.rejects(lastValueFrom(client.deleteStream('orders')), {
          code: ErrorCode.NotFound,
        });
      },
    );
  });
});
