/**
 * The `liftbridge-rx` command line tool, run as a child process (the built
 * dist/esm/cli/main.js the package's bin names) against a real server:
 * every command, its output, exit codes and messages.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { LiftbridgeClient, publishBulk } from '../../lib/index.js';
import { LiftbridgeNode } from '../../scripts/testbed/node.js';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { bash, CLI, cli, killStrays, startCli, until } from '../cli/run-cli.js';
import { readPartition, text } from '../helpers/oracle.js';
import { uniqueName, useServer } from '../helpers/server.js';

const lines = (out: string) => out.split('\n').filter(Boolean);
const numbers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => String(from + i));

describe('cli against a real server', { timeout: 600_000 }, async () => {
  const server = await useServer();
  after(killStrays);
  const brokers = server.brokers;
  const client = server.client();
  const run = (args: string[], input?: string) =>
    cli(args, { brokers, ...(input === undefined ? {} : { input }) });

  async function stream(partitions = 1): Promise<string> {
    const name = uniqueName('cli');
    await lastValueFrom(client.createStream(name, { partitions }));
    return name;
  }

  async function publishValues(name: string, values: string[], partition = 0): Promise<void> {
    await lastValueFrom(
      from(values).pipe(
        map((v) => client.getPublishRequest(v, { stream: name, partition })),
        publishBulk(client),
        toArray(),
      ),
    );
  }

  describe('help', () => {
    it('cli --help - lists every command, the global options and the exit codes', async () => {
      const res = await cli(['--help']);
      assert.equal(res.code, 0);
      for (const command of [
        'streams',
        'create',
        'delete',
        'publish',
        'tail',
        'cursor get',
        'cursor set',
        'metadata',
      ]) {
        assert.match(res.stdout, new RegExp(`^  ${command} `, 'm'), command);
      }
      for (const option of ['--brokers', '--timeout', '--json', '--tls-ca']) {
        assert.ok(res.stdout.includes(option), option);
      }
      for (const code of ['0', '1', '2', '3', '4', '5', '6', '130']) {
        assert.match(res.stdout, new RegExp(`^ +${code}  \\S`, 'm'), `exit code ${code}`);
      }
      assert.equal(res.stderr, '');
    });

    it('cli help - per command, by --help or help <command>', async () => {
      const tail = await cli(['tail', '--help']);
      assert.equal(tail.code, 0);
      assert.match(tail.stdout, /^Usage: liftbridge-rx tail <stream> \[options\]/);
      assert.match(tail.stdout, /--from POSITION +earliest, latest, new, offset:N/);
      const same = await cli(['help', 'tail']);
      assert.equal(same.stdout, tail.stdout);
    });

    it('cli - no command prints the help on stderr and exits 2', async () => {
      const res = await cli([]);
      assert.equal(res.code, 2);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, /^liftbridge-rx: streams, publishing/);
    });

    it('cli --version - the package version', async () => {
      const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
      const res = await cli(['--version']);
      assert.equal(res.code, 0);
      assert.equal(res.stdout, `${pkg.version}\n`);
      assert.equal(pkg.bin['liftbridge-rx'], './dist/esm/cli/main.js', 'the bin is this file');
      assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    });
  });

  describe('streams', () => {
    it('create - creates with the options given; again: exit 4 unless --if-not-exists', async () => {
      const name = uniqueName('cli');
      const created = await run([
        'create',
        name,
        '--partitions',
        '3',
        '--subject',
        `${name}.subject`,
        '--retention-max-age',
        '1h',
        '--retention-max-messages',
        '1000',
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, `created stream ${name} (3 partitions)\n`);
      const info = (await lastValueFrom(client.fetchMetadata([name]))).streams.get(name);
      assert.equal(info?.partitions.size, 3);
      assert.equal(info?.subject, `${name}.subject`);

      const again = await run(['create', name]);
      assert.equal(again.code, 4);
      assert.equal(again.stdout, '');
      assert.equal(
        again.stderr,
        `liftbridge-rx: stream '${name}' already exists (pass --if-not-exists to accept that, or delete it first: liftbridge-rx delete ${name})\n`,
      );
      const accepted = await run(['create', name, '--if-not-exists', '--json']);
      assert.equal(accepted.code, 0);
      assert.deepEqual(JSON.parse(accepted.stdout), { stream: name, created: false });
    });

    it('streams - a row per partition with leader and ISR; --json; server streams only with --all', async () => {
      const name = await stream(2);
      const res = await run(['streams']);
      assert.equal(res.code, 0, res.stderr);
      const [header, ...rows] = lines(res.stdout);
      assert.match(header ?? '', /^STREAM +PARTITION +LEADER +ISR +REPLICAS +SUBJECT$/);
      const mine = rows.filter((r) => r.startsWith(`${name} `));
      assert.equal(mine.length, 2);
      assert.match(mine[0] ?? '', new RegExp(`^${name} +0 +(\\S+) +\\1 +\\1 +${name}$`));
      assert.ok(!res.stdout.includes('__cursors'), 'server streams hidden');

      const json = await run(['streams', name, '--json']);
      const [info] = JSON.parse(json.stdout);
      assert.equal(info.name, name);
      assert.deepEqual(
        info.partitions.map((p: { id: number }) => p.id),
        [0, 1],
      );
      assert.equal(info.partitions[0].leaderAddress, brokers[0]);
      assert.deepEqual(info.partitions[0].isr, [info.partitions[0].leader]);

      const all = await run(['streams', '--all']);
      assert.match(all.stdout, /^__cursors /m);
    });

    it('metadata - brokers and streams; --json', async () => {
      const name = await stream();
      const table = await run(['metadata']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^\\S+ +${brokers[0]} +\\d+ +\\d+$`, 'm'));
      assert.match(table.stdout, new RegExp(`^${name} +${name} +1 +\\d{4}-`, 'm'));
      const res = await run(['metadata', '--json']);
      assert.equal(res.code, 0);
      const md = JSON.parse(res.stdout);
      assert.deepEqual(
        md.brokers.map((b: { address: string }) => b.address),
        brokers,
      );
      const mine = md.streams.find((s: { name: string }) => s.name === name);
      assert.equal(mine.subject, name);
      assert.equal(mine.partitions.length, 1);
    });

    it('delete - deletes; again: exit 3 unless --if-exists', async () => {
      const name = await stream();
      const res = await run(['delete', name]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `deleted stream ${name}\n`);
      assert.equal((await lastValueFrom(client.fetchMetadata([name]))).streams.has(name), false);
      const again = await run(['delete', name]);
      assert.equal(again.code, 3);
      assert.equal(again.stderr, `liftbridge-rx: stream '${name}' not found (nothing to delete)\n`);
      const accepted = await run(['delete', name, '--if-exists']);
      assert.equal(accepted.code, 0);
      assert.equal(accepted.stdout, `stream ${name} does not exist\n`);
    });
  });

  describe('publish', () => {
    it('publish - values from arguments, with key and headers', async () => {
      const name = await stream();
      const res = await run([
        'publish',
        name,
        'one',
        'two',
        'three',
        '--key',
        'k',
        '--header',
        'trace=t1',
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `acked 3 messages to stream ${name}\n`);
      const stored = await readPartition(client, name);
      assert.deepEqual(stored.map(text), ['one', 'two', 'three']);
      assert.ok(stored.every((m) => Buffer.from(m.key).toString() === 'k'));
      assert.equal(Buffer.from(stored[0]?.headers.get('trace') ?? []).toString(), 't1');
    });

    it('publish - 20000 stdin lines: the acked count is right and every line is stored in order', async () => {
      const name = await stream(2);
      const input = `${numbers(0, 20_000).join('\n')}\n`;
      const res = await cli(['publish', name, '--partition', '1', '--json'], { brokers, input });
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), {
        stream: name,
        read: 20_000,
        acked: 20_000,
        failed: 0,
        interrupted: false,
      });
      const stored = await readPartition(client, name, 1);
      assert.deepEqual(stored.map(text), numbers(0, 20_000));
      assert.equal((await readPartition(client, name, 0)).length, 0);
    });

    it('publish - stdin streams: while no acks come (server frozen) the tool stops reading', async () => {
      // A node of our own to freeze when the specs run against LIFTBRIDGE_BROKERS.
      const own = server.node === undefined;
      const node = server.node ?? (await LiftbridgeNode.start());
      const local = new LiftbridgeClient([node.address]);
      try {
        const name = uniqueName('cli');
        await lastValueFrom(local.createStream(name));
        const running = startCli(['publish', name, '--window', '64', '--ack-timeout', '60s'], {
          brokers: [node.address],
          keepStdin: true,
        });
        const stdin = running.child.stdin as NodeJS.WritableStream;
        const line = (i: number) => `${i} ${'x'.repeat(1000)}\n`;
        let sent = 0;
        // Writes lines while the pipe takes them; false once it stays full
        // for `stallMs` (1 s while frozen; longer while the tool starts or
        // catches up, so a slow machine is not taken for a full pipe).
        const write = async (limit: number, stallMs = 30_000): Promise<boolean> => {
          while (sent < limit) {
            if (!stdin.write(line(sent++))) {
              const drained = await Promise.race([
                new Promise<boolean>((r) => stdin.once('drain', () => r(true))),
                new Promise<boolean>((r) => setTimeout(() => r(false), stallMs)),
              ]);
              if (!drained) return false;
            }
          }
          return true;
        };
        await write(2000);
        await until(async () => (await readPartition(local, name)).length >= 2000, '2000 stored');
        await node.pause();
        const before = sent;
        let heldBack: boolean;
        try {
          heldBack = !(await write(before + 100_000, 1000));
        } finally {
          node.resume();
        }
        const whileFrozen = (sent - before) * 1001;
        assert.ok(heldBack, 'the pipe filled up');
        assert.ok(whileFrozen < 2_000_000, `${whileFrozen} bytes taken while no acks came`);
        await write(sent + 1000);
        stdin.end();
        const res = await running.result;
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout, `acked ${sent} messages to stream ${name}\n`);
        assert.equal((await readPartition(local, name)).length, sent);
      } finally {
        await local.close();
        if (own) await node.stop();
      }
    });

    it('publish - progress on stderr with --progress, never on stdout', async () => {
      const name = await stream();
      const running = startCli(['publish', name, '--progress'], { brokers, keepStdin: true });
      running.child.stdin?.write(`${numbers(0, 500).join('\n')}\n`);
      // stdin stays open until a progress line shows (it starts after 300 ms).
      await until(() => /read 500 +acked 500 +in flight 0 /.test(running.stderr()), 'progress');
      running.child.stdin?.end('last\n');
      const res = await running.result;
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `acked 501 messages to stream ${name}\n`);
      assert.match(res.stderr, /^read \d+ +acked \d+ +in flight \d+ +[\d,]+ msg\/s +\d+\.\d s$/m);
    });

    it('publish - --key-separator splits key and value; --ack-policy none counts sent', async () => {
      const name = await stream();
      const res = await run(['publish', name, '--key-separator', ':'], 'a:1\nb:2:x\nnokey\n');
      assert.equal(res.code, 0, res.stderr);
      const stored = await readPartition(client, name);
      assert.deepEqual(
        stored.map((m) => [Buffer.from(m.key).toString(), text(m)]),
        [
          ['a', '1'],
          ['b', '2:x'],
          ['', 'nokey'],
        ],
      );
      const none = await run(['publish', name, 'fire', 'forget', '--ack-policy', 'none']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(
        none.stdout,
        `sent 2 messages to stream ${name} (ack policy none: not acknowledged)\n`,
      );
    });

    it('publish - --partitioner key spreads over the partitions, a key keeps its partition', async () => {
      const name = await stream(3);
      const input = `${Array.from({ length: 60 }, (_, i) => `user${i % 6}\t${i}`).join('\n')}\n`;
      const res = await run(
        ['publish', name, '--partitioner', 'key', '--key-separator', '\t'],
        input,
      );
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `acked 60 messages to stream ${name}\n`);
      const where = new Map<string, Set<number>>();
      let total = 0;
      for (const p of [0, 1, 2]) {
        for (const m of await readPartition(client, name, p)) {
          total += 1;
          const key = Buffer.from(m.key).toString();
          where.set(key, (where.get(key) ?? new Set()).add(p));
        }
      }
      assert.equal(total, 60);
      assert.ok(
        [...where.values()].every((s) => s.size === 1),
        'one partition per key',
      );
      assert.ok(new Set([...where.values()].map((s) => [...s][0])).size > 1, 'spread');
    });

    it('publish - messages the server refuses: the summary counts them, exit code and first error', async () => {
      const name = await stream();
      await lastValueFrom(client.setStreamReadonly(name), { defaultValue: undefined });
      const res = await run(['publish', name, 'a', 'b', 'c']);
      assert.equal(res.code, 1);
      assert.equal(res.stdout, `acked 0 of 3 messages to stream ${name} (3 failed)\n`);
      assert.match(res.stderr, /^liftbridge-rx: READONLY: 3 message\(s\) failed; the first: .+\n$/);
    });

    it('publish - Ctrl-C stops reading, reports what was acked, exits 130', async () => {
      const name = await stream();
      const running = startCli(['publish', name], { brokers, keepStdin: true });
      running.child.stdin?.write(`${numbers(0, 50).join('\n')}\n`);
      // stdin stays open (the tool waits for more) while the 50 lines get stored.
      await until(async () => (await readPartition(client, name)).length === 50, '50 stored');
      running.child.kill('SIGINT');
      const res = await running.result;
      assert.equal(res.code, 130, res.stderr);
      assert.equal(res.stdout, `acked 50 messages to stream ${name} (interrupted)\n`);
      assert.equal(res.stderr, '');
    });
  });

  describe('tail', () => {
    it('tail - start positions: earliest, offset, latest, time, ago; --count; --no-follow', async () => {
      const name = await stream();
      await publishValues(name, ['m0', 'm1', 'm2', 'm3', 'm4']);
      const tail = async (...args: string[]) => {
        const res = await run(['tail', name, '--no-follow', ...args]);
        assert.equal(res.code, 0, res.stderr);
        return lines(res.stdout);
      };
      assert.deepEqual(await tail('--from', 'earliest'), [
        '0\t\tm0',
        '1\t\tm1',
        '2\t\tm2',
        '3\t\tm3',
        '4\t\tm4',
      ]);
      assert.deepEqual(await tail('--from', 'offset:3'), ['3\t\tm3', '4\t\tm4']);
      assert.deepEqual(await tail('--from', 'latest'), ['4\t\tm4']);
      assert.deepEqual(await tail('--from', 'earliest', '--count', '2'), ['0\t\tm0', '1\t\tm1']);
      assert.deepEqual(await tail('--from', 'time:2000-01-01T00:00:00Z', '--count', '1'), [
        '0\t\tm0',
      ]);
      assert.deepEqual(await tail('--from', 'ago:1h', '--count', '1'), ['0\t\tm0']);
      assert.deepEqual(await tail('--from', 'new'), []);
      assert.deepEqual(
        await tail(
          '--from',
          'offset:1',
          '--count',
          '1',
          '--format',
          '{stream}/{partition}:{offset}={value}',
        ),
        [`${name}/0:1=m1`],
      );
    });

    it('tail - --json prints one object per message', async () => {
      const name = await stream();
      const res = await run(['publish', name, 'v', '--key', 'k', '--header', 'h=1']);
      assert.equal(res.code, 0, res.stderr);
      const out = await run(['tail', name, '--from', 'earliest', '--no-follow', '--json']);
      const [msg] = lines(out.stdout).map((l) => JSON.parse(l));
      assert.equal(msg.stream, name);
      assert.equal(msg.offset, 0);
      assert.equal(msg.key, 'k');
      assert.equal(msg.value, 'v');
      assert.deepEqual(msg.headers, { h: '1' });
      assert.ok(!Number.isNaN(Date.parse(msg.timestamp)));
    });

    it('tail - follows new messages until Ctrl-C, then exits 0', async () => {
      const name = await stream();
      await publishValues(name, ['before']);
      const running = startCli(['tail', name, '--from', 'earliest'], { brokers });
      await until(() => running.stdout().includes('before'), 'the stored message');
      await publishValues(name, ['after']);
      await until(() => running.stdout().includes('after'), 'the new message');
      running.child.kill('SIGINT');
      const res = await running.result;
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(lines(res.stdout), ['0\t\tbefore', '1\t\tafter']);
      assert.equal(res.stderr, '');
    });

    it('tail - with --cursor a second run resumes after the last printed message', async () => {
      const name = await stream();
      await publishValues(name, numbers(0, 10));
      const first = await run([
        'tail',
        name,
        '--cursor',
        'reader',
        '--count',
        '4',
        '--format',
        '{value}',
      ]);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(lines(first.stdout), numbers(0, 4));
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'reader')), 3n);
      const second = await run([
        'tail',
        name,
        '--cursor',
        'reader',
        '--no-follow',
        '--format',
        '{value}',
      ]);
      assert.deepEqual(lines(second.stdout), numbers(4, 6));
      const third = await run(['tail', name, '--cursor', 'reader', '--no-follow']);
      assert.equal(third.code, 0);
      assert.equal(third.stdout, '', 'nothing new, nothing printed again');
      // A follow stopped by Ctrl-C stores its cursor too.
      const running = startCli(['tail', name, '--cursor', 'reader', '--format', '{value}'], {
        brokers,
      });
      await new Promise((r) => setTimeout(r, 500));
      await publishValues(name, ['10', '11']);
      await until(() => running.stdout().includes('11'), 'the new messages');
      running.child.kill('SIGINT');
      assert.equal((await running.result).code, 0);
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'reader')), 11n);
    });

    it('tail - --partition all reads every partition merged, with a cursor per partition', async () => {
      const name = await stream(3);
      await publishValues(name, ['a0', 'a1'], 0);
      await publishValues(name, ['b0'], 1);
      await publishValues(name, ['c0', 'c1', 'c2'], 2);
      const all = await run([
        'tail',
        name,
        '--partition',
        'all',
        '--from',
        'earliest',
        '--no-follow',
      ]);
      assert.equal(all.code, 0, all.stderr);
      // The default format names the partition; each partition in order.
      const got = lines(all.stdout);
      assert.deepEqual([...got].sort(), [
        '0\t0\t\ta0',
        '0\t1\t\ta1',
        '1\t0\t\tb0',
        '2\t0\t\tc0',
        '2\t1\t\tc1',
        '2\t2\t\tc2',
      ]);
      assert.deepEqual(
        got.filter((l) => l.startsWith('2\t')),
        ['2\t0\t\tc0', '2\t1\t\tc1', '2\t2\t\tc2'],
      );
      const cursor = await run([
        'tail',
        name,
        '--partition',
        'all',
        '--cursor',
        'everyone',
        '--no-follow',
        '--format',
        '{partition}:{value}',
      ]);
      assert.equal(cursor.code, 0, cursor.stderr);
      assert.equal(lines(cursor.stdout).length, 6);
      for (const [partition, last] of [
        [0, 1n],
        [1, 0n],
        [2, 2n],
      ] as const) {
        assert.equal(await lastValueFrom(client.fetchCursor(name, partition, 'everyone')), last);
      }
      await publishValues(name, ['b1'], 1);
      const again = await run([
        'tail',
        name,
        '--partition',
        'all',
        '--cursor',
        'everyone',
        '--no-follow',
        '--format',
        '{partition}:{value}',
      ]);
      assert.deepEqual(lines(again.stdout), ['1:b1']);
      const bad = await run(['tail', name, '--partition', 'every']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--partition: expected a partition number or all, got "every"/);
    });

    it('tail - a reader that closes the pipe (| head -1) ends it quietly with exit 0', async () => {
      const name = await stream();
      await publishValues(name, numbers(0, 20_000));
      const res = await bash(
        `set -o pipefail; "${process.execPath}" "${CLI}" tail ${name} --from earliest --no-follow | head -n 1`,
        { ...process.env, LIFTBRIDGE_BROKERS: brokers.join(',') },
      );
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, '0\t\t0\n');
      assert.equal(res.stderr, '', 'no stack trace, no message');
    });
  });

  describe('cursor', () => {
    it('cursor - get without a cursor exits 3; set, then get prints it; --json', async () => {
      const name = await stream();
      const missing = await run(['cursor', 'get', name, 'c1']);
      assert.equal(missing.code, 3);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, new RegExp(`no cursor 'c1' on ${name}/0 yet`));
      const set = await run(['cursor', 'set', name, 'c1', '41']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal(set.stdout, `cursor c1 on ${name}/0 set to 41\n`);
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'c1')), 41n);
      const got = await run(['cursor', 'get', name, 'c1']);
      assert.equal(got.stdout, '41\n');
      const json = await run(['cursor', 'get', name, 'c1', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), {
        stream: name,
        partition: 0,
        cursor: 'c1',
        offset: 41,
      });
      const cleared = await run(['cursor', 'set', name, 'c1', '-1']);
      assert.equal(cleared.code, 0, cleared.stderr);
      assert.equal((await run(['cursor', 'get', name, 'c1'])).code, 3);
    });

    it('cursor - --partition names another partition; one that does not exist is exit 3', async () => {
      const name = await stream(2);
      assert.equal((await run(['cursor', 'set', name, 'c', '7', '--partition', '1'])).code, 0);
      assert.equal(await lastValueFrom(client.fetchCursor(name, 1, 'c')), 7n);
      assert.equal(await lastValueFrom(client.fetchCursor(name, 0, 'c')), -1n);
      const bad = await run(['cursor', 'get', name, 'c', '--partition', '2']);
      assert.equal(bad.code, 3);
      assert.equal(
        bad.stderr,
        `liftbridge-rx: stream '${name}' has no partition 2 (partitions: 0-1)\n`,
      );
    });
  });

  describe('errors', () => {
    it('errors - an unknown stream is exit 3 with the command that creates it', async () => {
      const name = uniqueName('missing');
      for (const args of [
        ['tail', name],
        ['publish', name, 'x'],
        ['cursor', 'get', name, 'c'],
        ['streams', name],
      ]) {
        const res = await run(args);
        assert.equal(res.code, 3, args.join(' '));
        assert.equal(res.stdout, '');
        assert.equal(
          res.stderr,
          `liftbridge-rx: stream '${name}' not found (create it with: liftbridge-rx create ${name})\n`,
        );
      }
    });

    it('errors - bad arguments are exit 2, one line naming the problem and the help', async () => {
      const name = await stream();
      const cases: [string[], string][] = [
        [
          ['bogus'],
          "unknown command 'bogus' (commands: streams, create, delete, publish, tail, cursor, metadata) (see: liftbridge-rx --help)",
        ],
        [
          ['create'],
          'missing arguments; usage: liftbridge-rx create <stream> (see: liftbridge-rx create --help)',
        ],
        [['tail', name, '--bogus'], "unknown option '--bogus' (see: liftbridge-rx tail --help)"],
        [
          ['tail', name, '--from', 'yesterday'],
          '--from: expected earliest, latest, new, offset:N, time:ISO-8601 or ago:DURATION, got "yesterday" (see: liftbridge-rx tail --help)',
        ],
        [
          ['create', 'x', '--partitions', 'many'],
          '--partitions: expected an integer from 1 to 4096, got "many" (see: liftbridge-rx create --help)',
        ],
        [
          ['publish', name, '--header', 'novalue', 'x'],
          '--header: expected name=value, got "novalue" (see: liftbridge-rx publish --help)',
        ],
        [
          ['cursor', 'set', name, 'c', 'last'],
          'offset: expected an offset (an integer from -1), got "last" (see: liftbridge-rx cursor --help)',
        ],
        [
          ['streams', '--timeout', 'soon'],
          '--timeout: expected a duration such as 500ms, 10s, 2m, 1h, got "soon" (see: liftbridge-rx --help)',
        ],
        [
          ['streams', '--brokers', 'nope'],
          '--brokers: "nope" is not "host:port" (missing port) (see: liftbridge-rx --help)',
        ],
        [
          ['create', 'a b'],
          'name: "a b" may not contain whitespace, "*" or ">" (see: liftbridge-rx create --help)',
        ],
      ];
      for (const [args, message] of cases) {
        const res = await run(args);
        assert.equal(res.code, 2, args.join(' '));
        assert.equal(res.stdout, '');
        assert.equal(res.stderr, `liftbridge-rx: ${message}\n`, args.join(' '));
      }
    });

    it('errors - an unreachable broker is exit 5 after --timeout, saying what to check', async () => {
      const res = await cli(['streams', '--brokers', '127.0.0.1:1', '--timeout', '1s']);
      assert.equal(res.code, 5);
      assert.equal(res.stdout, '');
      assert.match(
        res.stderr,
        /^liftbridge-rx: no broker answered within --timeout \(1000 ms\); tried 127\.0\.0\.1:1: connection failed/,
      );
      assert.match(
        res.stderr,
        /\(check --brokers or LIFTBRIDGE_BROKERS, that the server runs, or raise --timeout\)\n$/,
      );
      assert.equal(lines(res.stderr).length, 1);
    });

    it('errors - --brokers wins over LIFTBRIDGE_BROKERS', async () => {
      const res = await cli(['streams', '--brokers', brokers.join(',')], {
        brokers: ['127.0.0.1:1'],
      });
      assert.equal(res.code, 0, res.stderr);
    });
  });
});
