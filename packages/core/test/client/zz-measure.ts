// Local measurement (not a test): heap and store after an invite flood.
import { flood, inviteWorld, storeBytes } from "./invite-world.js";
const N = Number(process.env.N ?? 10000);
const mode = (process.env.MODE ?? "accept") as "accept" | "request";
const gc = (globalThis as { gc?: () => void }).gc;
const w = inviteWorld("measure");
const bob = await w.peer("bob", { invites: { mode } });
const bundle = await bob.client.introBundle();
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const store0 = storeBytes(bob.store);
const t0 = performance.now();
await flood(w, bundle, N, "measure");
await w.run(2_000);
const t1 = performance.now();
gc?.();
const heap1 = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ N, mode, conversations: (await bob.client.conversations()).length, requests: (await bob.client.messageRequests()).length, dropped: bob.events.filter((e) => e.type === "invite-dropped").length, heapMB: (heap1 - heap0) / 1e6, storeMB: (storeBytes(bob.store) - store0) / 1e6, seconds: (t1 - t0) / 1000 }));
process.exit(0);
