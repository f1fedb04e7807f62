/**
 * Typed storage errors. Adapters translate their SDK's exceptions into these once, at the
 * adapter boundary; the broker maps them to Kafka error codes. `retriable` tells the broker
 * whether a client retry can succeed (throttling, timeouts) or not (a conflict on a name).
 */
export abstract class StorageError extends Error {
  abstract readonly retriable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A write that must create a new object found one already there (If-None-Match: *). */
export class ObjectExistsError extends StorageError {
  readonly retriable = false;
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super(`object already exists: ${key}`, options);
    this.key = key;
  }
}

export class ObjectNotFoundError extends StorageError {
  readonly retriable = false;
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super(`object not found: ${key}`, options);
    this.key = key;
  }
}

/**
 * A ranged read asked for bytes past the end of the object. Objects are immutable, so this is a
 * caller bug or a corrupt index entry, never something a retry fixes.
 */
export class ObjectRangeError extends StorageError {
  readonly retriable = false;
  readonly key: string;
  readonly startByte: number;
  readonly lengthBytes: number;
  constructor(key: string, startByte: number, lengthBytes: number, options?: { cause?: unknown }) {
    super(`object too short: ${key} has no ${lengthBytes} bytes from byte ${startByte}`, options);
    this.key = key;
    this.startByte = startByte;
    this.lengthBytes = lengthBytes;
  }
}

export class TopicExistsError extends StorageError {
  readonly retriable = false;
  readonly topic: string;
  constructor(topic: string) {
    super(`topic already exists: ${topic}`);
    this.topic = topic;
  }
}

export class UnknownTopicError extends StorageError {
  readonly retriable = false;
  readonly topic: string;
  constructor(topic: string) {
    super(`unknown topic: ${topic}`);
    this.topic = topic;
  }
}

/** A conditional write lost a race; `current` is the value that won, for the caller to retry on. */
export class VersionConflictError<T> extends StorageError {
  readonly retriable = true;
  readonly current: T;
  constructor(message: string, current: T) {
    super(message);
    this.current = current;
  }
}

/** The backend is throttling, timing out or failing transiently; the operation had no effect or an unknown one. */
export class StorageUnavailableError extends StorageError {
  readonly retriable = true;
}

/**
 * The backend refused the request for a reason no retry fixes: access denied, a bucket or table
 * that does not exist, a request it calls invalid. A deployment or adapter problem, reported as
 * such (Kafka: UNKNOWN_SERVER_ERROR, not the retriable KAFKA_STORAGE_ERROR), so that a
 * misconfigured front fails fast and loudly instead of retrying for ever.
 */
export class StorageRejectedError extends StorageError {
  readonly retriable = false;
}
