/**
 * Child process for the rekey crash test: alternates the store's key between two keys, committing a batch
 * before each rekey, and prints "k <n> <key index>" after rekey n returned. The parent SIGKILLs it.
 *
 *   node --import tsx rekey-writer.ts <db path> <key 0> <key 1>
 */
import { SqliteStore, SqliteStoreError } from "../../src/index.js";
import { batchOps } from "./batches.js";

const [path, key0, key1] = process.argv.slice(2);
if (!path || !key0 || !key1) throw new Error("usage: rekey-writer.ts <db path> <key 0> <key 1>");
const keys = [key0, key1];
process.stdout.on("error", () => process.exit(1));

let current = 0;
let store: SqliteStore;
try {
  store = await SqliteStore.open({ path, key: keys[0] });
} catch (err) {
  if (!(err instanceof SqliteStoreError && err.code === "wrong-key")) throw err;
  current = 1;
  store = await SqliteStore.open({ path, key: keys[1] });
}
const dec = new TextDecoder();
const head = await store.get("head", "last");
let id = head === undefined ? 0 : Number(dec.decode(head)) + 1;
const sumBytes = await store.get("counter", "sum");
let sum = sumBytes === undefined ? 0 : Number(dec.decode(sumBytes));
process.stdout.write(`ready ${current} ${id - 1}\n`);

// A leak guard only (the parent kills it long before): above the parent's 120 s safety kill.
const deadline = Date.now() + 300_000;
for (let n = 0; Date.now() < deadline; n++) {
  const ops = batchOps(id, sum);
  await store.commit(ops);
  sum = Number(dec.decode((ops.find((o) => o.ns === "counter") as { value: Uint8Array }).value));
  process.stdout.write(`c ${id}\n`);
  id++;
  current = 1 - current;
  await store.rekey(keys[current]!);
  process.stdout.write(`k ${n} ${current}\n`);
}
await store.close();
