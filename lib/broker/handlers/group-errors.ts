/**
 * Failures of the group coordinator as Kafka error codes. Storage that is unavailable or a
 * group too contended to write answer COORDINATOR_NOT_AVAILABLE, which every client treats as
 * "find the coordinator again and retry"; anything else is a bug and propagates (the dispatcher
 * closes the connection and logs it, the front keeps running).
 */
import { StorageError } from "../../storage/errors.ts";
import { ErrorCode } from "../error-codes.ts";
import { GroupContentionError } from "../groups/coordinator.ts";

export async function withGroupErrors<T>(
  run: () => Promise<T>,
  onError: (errorCode: number) => T,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof GroupContentionError || (err instanceof StorageError && err.retriable)) {
      return onError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    throw err;
  }
}
