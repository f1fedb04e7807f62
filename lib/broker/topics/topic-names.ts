/** Kafka's topic name rules (Topic.validate): legal characters, length, and the reserved dots. */
const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

export function checkTopicName(name: string): string | undefined {
  if (name.length === 0) return "Topic name is empty";
  if (name === "." || name === "..") return `Topic name cannot be "." or ".."`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}
