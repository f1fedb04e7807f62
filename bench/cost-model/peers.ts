/**
 * The peers' monthly bills for the same traffic, at their list prices: MSK Serverless
 * (cluster-hours, partition-hours, GiB in and out, storage) and Kinesis Data Streams on-demand
 * (stream-hours, GB in with records rounded up to 1 KB, GB out). Sizing follows the quotas in
 * the reference (§9); see ./inputs.ts for each assumption.
 */
import { type Bill, bill, charge, SECONDS_PER_HOUR } from "./bill.ts";
import type { Assumptions } from "./inputs.ts";

/** MiB/s → MB/s (10^6 bytes), the unit of AWS's throughput quotas. */
const MBps = (rateMiBps: number) => (rateMiBps * 1024 * 1024) / 1e6;

export function mskServerlessBill(rateMiBps: number, readFanOut: number, a: Assumptions): Bill {
  const inMBps = MBps(rateMiBps);
  const outMBps = readFanOut * inMBps;
  const clusters = Math.max(
    1,
    Math.ceil(inMBps / a.mskClusterInMBps),
    Math.ceil(outMBps / a.mskClusterOutMBps),
  );
  const partitions = Math.max(
    a.partitions,
    Math.ceil(inMBps / a.mskPartitionInMBps),
    Math.ceil(outMBps / a.mskPartitionOutMBps),
  );
  const gib = (rateMiBps * a.monthHours * SECONDS_PER_HOUR) / 1024;
  const storedGib = (rateMiBps * a.retentionDays * 86_400) / 1024;
  return bill(
    "MSK Serverless",
    rateMiBps,
    readFanOut,
    a.monthHours,
    [
      charge("fixed", "cluster-hours", clusters * a.monthHours, "mskClusterHour"),
      charge("fixed", "partition-hours", partitions * a.monthHours, "mskPartitionHour"),
      charge("write", "GiB in", gib, "mskInGib"),
      charge("read", "GiB out", readFanOut * gib, "mskOutGib"),
      charge(
        "storage",
        `storage (${a.retentionDays} days retained), GiB-month`,
        storedGib,
        "mskStorageGibMonth",
      ),
    ],
    { clusters, partitions },
  );
}

export function kinesisOnDemandBill(rateMiBps: number, readFanOut: number, a: Assumptions): Bill {
  const seconds = a.monthHours * SECONDS_PER_HOUR;
  const records = (rateMiBps * 1024 * 1024 * seconds) / a.kinesisRecordBytes;
  const billedKbPerRecord = Math.ceil(a.kinesisRecordBytes / 1024);
  const gibIn = (records * billedKbPerRecord) / (1024 * 1024);
  const gibOut = (rateMiBps * seconds) / 1024;
  return bill(
    "Kinesis on-demand",
    rateMiBps,
    readFanOut,
    a.monthHours,
    [
      charge("fixed", "stream-hours", a.monthHours, "kinesisStreamHour"),
      charge("write", "GB in (records rounded up to 1 KB)", gibIn, "kinesisInGb"),
      charge("read", "GB out", readFanOut * gibOut, "kinesisOutGb"),
    ],
    { streams: 1, billedKbPerRecord },
  );
}
