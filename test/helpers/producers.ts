/**
 * Driving real producers (test/compat/drivers.ts) for the fault tests: `produceWhile` runs one
 * driver in consecutive runs of `chunk` records (indices `start`, `start + chunk`, …) until
 * `other` settles — at least two runs — so two clients provably overlap whatever their start-up
 * times. The runs together form one ProducerRun of log-audit.ts (contiguous indices, one "src").
 */
import type { ClientDriver, ProduceOptions } from "../compat/drivers.ts";
import type { ProducedRow } from "../compat/record-spec.ts";
import type { ProducerRun } from "./log-audit.ts";

const NO_PRODUCER_ID = /unable to initialize a producer ID/;
const MAX_INIT_FAILURES = 3;

/**
 * franz-go gives up, by design, when a NEW connection's first read hits EOF ("often bad SASL"),
 * and a front killed at that instant does exactly that. An idempotent producer that never got
 * its producer id has sent nothing, so such a run may simply be run again.
 */
export function failedBeforeProducerId(err: unknown): boolean {
  return NO_PRODUCER_ID.test(String(err));
}

export async function produceWhile(
  other: Promise<unknown>,
  driver: ClientDriver,
  options: Omit<ProduceOptions, "count" | "start">,
  start: number,
  chunk: number,
  minRuns = 2,
): Promise<ProducerRun> {
  let done = false;
  void other.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  const produced: ProducedRow[] = [];
  let runs = 0;
  let initFailures = 0;
  while (runs < minRuns || !done) {
    let rows: ProducedRow[];
    try {
      rows = await driver.produce({ ...options, count: chunk, start: start + runs * chunk });
    } catch (err) {
      // Run again only what provably sent nothing (see failedBeforeProducerId).
      if (!failedBeforeProducerId(err) || ++initFailures > MAX_INIT_FAILURES) throw err;
      continue;
    }
    produced.push(...rows);
    runs++;
  }
  return { client: driver.name, start, count: runs * chunk, produced };
}
