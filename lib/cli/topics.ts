/** `floe topics create|list|describe|delete`. */
import { createTopic, deleteTopic, describeTopicConfigs, metadata } from "../client/admin.ts";
import { connectBootstrap, intOption, type Options } from "./args.ts";
import { UsageError } from "./main.ts";

function parseConfigs(values: Options): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (values.config as string[] | undefined) ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`--config expects key=value, got ${kv}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function runTopics(positionals: string[], values: Options): Promise<number> {
  const [action, name] = positionals;
  if (!action) throw new UsageError("topics needs an action: create, list, describe or delete");
  if (action !== "list" && !name) throw new UsageError(`topics ${action} needs a topic name`);
  const client = await connectBootstrap(values);
  try {
    switch (action) {
      case "create":
        await createTopic(client, name, intOption(values, "partitions", -1), parseConfigs(values));
        console.log(`Created topic ${name}.`);
        return 0;
      case "delete":
        await deleteTopic(client, name);
        console.log(`Deleted topic ${name}.`);
        return 0;
      case "list": {
        const md = await metadata(client, null);
        for (const t of [...(md.topics ?? [])].sort((a, b) =>
          String(a.name).localeCompare(String(b.name)),
        )) {
          console.log(t.name);
        }
        return 0;
      }
      case "describe": {
        const md = await metadata(client, [name]);
        const t = md.topics![0];
        if (t.errorCode) {
          console.error(`floe: topic ${name} not found (Kafka error ${t.errorCode})`);
          return 1;
        }
        const configs = await describeTopicConfigs(client, name);
        const overrides = (configs.results?.[0]?.configs ?? []).filter(
          (c) => !c.isDefault && c.configSource === 1,
        );
        console.log(
          `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions!.length}\tConfigs: ${overrides.map((c) => `${c.name}=${c.value}`).join(",")}`,
        );
        for (const p of t.partitions!) {
          console.log(
            `\tPartition: ${p.partitionIndex}\tLeader: ${p.leaderId}\tReplicas: ${p.replicaNodes!.join(",")}\tIsr: ${p.isrNodes!.join(",")}`,
          );
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown topics action "${action}"`);
    }
  } finally {
    client.close();
  }
}
