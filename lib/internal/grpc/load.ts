/**
 * The wire libraries, loaded on first use rather than at import: importing
 * the package (or the testing kit, which never talks to a broker) loads no
 * grpc-js, proto-loader, protobufjs or long. A LiftbridgeClient loads them when it is
 * constructed (credentials) or first calls a broker; the envelope and
 * activity codecs when first used. The hot paths (the hand-written publish
 * and message codecs) never come here; the rest read a cached module.
 */
import { createRequire } from 'node:module';
import type * as GrpcJs from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import type Long from 'long';
import type * as Protobuf from 'protobufjs';

/** This file's path or URL, for a require that resolves as its imports would. */
function thisModule(): string {
  // CommonJS build: Node hands every module its __filename.
  if (typeof __filename === 'string') return __filename;
  // ESM build (no import.meta in a file also built as CommonJS): the call site's file.
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_err, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const file = sites[0]?.getFileName();
    if (file) return file;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
  return `${process.cwd()}/`;
}

let load: NodeJS.Require | undefined;
const required = <T>(id: string): T => {
  load ??= createRequire(thisModule());
  return load(id) as T;
};

let grpc: typeof GrpcJs | undefined;
let http2: typeof import('node:http2') | undefined;
let protobuf: typeof Protobuf | undefined;
let protoLoader: typeof ProtoLoader | undefined;
let long: typeof Long | undefined;

/** `@grpc/grpc-js`, loaded once. */
export function grpcJs(): typeof GrpcJs {
  grpc ??= required<typeof GrpcJs>('@grpc/grpc-js');
  return grpc;
}

/** `node:http2`, loaded once. */
export function nodeHttp2(): typeof import('node:http2') {
  http2 ??= required<typeof import('node:http2')>('node:http2');
  return http2;
}

/** `long`, loaded once. */
export function longJs(): typeof Long {
  long ??= required<typeof Long>('long');
  return long;
}

/** `protobufjs`, loaded once, set to decode int64 fields as `long`. */
export function protobufJs(): typeof Protobuf {
  if (!protobuf) {
    const loaded = required<typeof Protobuf>('protobufjs');
    // protobufjs finds `long` on its own in most set-ups; make sure it does.
    loaded.util.Long = longJs();
    loaded.configure();
    protobuf = loaded;
  }
  return protobuf;
}

/** `@grpc/proto-loader`, loaded once (after protobufjs is set up, which it shares when deduplicated). */
export function protoLoaderJs(): typeof ProtoLoader {
  if (!protoLoader) {
    protobufJs();
    protoLoader = required<typeof ProtoLoader>('@grpc/proto-loader');
  }
  return protoLoader;
}
