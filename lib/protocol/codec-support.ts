/**
 * Hand-written helpers the generated codecs call: the encodings that depend on whether a
 * version is flexible (compact lengths) and whether a field is nullable in that version.
 * Kept out of the generated files so the generator stays small and its output readable.
 */
import type { Reader } from "./primitives/reader.ts";
import { Writer } from "./primitives/writer.ts";

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

/** Thrown when an encoder is asked for something the target version cannot carry. */
export class EncodeError extends Error {
  override readonly name = "EncodeError";
}

export function readString(r: Reader, flexible: boolean, nullable: boolean): string | null {
  if (flexible) return nullable ? r.compactNullableString() : r.compactString();
  return nullable ? r.nullableString() : r.string();
}

export function writeString(
  w: Writer,
  flexible: boolean,
  nullable: boolean,
  v: string | null,
  field: string,
): void {
  if (v === null && !nullable) throw new EncodeError(`${field} is null but not nullable here`);
  if (flexible) w.compactNullableString(v);
  else w.nullableString(v);
}

export function readBytes(r: Reader, flexible: boolean, nullable: boolean): Buffer | null {
  if (flexible) return nullable ? r.compactNullableBytes() : r.compactBytes();
  return nullable ? r.nullableBytes() : r.bytes();
}

export function writeBytes(
  w: Writer,
  flexible: boolean,
  nullable: boolean,
  v: Uint8Array | null,
  field: string,
): void {
  if (v === null && !nullable) throw new EncodeError(`${field} is null but not nullable here`);
  if (flexible) w.compactNullableBytes(v);
  else w.nullableBytes(v);
}

/** `records` fields: raw bytes, possibly a list of buffers to avoid copying fetch data. */
export type RecordsValue = Buffer | readonly Buffer[] | null;

export function writeRecords(
  w: Writer,
  flexible: boolean,
  nullable: boolean,
  v: RecordsValue | undefined,
  field: string,
): void {
  if (v === null || v === undefined) {
    if (!nullable) throw new EncodeError(`${field} is null but not nullable here`);
    if (flexible) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  const parts = Buffer.isBuffer(v) ? [v] : v;
  let length = 0;
  for (const p of parts) length += p.length;
  if (flexible) w.uvarint(length + 1);
  else w.int32(length);
  for (const p of parts) w.raw(p);
}

export function readArray<T>(
  r: Reader,
  flexible: boolean,
  nullable: boolean,
  readElement: () => T,
): T[] | null {
  const n = flexible ? r.compactArrayLength(nullable) : r.arrayLength(nullable);
  if (n < 0) return null;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = readElement();
  return out;
}

export function writeArray<T>(
  w: Writer,
  flexible: boolean,
  nullable: boolean,
  v: readonly T[] | null | undefined,
  field: string,
  writeElement: (e: T) => void,
): void {
  if (v === null || v === undefined) {
    if (v === null && !nullable) throw new EncodeError(`${field} is null but not nullable here`);
    if (v === null) {
      if (flexible) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    v = [];
  }
  if (flexible) w.uvarint(v.length + 1);
  else w.int32(v.length);
  for (const e of v) writeElement(e);
}

/** Writes a tagged-field section; each entry is encoded first to learn its size. */
export function writeTaggedFields(w: Writer, fields: [number, (w: Writer) => void][]): void {
  w.uvarint(fields.length);
  for (const [tag, write] of fields) {
    const sub = new Writer(64);
    write(sub);
    const parts = sub.toBuffers();
    let size = 0;
    for (const p of parts) size += p.length;
    w.uvarint(tag).uvarint(size);
    for (const p of parts) w.raw(p);
  }
}

export function checkNotPresent(present: boolean, field: string, version: number): void {
  if (present) {
    throw new EncodeError(`${field} cannot be sent at version ${version}`);
  }
}
