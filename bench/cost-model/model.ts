/**
 * The cost model of issue 6: monthly bills of Floe, MSK Serverless and Kinesis on-demand at
 * 1, 10 and 100 MiB/s written, read by 0, 1 or 3 consumers, with 7 days of retention, plus each
 * one's idle floor (0 MiB/s, a consumer waiting), and Floe's figure against the goal of
 * ≤ $0.01 per GiB all-in at 10 MiB/s. Pure: the same inputs give the same result, so it is
 * unit-tested (test/bench/cost-model.test.ts) and re-run on a stored results file.
 */
import type { LogLayoutName } from "../../lib/config/aws-config.ts";
import { PRICE_LIST } from "../aws-cost/prices.ts";
import type { Bill, SystemName } from "./bill.ts";
import { floeBill, isFlushCommitLine } from "./floe.ts";
import {
  type Assumptions,
  DEFAULT_ASSUMPTIONS,
  describeAssumptions,
  type MeasuredInputs,
} from "./inputs.ts";
import { kinesisOnDemandBill, mskServerlessBill } from "./peers.ts";

export const RATES_MIBPS = [1, 10, 100] as const;
export const FAN_OUTS = [0, 1, 3] as const;
export const SYSTEMS: readonly SystemName[] = ["Floe", "MSK Serverless", "Kinesis on-demand"];

/** "All-in": every line of the bill (requests, storage, fronts, floors), written and read once. */
export const COST_GOAL = Object.freeze({ usdPerGib: 0.01, rateMiBps: 10, readFanOut: 1 });

export interface GoalCheck {
  goalUsdPerGib: number;
  rateMiBps: number;
  readFanOut: number;
  floeUsdPerGib: number;
  met: boolean;
  /** How far above the goal (0 when met), in $ per GiB and as a factor of the goal. */
  shortfallUsdPerGib: number;
  timesGoal: number;
}

/** Floe read once at one rate with one layout's flush commits; the rest of the bill is the same. */
export interface LayoutBill {
  layout: LogLayoutName;
  rateMiBps: number;
  /** Of the modelled flushes (the same for every layout). */
  partitionsPerFlush: number;
  /** The flush-commit lines (DynamoDB WCU and RCU), $ per month. */
  commitUsd: number;
  totalUsd: number;
  usdPerGibWritten: number | null;
}

export interface CostModelResult {
  assumptions: Assumptions;
  assumptionsText: string[];
  measured: MeasuredInputs;
  prices: typeof PRICE_LIST;
  /** Every system × rate × fan-out, and each system's idle floor (rate 0, fan-out 1). */
  bills: Bill[];
  /** Floe with every segment full (8 MiB), read once: the floor of the request cost. */
  floeFullSegments: Bill[];
  /** Every measured layout's flush commits at every rate, read once (the bills use the first). */
  layouts: LayoutBill[];
  goal: GoalCheck;
}

export function layoutBills(measured: MeasuredInputs, assumptions: Assumptions): LayoutBill[] {
  return measured.flushCommits.flatMap(({ layout }) =>
    RATES_MIBPS.map((rate) => {
      const b = floeBill(rate, 1, measured, assumptions, "modelled", layout);
      return {
        layout,
        rateMiBps: rate,
        partitionsPerFlush: b.shape.partitionsPerFlush,
        commitUsd: b.lines.filter(isFlushCommitLine).reduce((sum, l) => sum + l.usd, 0),
        totalUsd: b.totalUsd,
        usdPerGibWritten: b.usdPerGibWritten,
      };
    }),
  );
}

export function systemBill(
  system: SystemName,
  rateMiBps: number,
  readFanOut: number,
  m: MeasuredInputs,
  a: Assumptions,
): Bill {
  if (system === "Floe") return floeBill(rateMiBps, readFanOut, m, a);
  if (system === "MSK Serverless") return mskServerlessBill(rateMiBps, readFanOut, a);
  return kinesisOnDemandBill(rateMiBps, readFanOut, a);
}

export function findBill(
  r: Pick<CostModelResult, "bills">,
  system: SystemName,
  rateMiBps: number,
  readFanOut: number,
): Bill {
  const b = r.bills.find(
    (x) => x.system === system && x.rateMiBps === rateMiBps && x.readFanOut === readFanOut,
  );
  if (b === undefined) throw new Error(`no ${system} bill at ${rateMiBps} MiB/s × ${readFanOut}`);
  return b;
}

export function checkGoal(floe: Bill): GoalCheck {
  const usd = floe.usdPerGibWritten ?? Number.POSITIVE_INFINITY;
  return {
    goalUsdPerGib: COST_GOAL.usdPerGib,
    rateMiBps: floe.rateMiBps,
    readFanOut: floe.readFanOut,
    floeUsdPerGib: usd,
    met: usd <= COST_GOAL.usdPerGib,
    shortfallUsdPerGib: Math.max(0, usd - COST_GOAL.usdPerGib),
    timesGoal: usd / COST_GOAL.usdPerGib,
  };
}

export function costModel(
  measured: MeasuredInputs,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): CostModelResult {
  const bills: Bill[] = [];
  for (const system of SYSTEMS) {
    bills.push(systemBill(system, 0, 1, measured, assumptions));
    for (const rate of RATES_MIBPS) {
      for (const fanOut of FAN_OUTS)
        bills.push(systemBill(system, rate, fanOut, measured, assumptions));
    }
  }
  const result = {
    assumptions: { ...assumptions },
    assumptionsText: describeAssumptions(assumptions, measured),
    measured,
    prices: PRICE_LIST,
    bills,
    floeFullSegments: RATES_MIBPS.map((rate) => floeBill(rate, 1, measured, assumptions, "full")),
    layouts: layoutBills(measured, assumptions),
  };
  return {
    ...result,
    goal: checkGoal(findBill(result, "Floe", COST_GOAL.rateMiBps, COST_GOAL.readFanOut)),
  };
}
