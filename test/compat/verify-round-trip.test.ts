// The round-trip checker must name each kind of damage; a checker that passes everything would
// make the whole compat suite vacuous. Pure: no broker, no client.
import { describe, expect, it } from "vitest";
import { verifyRoundTrip } from "./drivers.ts";
import {
  type ConsumedRow,
  expectedRecord,
  type ProducedRow,
  recordValue,
  valueLength,
} from "./record-spec.ts";

const spec = { count: 30, partitions: 3, client: "test" };

function perfect(): { produced: ProducedRow[]; consumed: ConsumedRow[] } {
  const produced: ProducedRow[] = [];
  const consumed: ConsumedRow[] = [];
  for (let i = 0; i < spec.count; i++) {
    const e = expectedRecord(i, spec.partitions, spec.client);
    const offset = Math.floor(i / spec.partitions);
    produced.push({ i, partition: e.partition, offset });
    consumed.push({
      partition: e.partition,
      offset,
      key: e.key,
      valueSha256: e.valueSha256,
      valueLength: e.valueLength,
      headers: e.headers,
      timestampMs: 1_700_000_000_000 + i,
    });
  }
  return { produced, consumed };
}

describe("record spec", () => {
  it("sizes and bytes follow the formula", () => {
    expect([0, 9, 99, 999, 1].map(valueLength)).toEqual([10, 1000, 10_000, 100_000, 47]);
    expect(recordValue(1).subarray(0, 4).toString()).toBe("7KXk");
  });
});

describe("verifyRoundTrip", () => {
  it("accepts an exact round trip", () => {
    const { produced, consumed } = perfect();
    expect(verifyRoundTrip(spec, produced, consumed)).toEqual([]);
  });

  it("reports missing, duplicate, reordered and altered records", () => {
    const { produced, consumed } = perfect();
    const rows = consumed.filter((r) => r.key !== "k-4");
    rows.push({ ...rows[0]! });
    [rows[3], rows[6]] = [rows[6]!, rows[3]!]; // k-3 now comes after k-6 in partition 0
    rows[10] = { ...rows[10]!, valueSha256: "00" };
    const problems = verifyRoundTrip(spec, produced, rows).join("\n");
    expect(problems).toMatch(/^missing: 1 of 30: i=4$/m);
    expect(problems).toMatch(/^duplicate: i=0/m);
    expect(problems).toMatch(/^out of per-partition order:/m);
    expect(problems).toMatch(/^content mismatch: .*value bytes differ/m);
  });

  it("reports acks that are missing or disagree with where the record was read", () => {
    const { produced, consumed } = perfect();
    const acks = produced.slice(1).map((a) => (a.i === 5 ? { ...a, offset: 9 } : a));
    const problems = verifyRoundTrip(spec, acks, consumed).join("\n");
    expect(problems).toMatch(/^not acknowledged: 1 of 30/m);
    expect(problems).toMatch(/^read back at a different position than acked: i=5/m);
  });

  it("identifies records by key when the producer cannot write per-record headers", () => {
    const { produced, consumed } = perfect();
    const rows = consumed.map((r) => ({ ...r, headers: [["src", "test"]] as [string, string][] }));
    const acks = produced.map((a) => ({ ...a, offset: null }));
    expect(verifyRoundTrip({ ...spec, perRecordHeaders: false }, acks, rows)).toEqual([]);
    expect(verifyRoundTrip(spec, acks, rows).join("\n")).toMatch(/^unexpected record:/m);
  });
});
