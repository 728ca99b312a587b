// The HTTP side of the demo: publish over POST, stream a Liftbridge stream over SSE.
import {
  BadGatewayException,
  BadRequestException,
  Body,
  Controller,
  Headers,
  type MessageEvent,
  NotFoundException,
  Param,
  Post,
  Query,
  Sse,
} from '@nestjs/common';
import {
  type Ack,
  ErrorCode,
  isLiftbridgeError,
  LiftbridgeClient,
  type Message,
  type SubscribeOptions,
} from 'liftbridge-rx';
import { LiftbridgeClientProxy, LiftbridgeRecord } from 'liftbridge-rx/nestjs';
import { lastValueFrom, map, type Observable } from 'rxjs';

/** Body of POST /messages/:stream. */
interface PublishBody {
  value?: unknown;
  key?: unknown;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** A Liftbridge error as an HTTP error. */
function httpError(err: unknown): unknown {
  if (isLiftbridgeError(err, ErrorCode.NotFound)) return new NotFoundException(err.message);
  if (isLiftbridgeError(err, ErrorCode.InvalidArgument))
    return new BadRequestException(err.message);
  if (isLiftbridgeError(err)) return new BadGatewayException(`${err.code}: ${err.message}`);
  return err;
}

/** Where GET /sse/:stream starts: ?start=earliest|latest|new, or after the Last-Event-ID. */
function startOf(
  start: string,
  partition: number,
  lastEventId?: string,
): SubscribeOptions & { partition: number } {
  if (lastEventId !== undefined && /^\d+$/.test(lastEventId))
    return { partition, startPosition: 'OFFSET', startOffset: BigInt(lastEventId) + 1n };
  switch (start) {
    case 'earliest':
      return { partition, startPosition: 'EARLIEST' };
    case 'latest':
      return { partition, startPosition: 'LATEST' };
    case 'new':
      return { partition, startPosition: 'NEW_ONLY' };
    default:
      throw new BadRequestException('start: expected earliest, latest or new');
  }
}

/** One message as an SSE event: its offset as the event id, the message as JSON data. */
function toEvent(m: Message): MessageEvent {
  return {
    id: m.offset.toString(),
    data: {
      stream: m.stream,
      partition: m.partition,
      offset: m.offset.toString(),
      key: m.key.length > 0 ? text(m.key) : null,
      value: text(m.value),
      timestamp: Number(m.timestamp / 1_000_000n),
    },
  };
}

@Controller()
export class MessagesController {
  constructor(
    private readonly client: LiftbridgeClient,
    private readonly proxy: LiftbridgeClientProxy,
  ) {}

  @Post('messages/:stream')
  async publish(@Param('stream') stream: string, @Body() body: PublishBody) {
    const { value, key } = body ?? {};
    if (typeof value !== 'string' || (key !== undefined && typeof key !== 'string'))
      throw new BadRequestException('expected {"value": string, "key"?: string}');
    try {
      const record = new LiftbridgeRecord(value, key === undefined ? {} : { key });
      const ack = await lastValueFrom(this.proxy.emit<Ack>(stream, record));
      return { stream: ack.stream, partition: ack.partition, offset: ack.offset.toString() };
    } catch (err) {
      throw httpError(err);
    }
  }

  @Sse('sse/:stream')
  async sse(
    @Param('stream') stream: string,
    @Query('start') start = 'earliest',
    @Query('partition') partition = '0',
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<Observable<MessageEvent>> {
    if (!/^\d+$/.test(partition)) throw new BadRequestException('partition: expected a number');
    const options = startOf(start, Number(partition), lastEventId);
    try {
      // Checked before the response starts, so a missing stream is a 404
      // (an error once events flow ends the stream with an SSE error event).
      await lastValueFrom(this.client.fetchPartitionMetadata(stream, options.partition));
      return this.client.subscribe(stream, options).pipe(map(toEvent));
    } catch (err) {
      throw httpError(err);
    }
  }
}
