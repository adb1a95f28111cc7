#!/usr/bin/env node
/**
 * The `parley` command. Each subcommand lives in its own file under ./commands.
 */
import { Command } from "commander";
import { demoCommand } from "./commands/demo.js";

const program = new Command()
  .name("parley")
  .description("Parley: end-to-end encrypted Conversations (Logos chat protocol) over Waku")
  .version("0.1.0");

program.addCommand(demoCommand());

await program.parseAsync(process.argv);
