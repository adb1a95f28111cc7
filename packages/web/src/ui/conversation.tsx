import { useEffect, useRef, useState } from "preact/hooks";
import { type Conversation, shortKey, TICKS } from "../state.js";
import { ErrorNote } from "./error-note.js";

export interface ConversationProps {
  readonly conversation: Conversation;
  nameOf(peer: string): string;
  onSend(text: string): Promise<void>;
  onPanel(panel: "rename" | "members"): void;
}

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** One conversation: its messages (a live region, so screen readers hear new ones) and the composer. */
export function ConversationView({ conversation: c, nameOf, onSend, onPanel }: ConversationProps) {
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [c.messages.length, c.id]);
  useEffect(() => input.current?.focus(), [c.id]);
  const active = (c.status ?? "active") === "active";
  return (
    <main class="conversation-view" aria-labelledby="conversation-title">
      <header>
        <h2 id="conversation-title">
          {c.kind === "group" ? "# " : ""}
          {c.label}
        </h2>
        <span class="muted">{c.kind === "group" ? "group (MLS)" : `1:1 with ${shortKey(c.peer)}`}</span>
        <button type="button" onClick={() => onPanel("rename")}>
          Rename
        </button>
        {c.kind === "group" && (
          <button type="button" onClick={() => onPanel("members")}>
            Members
          </button>
        )}
      </header>
      <ol class="messages" aria-label={`Messages with ${c.label}`} aria-live="polite" ref={list}>
        {c.messages.map((m) => (
          <li key={m.id} class={m.direction} data-message={m.id}>
            {c.kind === "group" && m.direction === "in" && m.sender && <span class="sender">{nameOf(m.sender)}</span>}
            <span class="text">{m.text}</span>
            <span class="meta">
              <time dateTime={new Date(m.timestamp).toISOString()}>{time(m.timestamp)}</time>
              {m.direction === "out" && m.state && (
                <span class={`tick ${m.state}`} role="img" aria-label={TICKS[m.state].label} data-state={m.state}>
                  {TICKS[m.state].glyph}
                </span>
              )}
            </span>
          </li>
        ))}
      </ol>
      {!active && (
        <p class="muted" role="status">
          {c.status === "left" ? "You left this group." : "You were removed from this group."}
        </p>
      )}
      <form
        class="composer"
        onSubmit={async (e) => {
          e.preventDefault();
          const text = draft;
          if (!text.trim()) return;
          setError("");
          setDraft("");
          try {
            await onSend(text);
          } catch (err) {
            setDraft(text);
            setError((err as Error).message);
          }
        }}
      >
        <label class="visually-hidden" for="composer-input">
          Message
        </label>
        <input
          id="composer-input"
          ref={input}
          autoComplete="off"
          disabled={!active}
          placeholder={`Message ${c.label}`}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" disabled={!active}>
          Send
        </button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
