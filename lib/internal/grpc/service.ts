/**
 * proto.API as grpc-js sees it: the service definition `@grpc/proto-loader`
 * builds from the API's descriptor (generated from the shipped
 * proto/api.proto), built once on first use. Unary calls take their path and
 * (de)serializers from it; the streaming calls take their paths from it and
 * keep the hand-written codecs of the hot paths.
 *
 * Decoded responses are plain objects with every field present (defaults
 * filled, absent messages `null`), enums as numbers, bytes as Buffers and
 * int64 fields as `Long`, never as a lossy number: the mappers turn them
 * into bigint (fromInt64), and requests carry int64 values as `Long` made
 * from a bigint (toInt64).
 */
import type { Options, ServiceDefinition } from '@grpc/proto-loader';
import { apiDescriptor } from './api-descriptor.generated.js';
import type { ApiMethods } from './api-types.generated.js';
import { protoLoaderJs } from './load.js';

/** How proto-loader converts messages (see above); `longs` unset keeps int64 as Long. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  defaults: true,
  arrays: true,
  objects: true,
};

/** The service's full name in the descriptor. */
const SERVICE = 'proto.API';

/** One RPC of proto.API, typed by the generated message shapes. */
export interface ApiMethod<M extends keyof ApiMethods> {
  path: string;
  requestStream: ApiMethods[M]['requestStream'];
  responseStream: ApiMethods[M]['responseStream'];
  requestSerialize(request: ApiMethods[M]['request']): Buffer;
  responseDeserialize(bytes: Buffer): ApiMethods[M]['response'];
}

let service: ServiceDefinition | undefined;

/** proto.API's grpc-js service definition, from proto-loader. */
export function apiService(): ServiceDefinition {
  if (!service) {
    const loaded = protoLoaderJs().fromJSON(apiDescriptor, LOADER_OPTIONS)[SERVICE];
    // Messages and enums carry a `format`; a service is a table of methods.
    if (!loaded || 'format' in loaded)
      throw new Error(`${SERVICE} is not a service of the API descriptor`);
    service = loaded as ServiceDefinition;
  }
  return service;
}

/** The definition of one RPC of proto.API. */
export function apiMethod<M extends keyof ApiMethods>(name: M): ApiMethod<M> {
  const method = apiService()[name];
  if (!method) throw new Error(`${SERVICE} has no method ${name}`);
  return method as unknown as ApiMethod<M>;
}
