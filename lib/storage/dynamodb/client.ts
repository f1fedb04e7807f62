/**
 * The one door between the adapter and DynamoDB. Every call goes through DynamoTable, which
 *  - names the table, and asks for ReturnConsumedCapacity=TOTAL;
 *  - records dynamodb.rcu / dynamodb.wcu / dynamodb.calls.<Operation> / dynamodb.retries /
 *    dynamodb.conditionFailures into the store's StorageCounters (DESIGN.md §2: cost is
 *    measured, not guessed; ./capacity.ts);
 *  - translates SDK exceptions once (./errors.ts), except a failed condition, which it returns
 *    as data ({ ok: false, old }) for the call site to turn into its typed conflict;
 *  - retries what the SDK does not: UnprocessedKeys/UnprocessedItems of batch calls and
 *    transactions cancelled only by a conflicting transaction or throttling.
 *
 * DynamoDB does not report the capacity a failed conditional write consumed (it is charged as a
 * write of the item's size); those are counted in dynamodb.conditionFailures only.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type ConsumedCapacity,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { StorageCounters } from "../counters.ts";
import { StorageUnavailableError } from "../errors.ts";
import { recordCapacity } from "./capacity.ts";
import { backoff, mapLimit } from "./concurrency.ts";
import {
  type CancellationReason,
  cancellationReasons,
  isConditionalCheckFailed,
  isTransientCancellation,
  translate,
} from "./errors.ts";
import { keyAttributes } from "./items.ts";
import type { Key } from "./keys.ts";

// Client construction lives in ./connection.ts; re-exported for callers that import it from here.
export {
  createDynamoClient,
  type DynamoClientTuning,
  type DynamoTableConfig,
  tableConfigOf,
} from "./connection.ts";

export type Item = Record<string, AttributeValue>;
export type Values = Record<string, AttributeValue>;

export type WriteResult = { ok: true; attributes: Item | undefined } | { ok: false; old?: Item };

export interface ConditionalWrite {
  condition?: string;
  names?: Record<string, string>;
  values?: Values;
}

type TransactResult = { ok: true } | { ok: false; reasons: CancellationReason[] };

/** One action of a TransactWriteItems call; a failed condition returns the item's old value. */
export type TransactAction =
  | ({ conditionCheck: Key } & ConditionalWrite & { condition: string })
  | ({ put: Item } & ConditionalWrite)
  | ({ delete: Key } & ConditionalWrite);

const BATCH_GET_MAX_KEYS = 100;
const BATCH_WRITE_MAX_ITEMS = 25;
const UNPROCESSED_ROUNDS = 10;
const TRANSACTION_ATTEMPTS = 8;

export class DynamoTable {
  readonly name: string;
  readonly client: DynamoDBClient;
  readonly counters: StorageCounters;
  private readonly ownsClient: boolean;
  private closed = false;

  constructor(
    client: DynamoDBClient,
    name: string,
    counters: StorageCounters,
    ownsClient: boolean,
  ) {
    this.client = client;
    this.name = name;
    this.counters = counters;
    this.ownsClient = ownsClient;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }

  isClosed(): boolean {
    return this.closed;
  }

  assertOpen(what: string): void {
    if (this.closed) throw new Error(`DynamoMetadataStore.${what}: the store is closed`);
  }

  /** A strongly consistent GetItem. */
  async get(key: Key, what: string): Promise<Item | undefined> {
    const command = new GetItemCommand({
      TableName: this.name,
      Key: keyAttributes(key),
      ConsistentRead: true,
      ReturnConsumedCapacity: "TOTAL",
    });
    const out = await this.send("GetItem", what, () => this.client.send(command), {
      input: command.input,
    });
    return out.Item;
  }

  async put(item: Item, what: string, write: ConditionalWrite = {}): Promise<WriteResult> {
    return this.conditional("PutItem", what, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.name,
          Item: item,
          ...conditionParts(write),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: "TOTAL",
        }),
      ),
    );
  }

  async update(
    key: Key,
    update: string,
    what: string,
    write: ConditionalWrite & { returnNew?: boolean } = {},
  ): Promise<WriteResult> {
    return this.conditional("UpdateItem", what, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.name,
          Key: keyAttributes(key),
          UpdateExpression: update,
          ...conditionParts(write),
          ReturnValues: write.returnNew ? "ALL_NEW" : "NONE",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: "TOTAL",
        }),
      ),
    );
  }

  async delete(key: Key, what: string, write: ConditionalWrite = {}): Promise<WriteResult> {
    return this.conditional("DeleteItem", what, () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.name,
          Key: keyAttributes(key),
          ...conditionParts(write),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: "TOTAL",
        }),
      ),
    );
  }

  /** Every item of a strongly consistent Query, following LastEvaluatedKey. */
  async *query(
    input: Omit<QueryCommandInput, "TableName" | "ConsistentRead" | "ReturnConsumedCapacity">,
    what: string,
  ): AsyncGenerator<Item> {
    let startKey: Item | undefined;
    do {
      const command = new QueryCommand({
        ...input,
        TableName: this.name,
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      const out = await this.send("Query", what, () => this.client.send(command), {
        input: command.input,
      });
      for (const item of out.Items ?? []) yield item;
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Strongly consistent reads of many keys (no duplicates), in no particular order. */
  async batchGet(keys: readonly Key[], what: string): Promise<Item[]> {
    const chunks: Key[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) {
      chunks.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
    }
    const results = await Promise.all(chunks.map((chunk) => this.batchGetChunk(chunk, what)));
    return results.flat();
  }

  private async batchGetChunk(keys: readonly Key[], what: string): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Item[] = keys.map(keyAttributes);
    for (let round = 0; pending.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) {
        throw new StorageUnavailableError(
          `dynamodb BatchGetItem ${what} on ${this.name}: ${pending.length} keys still ` +
            `unprocessed after ${UNPROCESSED_ROUNDS} rounds`,
        );
      }
      if (round > 0) await backoff(round);
      const command = new BatchGetItemCommand({
        RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } },
        ReturnConsumedCapacity: "TOTAL",
      });
      const out = await this.send("BatchGetItem", what, () => this.client.send(command), {
        input: command.input,
      });
      found.push(...(out.Responses?.[this.name] ?? []));
      pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
    }
    return found;
  }

  /** Unconditional puts and deletes, 25 per call, until DynamoDB has processed every one. */
  async batchWrite(
    requests: readonly ({ put: Item } | { delete: Key })[],
    what: string,
  ): Promise<void> {
    const writes: WriteRequest[] = requests.map((r) =>
      "put" in r
        ? { PutRequest: { Item: r.put } }
        : { DeleteRequest: { Key: keyAttributes(r.delete) } },
    );
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < writes.length; i += BATCH_WRITE_MAX_ITEMS) {
      chunks.push(writes.slice(i, i + BATCH_WRITE_MAX_ITEMS));
    }
    await mapLimit(chunks, 16, (chunk) => this.batchWriteChunk(chunk, what));
  }

  private async batchWriteChunk(writes: WriteRequest[], what: string): Promise<void> {
    let pending = writes;
    for (let round = 0; pending.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) {
        throw new StorageUnavailableError(
          `dynamodb BatchWriteItem ${what} on ${this.name}: ${pending.length} writes still ` +
            `unprocessed after ${UNPROCESSED_ROUNDS} rounds`,
        );
      }
      if (round > 0) await backoff(round);
      const out = await this.send("BatchWriteItem", what, () =>
        this.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [this.name]: pending },
            ReturnConsumedCapacity: "TOTAL",
          }),
        ),
      );
      pending = out.UnprocessedItems?.[this.name] ?? [];
    }
  }

  /**
   * TransactWriteItems (≤ 100 actions on distinct items). A cancellation caused by a failed
   * condition comes back as { ok: false, reasons } (reasons in the order of `actions`, each with
   * the item's old value); one caused only by a conflicting transaction or throttling is
   * retried, then StorageUnavailableError.
   */
  async transactWrite(actions: readonly TransactAction[], what: string): Promise<TransactResult> {
    const items = actions.map((a) => this.transactItem(a));
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await backoff(attempt);
      try {
        await this.send(
          "TransactWriteItems",
          what,
          () =>
            this.client.send(
              new TransactWriteItemsCommand({
                TransactItems: items,
                ReturnConsumedCapacity: "TOTAL",
              }),
            ),
          { rethrow: (err) => cancellationReasons(err) !== undefined },
        );
        return { ok: true };
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (reasons === undefined) throw err;
        if (isTransientCancellation(reasons)) {
          if (attempt + 1 < TRANSACTION_ATTEMPTS) continue;
          throw translate(err, `TransactWriteItems ${what}`, this.name);
        }
        if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) {
          this.counters.add("dynamodb.conditionFailures");
        }
        return { ok: false, reasons };
      }
    }
  }

  private transactItem(action: TransactAction): TransactWriteItem {
    const common = {
      TableName: this.name,
      ...conditionParts(action),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    if ("conditionCheck" in action) {
      return {
        ConditionCheck: {
          ...common,
          Key: keyAttributes(action.conditionCheck),
          ConditionExpression: action.condition,
        },
      };
    }
    if ("put" in action) return { Put: { ...common, Item: action.put } };
    return { Delete: { ...common, Key: keyAttributes(action.delete) } };
  }

  private async conditional(
    operation: string,
    what: string,
    call: () => Promise<{ ConsumedCapacity?: ConsumedCapacity; Attributes?: Item }>,
  ): Promise<WriteResult> {
    try {
      const out = await this.send(operation, what, call, { rethrow: isConditionalCheckFailed });
      return { ok: true, attributes: out.Attributes };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      this.counters.add("dynamodb.conditionFailures");
      const old = (err as { Item?: Item }).Item;
      return old !== undefined && Object.keys(old).length > 0 ? { ok: false, old } : { ok: false };
    }
  }

  /**
   * Runs one SDK call: closed check, call counter, capacity, retries, error translation.
   * Errors matched by `rethrow` come back untranslated for the caller to interpret. A read
   * passes its `input` so that its capacity is booked at no less than AWS's minimum.
   */
  private async send<T>(
    operation: string,
    what: string,
    call: () => Promise<T>,
    options: { rethrow?: (err: unknown) => boolean; input?: object } = {},
  ): Promise<T> {
    this.assertOpen(what);
    this.counters.add(`dynamodb.calls.${operation}`);
    let out: T;
    try {
      out = await call();
    } catch (err) {
      const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts;
      if (attempts !== undefined && attempts > 1)
        this.counters.add("dynamodb.retries", attempts - 1);
      if (options.rethrow?.(err)) throw err;
      throw translate(err, `${operation} ${what}`, this.name);
    }
    recordCapacity(this.counters, operation, out, options.input);
    return out;
  }
}

function conditionParts(write: ConditionalWrite) {
  return {
    ...(write.condition !== undefined ? { ConditionExpression: write.condition } : {}),
    ...(write.names !== undefined ? { ExpressionAttributeNames: write.names } : {}),
    ...(write.values !== undefined && Object.keys(write.values).length > 0
      ? { ExpressionAttributeValues: write.values }
      : {}),
  };
}
