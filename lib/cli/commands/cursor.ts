/** `cursor get|set`: read or store a cursor's offset. */
import { lastValueFrom } from 'rxjs';
import { ErrorCode, LiftbridgeError } from '../../index.js';
import { stringOption } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { toJson } from '../output.js';
import { parseInteger, parseOffset } from '../values.js';
import { requireStream } from './checks.js';

/** `liftbridge-rx cursor get <stream> <cursorId>` and `cursor set <stream> <cursorId> <offset>`. */
export const cursorCommand: Command = {
  name: 'cursor',
  usage: 'cursor get <stream> <cursor-id> | cursor set <stream> <cursor-id> <offset>',
  summary: "print or store a cursor's offset (the last processed message)",
  details: [
    'get prints the offset stored in the cursor; exit code 3 when there is none.',
    'set stores OFFSET (-1 clears it: a resume then starts at the earliest message).',
    "A cursor is what 'tail --cursor ID' resumes after (and what go-liftbridge's",
    'SetCursor/FetchCursor use); the server needs cursors.stream.partitions > 0.',
  ],
  options: {
    partition: { type: 'string', value: 'N', help: 'partition of the stream (default 0)' },
  },
  positionals: { min: 3, max: 4 },
  async run(ctx, { positionals, values }) {
    const [action, stream, cursorId, offsetText] = positionals as [string, string, string, string?];
    const partitionText = stringOption(values, 'partition');
    const partition = partitionText === undefined ? 0 : parseInteger(partitionText, '--partition');
    if (action === 'get') {
      if (offsetText !== undefined) throw new UsageError('cursor get takes no offset', 'cursor');
      await requireStream(ctx.client, stream, partition);
      const offset = await lastValueFrom(ctx.client.fetchCursor(stream, partition, cursorId));
      if (offset < 0n) {
        throw new LiftbridgeError(
          ErrorCode.NotFound,
          `no cursor '${cursorId}' on ${stream}/${partition} yet (tail --cursor ${cursorId} stores one, or: liftbridge-rx cursor set ${stream} ${cursorId} OFFSET)`,
        );
      }
      if (ctx.json) ctx.out.write(`${toJson({ stream, partition, cursor: cursorId, offset })}\n`);
      else ctx.out.write(`${offset}\n`);
      return ExitCode.Ok;
    }
    if (action === 'set') {
      if (offsetText === undefined) throw new UsageError('cursor set needs an offset', 'cursor');
      const offset = parseOffset(offsetText, 'offset', -1n);
      await requireStream(ctx.client, stream, partition);
      await lastValueFrom(ctx.client.setCursor(stream, partition, cursorId, offset));
      if (ctx.json) ctx.out.write(`${toJson({ stream, partition, cursor: cursorId, offset })}\n`);
      else ctx.out.write(`cursor ${cursorId} on ${stream}/${partition} set to ${offset}\n`);
      return ExitCode.Ok;
    }
    throw new UsageError(`cursor: expected get or set, got "${action}"`, 'cursor');
  },
};
