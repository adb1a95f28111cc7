// Local measurement (not a test): heap and store after an invite flood.
import { flood, inviteWorld, storeBytes } from "./invite-world.js";
const N = Number(process.env.N ?? 10000);
const baseline = process.env.MODE === "baseline";
const mode = (baseline ? "accept" : (process.env.MODE ?? "accept")) as "accept" | "request";
const gc = (globalThis as { gc?: () => void }).gc;
const w = inviteWorld("measure");
const bob = await w.peer("bob", { invites: { mode } });
const bundle = await bob.client.introBundle();
// Baseline: the same flood with nobody listening (what the bus and the senders leave on the heap).
if (baseline) await bob.client.close();
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const store0 = storeBytes(bob.store);
const t0 = performance.now();
await flood(w, bundle, N, "measure");
await w.run(2_000);
const t1 = performance.now();
gc?.();
const heap1 = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ N, mode, conversations: baseline ? 0 : (await bob.client.conversations()).length, requests: baseline ? 0 : (await bob.client.messageRequests()).length, dropped: bob.events.filter((e) => e.type === "invite-dropped").length, heapMB: (heap1 - heap0) / 1e6, storeMB: (storeBytes(bob.store) - store0) / 1e6, seconds: (t1 - t0) / 1000 }));
process.exit(0);
