import { Command } from "commander";
import { parseCount } from "../paths.js";

interface DemoFlags {
  keep?: boolean;
  pace?: number;
}

/** `parley demo`: the README's main job. A scripted scenario on the embedded default network. */
export function demoCommand(): Command {
  return new Command("demo")
    .summary("play a scripted scenario on loopback: bundles, a 1:1 chat, offline catch-up, delivery states")
    .description(
      "Play a scripted tour that a newcomer can follow, with no setup and no arguments. It starts a Waku service node and two people, Alice and Bob, in this process, connected over TCP on 127.0.0.1 (nothing leaves the machine), and narrates each step as it happens:\n\n" +
        "  1. the node starts (Waku Relay plus Store history in SQLite)\n" +
        "  2. Alice and Bob create their identities\n" +
        "  3. Bob's intro bundle is shown and Alice starts a conversation with it\n" +
        "  4. they chat both ways, delivery states live: … queued, ✓ sent, ✓✓ acked\n" +
        "  5. Bob goes offline and Alice writes to him\n" +
        "  6. Bob comes back and catches up from the node's history\n" +
        "  7. a group (GroupV1, MLS) with a third person, Carol: everyone writes,\n" +
        "     then Carol is removed and the last message reaches Bob only\n\n" +
        "Data goes to a temporary directory that is removed at the end. The demo checks what it narrates (every message exactly once, in order) and exits 0 only if everything happened.",
    )
    .option("--keep", "keep the temporary data directory (profiles, node archive) and print where it is")
    .option("--pace <ms>", "pause between steps (default 700 on a terminal, 0 when the output is piped)", (v) =>
      parseCount("pace", v),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  $ parley demo\n  $ npm run demo          # from a clone: build, then parley demo\n  $ NO_COLOR=1 parley demo > transcript.txt",
    )
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import("../demo/scenario.js");
      process.exitCode = await runDemo({
        keep: flags.keep ?? false,
        ...(flags.pace !== undefined ? { paceMs: flags.pace } : {}),
      });
    });
}
