import { describe, expect, it } from "vitest";
import { StorageCounters } from "../../../../lib/storage/counters.ts";
import { recordCapacity } from "../../../../lib/storage/dynamodb/capacity.ts";

// Outputs as DynamoDB Local answers them (ReturnConsumedCapacity=TOTAL), inputs as the store
// sends them.
const TABLE = "floe-meta";
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: "H" } });
const consumed = (units: number) => ({ TableName: TABLE, CapacityUnits: units });

function book(operation: string, out: object, input?: object): Record<string, number> {
  const counters = new StorageCounters();
  recordCapacity(counters, operation, out, input);
  return counters.snapshot();
}

describe("recordCapacity", () => {
  const query = (consistent: boolean) => ({
    TableName: TABLE,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: "S#t#0" } },
    ConsistentRead: consistent,
    ReturnConsumedCapacity: "TOTAL",
  });

  it("books an empty strongly consistent Query at AWS's minimum of 1 RCU, not the 0 reported", () => {
    const out = { Items: [], Count: 0, ConsumedCapacity: consumed(0) };
    expect(book("Query", out, query(true))["dynamodb.rcu"]).toBe(1);
    expect(book("Query", out, query(false))["dynamodb.rcu"]).toBe(0.5);
  });

  it("books what a Query reports when that is above the minimum", () => {
    const out = { Items: [key("a")], Count: 1, ConsumedCapacity: consumed(3) };
    expect(book("Query", out, query(true))["dynamodb.rcu"]).toBe(3);
  });

  it("books a BatchGetItem at no less than the minimum per key it processed", () => {
    const input = {
      RequestItems: { [TABLE]: { Keys: [key("a"), key("b"), key("c")], ConsistentRead: true } },
      ReturnConsumedCapacity: "TOTAL",
    };
    const allMissing = { Responses: { [TABLE]: [] }, ConsumedCapacity: [consumed(0)] };
    expect(book("BatchGetItem", allMissing, input)["dynamodb.rcu"]).toBe(3);
    const oneLeft = {
      Responses: { [TABLE]: [] },
      UnprocessedKeys: { [TABLE]: { Keys: [key("c")], ConsistentRead: true } },
      ConsumedCapacity: [consumed(0)],
    };
    expect(book("BatchGetItem", oneLeft, input)["dynamodb.rcu"]).toBe(2);
    const bigHits = { Responses: { [TABLE]: [key("a")] }, ConsumedCapacity: [consumed(7)] };
    expect(book("BatchGetItem", bigHits, input)["dynamodb.rcu"]).toBe(7);
  });

  it("books a GetItem at no less than the minimum", () => {
    const input = { TableName: TABLE, Key: key("a"), ConsistentRead: true };
    expect(book("GetItem", { ConsumedCapacity: consumed(0) }, input)["dynamodb.rcu"]).toBe(1);
    expect(book("GetItem", { ConsumedCapacity: consumed(2) }, input)["dynamodb.rcu"]).toBe(2);
  });

  it("books writes as write units only, with no read minimum", () => {
    const input = {
      TableName: TABLE,
      Item: key("a"),
      ConditionExpression: "attribute_not_exists(pk)",
    };
    const counted = book("PutItem", { ConsumedCapacity: consumed(2) }, input);
    expect(counted["dynamodb.wcu"]).toBe(2);
    expect(counted["dynamodb.rcu"] ?? 0).toBe(0);
  });

  it("takes the read/write split where DynamoDB gives one", () => {
    const split = {
      ConsumedCapacity: { ...consumed(3), ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
    };
    const counted = book("TransactWriteItems", split);
    expect(counted).toMatchObject({ "dynamodb.rcu": 1, "dynamodb.wcu": 2 });
  });

  it("books the reported figure when the request is not known, and counts SDK retries", () => {
    const out = { ConsumedCapacity: consumed(0), $metadata: { attempts: 3 } };
    const counted = book("Query", out);
    expect(counted["dynamodb.rcu"] ?? 0).toBe(0);
    expect(counted["dynamodb.retries"]).toBe(2);
  });
});
