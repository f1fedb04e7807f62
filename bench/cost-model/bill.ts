/**
 * A monthly bill as priced lines: every line carries its quantity, the dated price it was
 * multiplied by and the product, so a reader can redo any figure (issue 6: "the cost table
 * shows its inputs"). Shared by the Floe and peer models.
 */
import { PRICE_LIST, type PriceName } from "../aws-cost/prices.ts";

/** What a line pays for: separating them lets the report (and the tests) isolate read cost. */
export type LineKind = "write" | "read" | "storage" | "fixed";

export interface BillLine {
  kind: LineKind;
  item: string;
  quantity: number;
  price: PriceName;
  usd: number;
}

export type SystemName = "Floe" | "MSK Serverless" | "Kinesis on-demand";

export interface Bill {
  system: SystemName;
  rateMiBps: number;
  /** Consumers reading everything written once each (0: written, never read). */
  readFanOut: number;
  gibWrittenPerMonth: number;
  lines: BillLine[];
  totalUsd: number;
  /** totalUsd ÷ GiB written; null at 0 MiB/s. */
  usdPerGibWritten: number | null;
  /** The shape priced (fronts, segment size, partitions, clusters…), for the report. */
  shape: Record<string, number>;
}

export const SECONDS_PER_HOUR = 3600;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function charge(kind: LineKind, item: string, quantity: number, price: PriceName): BillLine {
  const p = PRICE_LIST[price];
  return { kind, item, quantity, price, usd: (quantity * p.usd) / p.per };
}

export function bill(
  system: SystemName,
  rateMiBps: number,
  readFanOut: number,
  monthHours: number,
  lines: BillLine[],
  shape: Record<string, number>,
): Bill {
  const gibWrittenPerMonth = (rateMiBps * monthHours * SECONDS_PER_HOUR) / 1024;
  const totalUsd = lines.reduce((sum, l) => sum + l.usd, 0);
  return {
    system,
    rateMiBps,
    readFanOut,
    gibWrittenPerMonth,
    lines,
    totalUsd,
    usdPerGibWritten: gibWrittenPerMonth > 0 ? totalUsd / gibWrittenPerMonth : null,
    shape,
  };
}

/** Sum of the lines of one kind. */
export function kindUsd(b: Bill, kind: LineKind): number {
  return b.lines.filter((l) => l.kind === kind).reduce((sum, l) => sum + l.usd, 0);
}
