/** Config descriptions in DescribeConfigs/CreateTopics shape, from overrides plus Kafka defaults. */
import { TOPIC_CONFIGS, type TopicConfigSpec } from "./topic-configs.ts";

/** Kafka's ConfigSource ids. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

const CONFIG_TYPE: Record<TopicConfigSpec["kind"], number> = {
  bool: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
};

export interface ConfigDescription {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export function describeTopicConfigs(
  overrides: Record<string, string>,
  keys: readonly string[] | null,
  includeSynonyms: boolean,
): ConfigDescription[] {
  const names = keys ?? Object.keys(TOPIC_CONFIGS).sort();
  return names
    .filter((name) => name in TOPIC_CONFIGS)
    .map((name) => {
      const spec = TOPIC_CONFIGS[name];
      const overridden = name in overrides;
      const source = overridden ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG;
      const value = overridden ? overrides[name] : spec.default;
      const synonyms = includeSynonyms
        ? [
            ...(overridden
              ? [{ name, value: overrides[name], source: ConfigSource.DYNAMIC_TOPIC_CONFIG }]
              : []),
            { name, value: spec.default, source: ConfigSource.DEFAULT_CONFIG },
          ]
        : [];
      return {
        name,
        value,
        readOnly: false,
        isDefault: !overridden,
        configSource: source,
        isSensitive: false,
        synonyms,
        configType: CONFIG_TYPE[spec.kind],
        documentation: null,
      };
    });
}
