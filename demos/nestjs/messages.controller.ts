// The HTTP side of the demo: publish over POST, stream a Liftbridge stream over SSE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BadGatewayException,
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { type Ack, ErrorCode, isLiftbridgeError, LiftbridgeClient } from 'liftbridge-rx';
import { LiftbridgeClientProxy, LiftbridgeRecord } from 'liftbridge-rx/nestjs';
import { SSE_STARTS, type SseOptions, type SseStart, sendSse } from 'liftbridge-rx/sse';
import { lastValueFrom } from 'rxjs';

/** Body of POST /messages/:stream. */
interface PublishBody {
  value?: unknown;
  key?: unknown;
}

/** A Liftbridge error as an HTTP error. */
function httpError(err: unknown): unknown {
  if (isLiftbridgeError(err, ErrorCode.NotFound)) return new NotFoundException(err.message);
  if (isLiftbridgeError(err, ErrorCode.InvalidArgument))
    return new BadRequestException(err.message);
  if (isLiftbridgeError(err)) return new BadGatewayException(`${err.code}: ${err.message}`);
  return err;
}

/** The partition and start of GET /sse/:stream?start=…&partition=… (400 when unknown). */
function sseOptions(start: string, partition: string): SseOptions {
  if (!SSE_STARTS.includes(start as SseStart))
    throw new BadRequestException(`start: expected one of ${SSE_STARTS.join(', ')}`);
  if (partition !== 'all' && !/^\d{1,9}$/.test(partition))
    throw new BadRequestException('partition: expected a number or all');
  return {
    start: start as SseStart,
    partition: partition === 'all' ? 'all' : Number(partition),
    // Browsers reconnect half a second after a dropped connection.
    retryMs: 500,
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

  // sendSse writes the response itself (heartbeats, backpressure, Last-Event-ID
  // resume): @Res() hands it Node's response, as Express (and Fastify's
  // reply.raw) have it.
  @Get('sse/:stream')
  sse(
    @Param('stream') stream: string,
    @Query('start') start: string | undefined,
    @Query('partition') partition: string | undefined,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const options = sseOptions(start ?? 'earliest', partition ?? '0');
    try {
      return sendSse(this.client, req, res, stream, options);
    } catch (err) {
      throw httpError(err);
    }
  }
}
