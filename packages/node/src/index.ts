/**
 * @parley/node: the service node (`parley node`). Importing @parley/waku first loads its polyfill before
 * anything from libp2p runs.
 */
import "@parley/waku";

export { NODE_USAGE, parseNodeArgs, runNode } from "./main.js";
export { ARCHIVE_FILE, LOCK_FILE, type NodeOptions, type RunningNode, startNode } from "./node.js";
