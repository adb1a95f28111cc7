import { Command } from "commander";

/** `parley demo`: the README's main job. A scripted scenario on the embedded default network. */
export function demoCommand(): Command {
  return new Command("demo")
    .description("play a scripted scenario on loopback: bundles, a 1:1 chat, offline catch-up, delivery states")
    .action(async () => {
      console.log("Parley demo: the scenario is being assembled; the foundation (crypto, wire, Noise) is in place.");
    });
}
