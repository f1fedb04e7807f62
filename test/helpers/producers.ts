/**
 * Driving real producers (test/compat/drivers.ts) for the fault tests: `produceWhile` runs one
 * driver in consecutive runs of `chunk` records (indices `start`, `start + chunk`, …) until
 * `other` settles — at least two runs — so two clients provably overlap whatever their start-up
 * times. The runs together form one ProducerRun of log-audit.ts (contiguous indices, one "src").
 */
import type { ClientDriver, ProduceOptions } from "../compat/drivers.ts";
import type { ProducedRow } from "../compat/record-spec.ts";
import type { ProducerRun } from "./log-audit.ts";

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
  while (runs < minRuns || !done) {
    produced.push(
      ...(await driver.produce({ ...options, count: chunk, start: start + runs * chunk })),
    );
    runs++;
  }
  return { client: driver.name, start, count: runs * chunk, produced };
}
