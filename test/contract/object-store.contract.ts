/**
 * The ObjectStore contract (lib/storage/ports.ts). Every backend runs this very suite:
 *
 *   objectStoreContract("filesystem", async () => ({ store, cleanup }));
 *
 * `make` must return an empty store, or one whose keys cannot collide with those used here:
 * every test writes under its own random prefix, so a shared bucket works too.
 */
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectRangeError,
} from "../../lib/storage/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../lib/storage/ports.ts";

export interface ObjectStoreFixture {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

export function objectStoreContract(name: string, make: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;
    /** A prefix of this test's own, so tests never see each other's keys. */
    let ns: string;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
      ns = `contract-${randomBytes(6).toString("hex")}/`;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function listAll(prefix: string): Promise<ObjectInfo[]> {
      const out: ObjectInfo[] = [];
      for await (const info of store.list(prefix)) out.push(info);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }

    describe("putNew and get", () => {
      it("stores a body that get returns byte for byte", async () => {
        const body = randomBytes(4096);
        await store.putNew(`${ns}seg/0001`, body);
        expect(await store.get(`${ns}seg/0001`)).toEqual(body);
      });

      it("stores a list of buffers as their concatenation", async () => {
        const parts = [Buffer.from("chunk-a|"), Buffer.alloc(0), Buffer.from("chunk-b|footer")];
        await store.putNew(`${ns}parts`, parts);
        expect((await store.get(`${ns}parts`)).toString()).toBe("chunk-a|chunk-b|footer");
      });

      it("stores an empty object", async () => {
        await store.putNew(`${ns}empty`, Buffer.alloc(0));
        expect((await store.get(`${ns}empty`)).length).toBe(0);
      });

      it("stores a multi-megabyte object intact", async () => {
        const body = randomBytes(5 * 1024 * 1024 + 17);
        await store.putNew(`${ns}big`, body);
        expect((await store.get(`${ns}big`)).equals(body)).toBe(true);
      });

      it("accepts keys with several '/'-separated levels", async () => {
        await store.putNew(`${ns}a/b/c/d.seg`, Buffer.from("deep"));
        expect((await store.get(`${ns}a/b/c/d.seg`)).toString()).toBe("deep");
      });

      it("refuses to overwrite an existing key with ObjectExistsError and keeps the original", async () => {
        await store.putNew(`${ns}once`, Buffer.from("first"));
        const err = await store.putNew(`${ns}once`, Buffer.from("second")).catch((e) => e);
        expect(err).toBeInstanceOf(ObjectExistsError);
        expect(err.key).toBe(`${ns}once`);
        expect(err.retriable).toBe(false);
        expect((await store.get(`${ns}once`)).toString()).toBe("first");
      });

      it("lets exactly one of many concurrent writers of one key win", async () => {
        const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`writer-${i}-`.repeat(500)));
        const results = await Promise.allSettled(
          bodies.map((body) => store.putNew(`${ns}contended`, body)),
        );
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ObjectExistsError);
        }
        expect(await store.get(`${ns}contended`)).toEqual(bodies[winners[0]]);
      });

      it("throws ObjectNotFoundError from get for a missing key", async () => {
        const err = await store.get(`${ns}missing`).catch((e) => e);
        expect(err).toBeInstanceOf(ObjectNotFoundError);
        expect(err.key).toBe(`${ns}missing`);
      });

      it("treats a key prefix of other keys as no object", async () => {
        await store.putNew(`${ns}dir/file`, Buffer.from("x"));
        await expect(store.get(`${ns}dir`)).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe("getRange", () => {
      const body = Buffer.from("0123456789abcdefghij");
      beforeEach(async () => {
        await store.putNew(`${ns}range`, body);
      });

      it("returns exactly the requested bytes from the middle", async () => {
        expect((await store.getRange(`${ns}range`, 5, 7)).toString()).toBe("56789ab");
      });

      it("returns the whole object when asked for all of it", async () => {
        expect(await store.getRange(`${ns}range`, 0, body.length)).toEqual(body);
      });

      it("returns the last byte alone", async () => {
        expect((await store.getRange(`${ns}range`, body.length - 1, 1)).toString()).toBe("j");
      });

      it("throws ObjectRangeError when the range runs past the end", async () => {
        const err = await store.getRange(`${ns}range`, 15, 10).catch((e) => e);
        expect(err).toBeInstanceOf(ObjectRangeError);
        expect(err).toMatchObject({ key: `${ns}range`, startByte: 15, lengthBytes: 10 });
      });

      it("throws ObjectRangeError when the range starts past the end", async () => {
        await expect(store.getRange(`${ns}range`, 100, 1)).rejects.toBeInstanceOf(ObjectRangeError);
      });

      it("throws ObjectNotFoundError for a missing key", async () => {
        await expect(store.getRange(`${ns}nope`, 0, 1)).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it("serves many concurrent ranged reads of one object", async () => {
        const big = randomBytes(256 * 1024);
        await store.putNew(`${ns}many`, big);
        const ranges = Array.from({ length: 32 }, (_, i) => [i * 8000, 1000 + i * 100] as const);
        const parts = await Promise.all(ranges.map(([s, n]) => store.getRange(`${ns}many`, s, n)));
        parts.forEach((part, i) => {
          const [s, n] = ranges[i];
          expect(part.equals(big.subarray(s, s + n))).toBe(true);
        });
      });
    });

    describe("list", () => {
      it("lists every key under a prefix with its size and modification time", async () => {
        const before = Date.now();
        await store.putNew(`${ns}seg/a`, Buffer.alloc(10));
        await store.putNew(`${ns}seg/b/c`, Buffer.alloc(20));
        await store.putNew(`${ns}other`, Buffer.alloc(30));
        const listed = await listAll(`${ns}seg/`);
        expect(listed.map(({ key, sizeBytes }) => ({ key, sizeBytes }))).toEqual([
          { key: `${ns}seg/a`, sizeBytes: 10 },
          { key: `${ns}seg/b/c`, sizeBytes: 20 },
        ]);
        for (const info of listed) {
          // Backends may truncate to whole seconds (S3 does); allow for it and for clock skew.
          expect(info.lastModifiedMs).toBeGreaterThan(before - 5_000);
          expect(info.lastModifiedMs).toBeLessThan(Date.now() + 5_000);
        }
      });

      it("matches prefixes as plain strings, not whole path segments", async () => {
        for (const key of ["seg/001", "seg/002", "seg/00/x", "seg/01", "seg0"]) {
          await store.putNew(`${ns}${key}`, Buffer.from(key));
        }
        const keys = (await listAll(`${ns}seg/00`)).map((i) => i.key.slice(ns.length));
        expect(keys).toEqual(["seg/00/x", "seg/001", "seg/002"]);
      });

      it("lists nothing for a prefix no key starts with", async () => {
        await store.putNew(`${ns}x`, Buffer.from("x"));
        expect(await listAll(`${ns}y`)).toEqual([]);
        expect(await listAll(`${ns}never/seen/`)).toEqual([]);
      });

      it("lists in ascending key order, a directory-like key among its siblings by its full key", async () => {
        for (const key of ["ab/c", "ab-x", "ab0", "a", "ab/b/z", "b"]) {
          await store.putNew(`${ns}${key}`, Buffer.from(key));
        }
        const keys = (await listAll(ns)).map((i) => i.key.slice(ns.length));
        expect(keys).toEqual(["a", "ab-x", "ab/b/z", "ab/c", "ab0", "b"]);
      });

      it("lists only the keys after startAfter, also when it falls inside a sub-prefix", async () => {
        for (const key of ["s/00/a", "s/00/b", "s/01/a", "s/02/c", "t"]) {
          await store.putNew(`${ns}${key}`, Buffer.from(key));
        }
        const keysAfter = async (startAfter: string): Promise<string[]> => {
          const out: string[] = [];
          for await (const info of store.list(`${ns}s/`, `${ns}${startAfter}`)) {
            out.push(info.key.slice(ns.length));
          }
          return out;
        };
        expect(await keysAfter("s/00/a")).toEqual(["s/00/b", "s/01/a", "s/02/c"]);
        expect(await keysAfter("s/00/zz")).toEqual(["s/01/a", "s/02/c"]);
        expect(await keysAfter("s/01/")).toEqual(["s/01/a", "s/02/c"]);
        expect(await keysAfter("s/02/c")).toEqual([]);
        expect(await keysAfter("r")).toEqual(["s/00/a", "s/00/b", "s/01/a", "s/02/c"]);
      });

      it("lists a key given in full as its own prefix", async () => {
        await store.putNew(`${ns}exact`, Buffer.from("x"));
        expect((await listAll(`${ns}exact`)).map((i) => i.key)).toEqual([`${ns}exact`]);
      });
    });

    describe("deleteMany", () => {
      it("deletes the given keys and leaves the others", async () => {
        for (const k of ["a", "b", "c/d"]) await store.putNew(`${ns}${k}`, Buffer.from(k));
        await store.deleteMany([`${ns}a`, `${ns}c/d`]);
        await expect(store.get(`${ns}a`)).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.get(`${ns}c/d`)).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect((await store.get(`${ns}b`)).toString()).toBe("b");
        expect((await listAll(ns)).map((i) => i.key)).toEqual([`${ns}b`]);
      });

      it("ignores keys that do not exist", async () => {
        await store.putNew(`${ns}present`, Buffer.from("x"));
        await store.deleteMany([`${ns}absent`, `${ns}present`, `${ns}no/such/dir`]);
        expect(await listAll(ns)).toEqual([]);
      });

      it("accepts an empty list", async () => {
        await store.deleteMany([]);
      });

      it("deletes hundreds of keys in one call", async () => {
        const keys = Array.from({ length: 300 }, (_, i) => `${ns}bulk/${i}`);
        await Promise.all(keys.map((k) => store.putNew(k, Buffer.from("x"))));
        await store.deleteMany(keys);
        expect(await listAll(ns)).toEqual([]);
      });

      it("lets a deleted key be written again", async () => {
        await store.putNew(`${ns}again`, Buffer.from("old"));
        await store.deleteMany([`${ns}again`]);
        await store.putNew(`${ns}again`, Buffer.from("new"));
        expect((await store.get(`${ns}again`)).toString()).toBe("new");
      });
    });
  });
}
