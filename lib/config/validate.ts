/**
 * A tiny closed-schema validator: each config object is described once (type, default, bounds,
 * doc) and validated once at start-up, with an error that names the offending key. Unknown
 * keys are errors too, so a typo never silently falls back to a default.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type FieldSpec =
  | { type: "int"; default: number; min?: number; max?: number; doc: string }
  | { type: "bool"; default: boolean; doc: string }
  | { type: "string"; default: string; pattern?: RegExp; doc: string }
  | { type: "enum"; default: string; values: readonly string[]; doc: string };

export type Schema = Record<string, FieldSpec>;

type ValueOf<F extends FieldSpec> = F extends { type: "int" }
  ? number
  : F extends { type: "bool" }
    ? boolean
    : string;

export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: ValueOf<S[K]> };

export function validateConfig<S extends Schema>(
  scope: string,
  schema: S,
  input: Record<string, unknown>,
): ConfigOf<S> {
  for (const key of Object.keys(input)) {
    if (!(key in schema)) {
      throw new ConfigError(
        `${scope}.${key}: unknown setting (known: ${Object.keys(schema).join(", ")})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const raw = input[key];
    out[key] = raw === undefined ? spec.default : check(`${scope}.${key}`, spec, raw);
  }
  return Object.freeze(out) as ConfigOf<S>;
}

function check(name: string, spec: FieldSpec, raw: unknown): unknown {
  switch (spec.type) {
    case "int": {
      const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      if (typeof v !== "number" || !Number.isSafeInteger(v)) {
        throw new ConfigError(`${name}: expected an integer, got ${JSON.stringify(raw)}`);
      }
      if (spec.min !== undefined && v < spec.min)
        throw new ConfigError(`${name}: must be ≥ ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max)
        throw new ConfigError(`${name}: must be ≤ ${spec.max}, got ${v}`);
      return v;
    }
    case "bool": {
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new ConfigError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case "string": {
      if (typeof raw !== "string") throw new ConfigError(`${name}: expected a string`);
      if (spec.pattern && !spec.pattern.test(raw)) {
        throw new ConfigError(`${name}: ${JSON.stringify(raw)} does not match ${spec.pattern}`);
      }
      return raw;
    }
    case "enum": {
      if (typeof raw !== "string" || !spec.values.includes(raw)) {
        throw new ConfigError(
          `${name}: expected one of ${spec.values.join(", ")}, got ${JSON.stringify(raw)}`,
        );
      }
      return raw;
    }
  }
}

/**
 * Validates settings given as environment variables: `envKeys` maps each config key to its
 * variable. Empty variables count as unset; errors name the variable, not the internal key, so
 * the message points at the deployment.
 */
export function validateEnvConfig<S extends Schema>(
  scope: string,
  schema: S,
  envKeys: Readonly<Record<keyof S & string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): ConfigOf<S> {
  const input: Record<string, unknown> = {};
  for (const [key, name] of Object.entries<string>(envKeys)) {
    const raw = env[name]?.trim();
    if (raw !== undefined && raw !== "") input[key] = raw;
  }
  try {
    return validateConfig(scope, schema, input);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const prefix = new RegExp(`^${scope}\\.(\\w+)`);
    throw new ConfigError(
      err.message.replace(prefix, (_, key: string) => envKeys[key as keyof S & string] ?? key),
    );
  }
}
