/**
 * gRPC status codes, as the gRPC spec fixes them (the numbers of grpc-js's
 * `status`), here so that classifying a status loads no grpc-js.
 */
export const status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const names = Object.keys(status);

/** A code's name (`UNAVAILABLE`), empty for an unknown code. */
export function statusName(code: number): string {
  return names[code] ?? '';
}
