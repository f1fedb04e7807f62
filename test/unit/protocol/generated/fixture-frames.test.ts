/**
 * Golden request frames captured from real clients (test/fixtures/frames/*.json: kafkajs 2.2.4
 * and @platformatic/kafka 1.35.0, framed as each client's connection does). They pin the bytes
 * independently of the installed client versions: every frame must decode completely and
 * re-encode byte for byte.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { readRequestHeader, writeRequestHeader } from "../../../../lib/protocol/generated/index.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";
import { codecFor, decodeAll } from "./codec-helpers.ts";

interface Fixture {
  client: string;
  api: string;
  apiKey: number;
  apiVersion: number;
  requestHeaderVersion: number;
  frame: string;
}

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../fixtures/frames");
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture] as const);

test("there are captured frames from both clients", () => {
  const clients = new Set(fixtures.map(([, f]) => f.client.split(" ")[0]));
  expect([...clients].sort()).toEqual(["@platformatic/kafka", "kafkajs"]);
});

test.each(fixtures)("%s decodes completely and re-encodes byte for byte", (_file, f) => {
  const frame = Buffer.from(f.frame, "hex");
  const codec = codecFor(f.apiKey);
  expect(codec.api.name).toBe(f.api);
  const flexMin = codec.api.request.flexibleMin;
  expect(f.requestHeaderVersion).toBe(flexMin !== null && f.apiVersion >= flexMin ? 2 : 1);

  const r = new Reader(frame);
  expect(r.int32()).toBe(frame.length - 4);
  const header = readRequestHeader(r, f.requestHeaderVersion);
  expect(header.requestApiKey).toBe(f.apiKey);
  expect(header.requestApiVersion).toBe(f.apiVersion);
  const m = decodeAll(codec.readRequest, frame.subarray(r.offset), f.apiVersion);

  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, f.requestHeaderVersion, header);
  codec.writeRequest(w, f.apiVersion, m);
  const again = w.toBuffer();
  again.writeInt32BE(again.length - 4, 0);
  expect(again.toString("hex")).toBe(f.frame);
});
