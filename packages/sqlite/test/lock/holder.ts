/**
 * Child process for the lock tests: opens a store (or takes a FileLock) and holds it, driven by stdin lines.
 *
 *   node --import tsx holder.ts store <db path> [key]    |    node --import tsx holder.ts file-lock <lock path>
 *
 * Prints "ready <pid>" once it holds, or "locked <json>" (code, holder pid, message) and exits 3 if refused.
 * Commands: "put <k> <v>" → "ok", "get <k>" → "value <v>" / "missing", "close" → closes, prints "closed", exits 0.
 */
import { createInterface } from "node:readline";
import { FileLock, SqliteStore, StoreLockedError } from "../../src/index.js";

const [mode, path, key] = process.argv.slice(2);
if (!path || (mode !== "store" && mode !== "file-lock"))
  throw new Error("usage: holder.ts store|file-lock <path> [key]");
process.stdout.on("error", () => process.exit(1));
const say = (line: string) => process.stdout.write(`${line}\n`);

let store: SqliteStore | undefined;
let lock: FileLock | undefined;
try {
  if (mode === "store") store = await SqliteStore.open({ path, key: key || undefined, holder: "lock-test holder" });
  else lock = FileLock.acquire(path, `the resource ${path}`, "lock-test holder");
} catch (err) {
  if (!(err instanceof StoreLockedError)) throw err;
  say(`locked ${JSON.stringify({ code: err.code, pid: err.holder?.pid, message: err.message })}`);
  process.exit(3);
}
say(`ready ${process.pid}`);

const enc = new TextEncoder();
const dec = new TextDecoder();
let chain = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, k = "", v = ""] = line.split(" ");
  chain = chain.then(async () => {
    if (cmd === "put" && store) {
      await store.commit([{ op: "put", ns: "t", key: k, value: enc.encode(v) }]);
      say("ok");
    } else if (cmd === "get" && store) {
      const got = await store.get("t", k);
      say(got === undefined ? "missing" : `value ${dec.decode(got)}`);
    } else if (cmd === "close") {
      await store?.close();
      lock?.release();
      say("closed");
      process.exit(0);
    }
  });
});
// Bounded even if the parent forgets us.
setTimeout(() => process.exit(4), 120_000).unref();
