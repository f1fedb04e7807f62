/** Shared by the record-batch tests: captured fixtures, dataset conversion, byte surgery. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import {
  type BuildRecord,
  crc32c,
  RecordBatchError,
} from "../../../../lib/protocol/records/index.ts";
import type { DatasetRecord, Fixture, FixtureFile } from "../../../fixtures/batches/datasets.ts";

const dir = new URL("../../../fixtures/batches/", import.meta.url);

/** Every batch captured from a real client, tagged with its file. */
export function capturedBatches(): (Fixture & { file: string })[] {
  return ["java.json", "kafkajs.json", "platformatic.json"].flatMap((file) => {
    const parsed = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as FixtureFile;
    return parsed.batches.map((b) => ({ ...b, file }));
  });
}

function utf8(s: string | null): Buffer | null {
  return s === null ? null : Buffer.from(s, "utf8");
}

export function toBuildRecords(records: DatasetRecord[]): BuildRecord[] {
  return records.map((r) => ({
    key: utf8(r.key),
    value: utf8(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: utf8(h.value) })),
    timestampMs: r.timestampMs,
  }));
}

/** Recomputes the CRC after a test edited bytes inside it. */
export function resign(batch: Buffer, at = 0): Buffer {
  const length = batch.readInt32BE(at + 8) + 12;
  const end = Math.max(at + 21, Math.min(at + length, batch.length));
  batch.writeUInt32BE(crc32c(batch, at + 21, end), at + 17);
  return batch;
}

/** Runs `fn` and returns the RecordBatchError it throws, checking its code and message. */
export function refusal(fn: () => unknown, errorCode: number, message: RegExp): RecordBatchError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(RecordBatchError);
  const err = thrown as RecordBatchError;
  expect({ errorCode: err.errorCode, message: err.message }).toEqual({
    errorCode,
    message: expect.stringMatching(message),
  });
  return err;
}

export async function asyncRefusal(
  p: Promise<unknown>,
  errorCode: number,
  message: RegExp,
): Promise<RecordBatchError> {
  const thrown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return refusal(
    () => {
      if (thrown !== undefined) throw thrown;
    },
    errorCode,
    message,
  );
}
