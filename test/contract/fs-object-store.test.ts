import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectExistsError, StorageUnavailableError } from "../../lib/storage/errors.ts";
import { FsObjectStore, STALE_TEMP_MS } from "../../lib/storage/fs/object-store.ts";
import { objectStoreContract } from "./object-store.contract.ts";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "floe-fs-store-"));
}

objectStoreContract("filesystem", async () => {
  const rootDir = await tempDir();
  return {
    store: new FsObjectStore({ rootDir }),
    cleanup: () => rm(rootDir, { recursive: true, force: true }),
  };
});

describe("FsObjectStore", () => {
  let rootDir: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    rootDir = await tempDir();
    store = new FsObjectStore({ rootDir });
  });
  afterEach(async () => {
    await rm(rootDir, { recursive: true, force: true });
  });

  async function allFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  }

  /** A temp file as a writer that crashed more than STALE_TEMP_MS ago left it. */
  async function leaveStaleTemp(path: string): Promise<void> {
    await writeFile(path, "half-written");
    const longAgo = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    await utimes(path, longAgo, longAgo);
  }

  it("keeps object `a/b` as the file <rootDir>/a/b, and nothing else", async () => {
    await store.putNew("seg/00/abc", Buffer.from("payload"));
    expect(await allFiles(rootDir)).toEqual([join("seg", "00", "abc")]);
    expect(await readFile(join(rootDir, "seg", "00", "abc"), "utf8")).toBe("payload");
  });

  it("creates the root directory on first write", async () => {
    const nested = new FsObjectStore({ rootDir: join(rootDir, "not", "yet") });
    await nested.putNew("k", Buffer.from("v"));
    expect((await nested.get("k")).toString()).toBe("v");
  });

  it("leaves no temp file behind when a write loses to an existing key", async () => {
    await store.putNew("k", Buffer.from("first"));
    await expect(store.putNew("k", Buffer.from("second"))).rejects.toBeInstanceOf(
      ObjectExistsError,
    );
    expect(await allFiles(rootDir)).toEqual(["k"]);
  });

  it("never lists the temp files a crashed writer leaves behind", async () => {
    await store.putNew("seg/real", Buffer.from("x"));
    await writeFile(join(rootDir, "seg", "real.3f2a9c.floe-tmp"), "half-written");
    const keys: string[] = [];
    for await (const info of store.list("")) keys.push(info.key);
    expect(keys).toEqual(["seg/real"]);
  });

  it("deletes a crash's temp file older than STALE_TEMP_MS when a listing passes it, and keeps a fresh one", async () => {
    await store.putNew("seg/real", Buffer.from("x"));
    await leaveStaleTemp(join(rootDir, "seg", "lost.3f2a9c.floe-tmp"));
    await writeFile(join(rootDir, "seg", "busy.7d1e04.floe-tmp"), "being written");
    const keys: string[] = [];
    for await (const info of store.list("seg/")) keys.push(info.key);
    expect(keys).toEqual(["seg/real"]);
    expect(await allFiles(rootDir)).toEqual([
      join("seg", "busy.7d1e04.floe-tmp"),
      join("seg", "real"),
    ]);
  });

  it("only skips stale temp files when told not to sweep (floe gc --dry-run)", async () => {
    const dryRun = new FsObjectStore({ rootDir, sweepStaleTemps: false });
    await dryRun.putNew("seg/real", Buffer.from("x"));
    await leaveStaleTemp(join(rootDir, "seg", "lost.3f2a9c.floe-tmp"));
    for await (const info of dryRun.list("")) expect(info.key).toBe("seg/real");
    expect(await allFiles(rootDir)).toEqual([
      join("seg", "lost.3f2a9c.floe-tmp"),
      join("seg", "real"),
    ]);
  });

  it.each([
    ["an empty key", ""],
    ["an absolute key", "/etc/passwd"],
    ["a '..' segment", "seg/../../escape"],
    ["a '.' segment", "seg/./x"],
    ["an empty segment", "seg//x"],
    ["a trailing '/'", "seg/"],
    ["a NUL byte", "seg\0x"],
    ["a temp-file name", "seg/x.floe-tmp"],
  ])("rejects %s with an error naming the key", async (_what, key) => {
    const err = await store.putNew(key, Buffer.from("x")).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toContain("invalid object key");
    await expect(store.get(key)).rejects.toThrow(/invalid object key/);
    await expect(store.deleteMany([key])).rejects.toThrow(/invalid object key/);
  });

  it("lists nothing, rather than escaping the root, for a prefix with '..'", async () => {
    await store.putNew("a", Buffer.from("x"));
    const keys: string[] = [];
    for await (const info of store.list("../")) keys.push(info.key);
    expect(keys).toEqual([]);
  });

  it("surfaces an unexpected I/O error as StorageUnavailableError with its cause", async () => {
    const fileAsRoot = join(rootDir, "plain-file");
    await writeFile(fileAsRoot, "not a directory");
    const broken = new FsObjectStore({ rootDir: fileAsRoot });
    const err = await broken.putNew("k", Buffer.from("v")).catch((e) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err.retriable).toBe(true);
    expect(["ENOTDIR", "EEXIST"]).toContain(err.cause.code);
  });

  it("surfaces a name the filesystem refuses as StorageUnavailableError", async () => {
    const err = await store.putNew(`seg/${"x".repeat(300)}`, Buffer.from("v")).catch((e) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err.cause.code).toBe("ENAMETOOLONG");
  });

  it("rejects negative or fractional ranges before touching the disk", async () => {
    await store.putNew("k", Buffer.from("0123"));
    await expect(store.getRange("k", -1, 2)).rejects.toBeInstanceOf(RangeError);
    await expect(store.getRange("k", 0, 1.5)).rejects.toBeInstanceOf(RangeError);
  });
});
