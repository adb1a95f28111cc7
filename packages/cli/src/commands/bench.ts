import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";

/** The bench runner of the repository (bench/ is never shipped, so this works from a clone only). */
const RUNNER = fileURLToPath(new URL("../../../../bench/dist/run.js", import.meta.url));

/** `parley bench`: forwards to `node bench/dist/run.js` when run from the repository. */
export function benchCommand(): Command {
  return new Command("bench")
    .summary("run the benchmarks (from a clone of the repository only)")
    .description(
      "Forward to the repository's bench runner (node bench/dist/run.js): Parley next to its peers (raw AEAD, libsignal-client, ts-mls, raw gossipsub) measured in the same run; it writes bench/results/latest.json. bench/ is not part of the published command, so this works only from a built clone of the repository (`npm run build` first, or simply `npm run bench`).",
    )
    .argument("[sections...]", "only these sections (names as the runner prints them)")
    .addHelpText("after", "\nExamples:\n  $ parley bench\n  $ parley bench private-v1")
    .action((sections: string[]) => {
      if (!existsSync(RUNNER)) {
        process.stderr.write(`parley bench: ${RUNNER} not found; run it from a built clone (npm run build)\n`);
        process.exitCode = 2;
        return;
      }
      const r = spawnSync(process.execPath, [RUNNER, ...sections], { stdio: "inherit" });
      process.exitCode = r.status ?? 1;
    });
}
