/**
 * What names the type an InboxV1 invite starts: `InvitePrivateV1.discriminator` (field 5). libchat's PrivateV1
 * sends and expects "default"; ours is not libchat's type (session resets, exact SDS acknowledgements, its own
 * segmentation rules), so its invites name it and its version, and a libchat peer does not take one for its own.
 */
export const PRIVATE_V1_DISCRIMINATOR = "parley/private-v1/1";

/**
 * What Parley sent before its invites named the type: libchat's "default" ("" when a sender left the field
 * unset). Still accepted as version 1 of our type: an invite reaches this claimant only inside Parley's Noise
 * inbox handshakes (EncryptedPayload arms 4 and 5), which libchat does not speak, so there it can only come
 * from a Parley peer. libchat's own invites travel in its inbox_handshake arm (3), which InboxV1 refuses first.
 */
export const LEGACY_PRIVATE_V1_DISCRIMINATORS: readonly string[] = ["default", ""];

/** Whether an invite with this discriminator starts our PrivateV1 (version 1); any other value names another type. */
export function isPrivateV1Discriminator(discriminator: string): boolean {
  return discriminator === PRIVATE_V1_DISCRIMINATOR || LEGACY_PRIVATE_V1_DISCRIMINATORS.includes(discriminator);
}
