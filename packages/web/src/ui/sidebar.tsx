import type { Conversation } from "../state.js";

export interface SidebarProps {
  readonly conversations: readonly Conversation[];
  readonly current?: string;
  onSelect(id: string): void;
  onPanel(panel: "intro" | "new-chat" | "new-group"): void;
}

/** The conversation list with unread counts, and the entry points: my bundle, a new chat, a new group. */
export function Sidebar({ conversations, current, onSelect, onPanel }: SidebarProps) {
  return (
    <nav aria-label="Conversations" class="sidebar">
      <div class="actions">
        <button type="button" onClick={() => onPanel("new-chat")}>
          New chat
        </button>
        <button type="button" onClick={() => onPanel("new-group")}>
          New group
        </button>
        <button type="button" onClick={() => onPanel("intro")}>
          My bundle
        </button>
      </div>
      {conversations.length === 0 && <p class="muted">No conversations yet.</p>}
      <ul>
        {conversations.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              class="conversation"
              aria-current={c.id === current ? "true" : undefined}
              aria-label={`${c.kind === "group" ? "Group" : "Chat"} ${c.label}${c.unread ? `, ${c.unread} unread` : ""}`}
              data-conversation={c.id}
              onClick={() => onSelect(c.id)}
            >
              <span class="label">
                {c.kind === "group" ? "# " : ""}
                {c.label}
              </span>
              {c.unread > 0 && (
                <span class="unread" aria-hidden="true">
                  {c.unread}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
