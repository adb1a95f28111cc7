import pc from "picocolors";
import { type DeliveryState, tick } from "../chat/model.js";

type Paint = (s: string) => string;

/** Each actor keeps one color for the whole transcript. */
const ACTOR_COLORS: Record<string, Paint> = {
  alice: pc.cyan,
  bob: pc.green,
  carol: pc.magenta,
  node: pc.yellow,
};

const STATE_WORDS: Record<DeliveryState, string> = {
  queued: "queued",
  sent: "sent",
  "possibly-acked": "possibly acked",
  acked: "acked",
  lost: "lost",
};

/**
 * The demo's narration: numbered steps, one line per thing that happens, each stamped with the time since
 * the start so a reader sees how fast the network is. Everything goes through `write` (stdout by default).
 */
export class Transcript {
  private readonly t0 = performance.now();
  private stepNo = 0;

  constructor(
    private readonly write: (s: string) => void = (s) => void process.stdout.write(s),
    /** A pause before each step after the first, so a reader can follow live (0 when not on a terminal). */
    private readonly paceMs = 0,
  ) {}

  private stamp(): string {
    return pc.dim(`+${((performance.now() - this.t0) / 1000).toFixed(2).padStart(5)}s`);
  }

  private actor(name: string): string {
    return (ACTOR_COLORS[name] ?? pc.white)(pc.bold(name.padEnd(5)));
  }

  title(text: string, sub: string): void {
    this.write(`\n${pc.bold(text)}\n${pc.dim(sub)}\n`);
  }

  async step(title: string, why?: string): Promise<void> {
    if (this.stepNo > 0 && this.paceMs > 0) await new Promise((r) => setTimeout(r, this.paceMs));
    this.stepNo++;
    this.write(`\n${pc.bold(`${this.stepNo}. ${title}`)}\n`);
    if (why) this.write(`${pc.dim(`   ${why}`)}\n`);
  }

  /** Something an actor did or saw. */
  say(actor: string, text: string): void {
    this.write(`${this.stamp()} ${this.actor(actor)} ${text}\n`);
  }

  /** A message as it appears: `alice → bob  "text"`. */
  message(from: string, to: string, text: string, note = ""): void {
    const arrow = `${this.actor(from)}${pc.dim("→")} ${(ACTOR_COLORS[to] ?? pc.white)(to)}`;
    this.write(`${this.stamp()} ${arrow}  ${pc.white(`"${text}"`)}${note ? pc.dim(`  ${note}`) : ""}\n`);
  }

  /** A delivery state change of one of `actor`'s messages. */
  state(actor: string, text: string, state: DeliveryState): void {
    const paint = state === "acked" ? pc.green : state === "lost" ? pc.red : pc.dim;
    this.write(
      `${this.stamp()} ${this.actor(actor)} ${pc.dim(`"${short(text)}"`)}  ${paint(`${tick(state)} ${STATE_WORDS[state]}`)}\n`,
    );
  }

  /** Indented detail under the current line (a bundle, an address). */
  detail(text: string): void {
    this.write(`${pc.dim("          │")} ${text}\n`);
  }

  note(text: string): void {
    this.write(`${pc.dim(`          ${text}`)}\n`);
  }

  ok(text: string): void {
    this.write(`${pc.green(`\n✔ ${text}`)}\n`);
  }

  fail(text: string): void {
    this.write(`${pc.red(`\n✘ ${text}`)}\n`);
  }
}

function short(text: string): string {
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}
