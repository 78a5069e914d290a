/**
 * The failover decorator the detection module puts around every gateway link
 * (`wrapLink`): each directed frame the engine sends on the link is also handed to the
 * {@link RetentionBuffer} (src/detection/retention.ts) so it can be re-sent through another
 * gateway link if this link or its gateway goes down. Everything else is delegated
 * unchanged (events go straight to the inner link's listeners).
 *
 * A frame is *directed* when its flags byte (offset 11) has HAS_RECIPIENT and the
 * recipient ID (8 bytes after the sender ID, which follows the 14-byte v1 / 16-byte v2
 * header; bitchat-spec.md §2) is not the broadcast ID FF×8.
 */
import type { Link } from '../../ports/link.js';
import { DelegatingLink } from '../../links/delegating-link.js';
import { FLAGS_OFFSET } from '../../protocol/codec.js';
import { Flags, HEADER_SIZE_V1, HEADER_SIZE_V2, PEER_ID_SIZE } from '../../protocol/packet.js';
import { toHex } from '../../protocol/hex.js';
import type { RetentionBuffer } from '../../detection/index.js';

/** The 16-hex recipient of a directed frame, or undefined for broadcasts and malformed frames. */
export function directedRecipient(frame: Uint8Array): string | undefined {
  const header = frame[0] === 2 ? HEADER_SIZE_V2 : HEADER_SIZE_V1;
  const at = header + PEER_ID_SIZE;
  if (frame.length < at + PEER_ID_SIZE || (frame[FLAGS_OFFSET] & Flags.HAS_RECIPIENT) === 0) return undefined;
  let all = true;
  for (let i = at; i < at + PEER_ID_SIZE; i++) if (frame[i] !== 0xff) all = false;
  return all ? undefined : toHex(frame.subarray(at, at + PEER_ID_SIZE));
}

export class FailoverLink extends DelegatingLink {
  private readonly retention: RetentionBuffer;
  private readonly divert: (frame: Uint8Array, recipient: string, fromLinkId: string) => boolean;

  /**
   * @param components `retention` keeps sent directed frames; `divert` re-sends a directed
   *   frame this link refused (socket closing, egress queue full) or could not take
   *   (closed) through another gateway link, returning whether one took it.
   */
  constructor(components: { retention: RetentionBuffer; divert: (frame: Uint8Array, recipient: string, fromLinkId: string) => boolean }, inner: Link) {
    super(inner);
    this.retention = components.retention;
    this.divert = components.divert;
  }

  /**
   * Send; a directed frame is retained when the link takes it and diverted to another
   * gateway link when the link refuses it or is closed (then the result of the diversion
   * is returned).
   * @throws as the inner link: MG_ERR_LINK_FRAME_TOO_LARGE; MG_ERR_LINK_CLOSED for
   *   broadcasts, or a directed frame no other link took.
   */
  override send(frame: Uint8Array): boolean {
    let ok: boolean;
    try {
      ok = this.inner.send(frame);
    } catch (err) {
      const to = (err as { code?: string }).code === 'MG_ERR_LINK_CLOSED' ? directedRecipient(frame) : undefined;
      if (to !== undefined && this.divert(frame, to, this.inner.id)) return true;
      throw err;
    }
    const to = directedRecipient(frame);
    if (to === undefined) return ok;
    if (ok) this.retention.push(this.inner.id, frame, to);
    else ok = this.divert(frame, to, this.inner.id);
    return ok;
  }

}
