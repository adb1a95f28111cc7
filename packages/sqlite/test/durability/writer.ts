/**
 * Child process for the crash tests: opens the store, continues after the last committed batch, and writes
 * batches (see batches.ts) as fast as it can, printing "c <id>" only after `commit` has returned. The parent
 * kills it with SIGKILL at random moments.
 *
 *   node --import tsx writer.ts <db path> [key]
 */
import { SqliteStore } from "../../src/index.js";
import { batchOps } from "./batches.js";

const [path, key] = process.argv.slice(2);
if (!path) throw new Error("usage: writer.ts <db path> [key]");

// If the parent goes away, stop instead of writing into a closed pipe.
process.stdout.on("error", () => process.exit(1));

const store = await SqliteStore.open({ path, key: key || undefined });
const dec = new TextDecoder();
const readInt = async (ns: string, k: string, fallback: number) => {
  const v = await store.get(ns, k);
  return v === undefined ? fallback : Number(dec.decode(v));
};
let id = (await readInt("head", "last", -1)) + 1;
let sum = await readInt("counter", "sum", 0);
process.stdout.write(`ready ${id - 1}\n`);

// A leak guard only (the parent kills it long before): above the parent's 120 s safety kill.
const deadline = Date.now() + 300_000;
while (Date.now() < deadline) {
  const ops = batchOps(id, sum);
  await store.commit(ops);
  sum = Number(dec.decode((ops.find((o) => o.ns === "counter") as { value: Uint8Array }).value));
  process.stdout.write(`c ${id}\n`);
  id++;
}
await store.close();
