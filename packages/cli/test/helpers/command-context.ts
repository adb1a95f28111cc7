import type { CommandContext } from "../../src/chat/commands.js";
import type { ChatModel } from "../../src/chat/model.js";
import type { ChatSession } from "../../src/chat/session.js";
import type { Panel } from "../../src/chat/view.js";

/** What a test's screen holds: the model the commands change and the panel last shown. */
export interface ScreenState {
  model: ChatModel;
  panel: Panel | undefined;
}

/** A CommandContext without a terminal: commands change `state`; the rest does nothing. */
export function testContext(session: ChatSession, state: ScreenState): CommandContext {
  return {
    session,
    model: () => state.model,
    update: (f) => {
      state.model = f(state.model);
    },
    showPanel: (p) => {
      state.panel = p;
    },
    setBusy: () => {},
    setInput: () => {},
    resetScroll: () => {},
    exit: () => {},
    leaving: new Set(),
    renamedGroup: () => {},
  };
}
