import { useState } from "preact/hooks";
import type { Conversation } from "../state.js";
import { ErrorNote } from "./error-note.js";

/** Starts a 1:1 conversation from someone's pasted intro bundle, with a first message. */
export function NewChatForm({ onStart }: { onStart(bundle: string, text: string): Promise<void> }) {
  const [bundle, setBundle] = useState("");
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  return (
    <form
      class="panel"
      aria-labelledby="new-chat-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setError("");
        try {
          await onStart(bundle.trim(), text);
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <h2 id="new-chat-title">New conversation</h2>
      <label>
        Their intro bundle
        <textarea
          name="bundle"
          rows={4}
          required
          placeholder="logos_chatintro_1_…"
          value={bundle}
          onInput={(e) => setBundle(e.currentTarget.value)}
        />
      </label>
      <label>
        First message
        <input name="first" required value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit">Start conversation</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** Creates a group with people I already have a 1:1 conversation with (their key packages travel there). */
export function NewGroupForm({
  contacts,
  onCreate,
}: {
  contacts: readonly Conversation[];
  onCreate(name: string, peers: string[]): Promise<void>;
}) {
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState("");
  const toggle = (peer: string) => {
    const next = new Set(picked);
    if (!next.delete(peer)) next.add(peer);
    setPicked(next);
  };
  return (
    <form
      class="panel"
      aria-labelledby="new-group-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setError("");
        if (picked.size === 0) return setError("pick at least one member");
        try {
          await onCreate(name.trim(), [...picked]);
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <h2 id="new-group-title">New group</h2>
      <label>
        Group name
        <input name="group-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Members (from your 1:1 conversations)</legend>
        {contacts.length === 0 && <p>Start a 1:1 conversation first: group invitations travel through it.</p>}
        {contacts.map((c) => (
          <label key={c.id} class="check">
            <input type="checkbox" checked={picked.has(c.peer)} onChange={() => toggle(c.peer)} />
            {c.label}
          </label>
        ))}
      </fieldset>
      <button type="submit">Create group</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** Names a 1:1 conversation (for me only) or renames a group (for every member). */
export function RenameForm({
  conversation,
  onRename,
}: {
  conversation: Conversation;
  onRename(label: string): Promise<void>;
}) {
  const [label, setLabel] = useState(conversation.label);
  return (
    <form
      class="panel"
      aria-labelledby="rename-title"
      onSubmit={async (e) => {
        e.preventDefault();
        if (label.trim()) await onRename(label.trim());
      }}
    >
      <h2 id="rename-title">{conversation.kind === "group" ? "Rename the group" : "Name this conversation"}</h2>
      <label>
        Name
        <input name="label" required value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
      </label>
      <button type="submit">Save name</button>
    </form>
  );
}
