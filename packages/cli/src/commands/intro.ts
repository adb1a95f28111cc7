import { Command } from "commander";
import { dataOption } from "../paths.js";

interface IntroFlags {
  name: string;
  data: string;
}

/** `parley intro`: prints a profile's intro bundle, creating the identity on first use. */
export function introCommand(): Command {
  return new Command("intro")
    .summary("print a profile's intro bundle (creates the identity on first use)")
    .description(
      "Print the intro bundle of profile NAME on stdout, on one line. An intro bundle (logos_chatintro_1_…) is what someone needs to start an end-to-end encrypted conversation with you: your installation key and a signed key for the first handshake. It holds no secret, so it can go on a web page or a card.\n\n" +
        "The first use creates the identity in DATA/NAME.db; later runs print the same bundle while it is valid, then a fresh one. No network is used.",
    )
    .requiredOption("--name <name>", "profile name (letters, digits, _ - .)")
    .addOption(dataOption("data directory holding the profiles"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ parley intro --name bob\n  $ BUNDLE=$(parley intro --name bob --data /tmp/p)   # then: /new $BUNDLE hello (in alice's chat)",
    )
    .action(async (flags: IntroFlags) => {
      const { Profile } = await import("../profile.js");
      const profile = await Profile.open({ dataDir: flags.data, name: flags.name, autoSweep: false });
      try {
        process.stdout.write(`${await profile.bundle()}\n`);
      } finally {
        await profile.close();
      }
    });
}
