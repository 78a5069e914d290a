/**
 * Splitting a bitchat packet that does not fit one GATT value into protocol fragments
 * (type 0x20, bitchat-spec.md §5). Pure: the fragment ID comes from the caller.
 *
 * A phone decodes every notification and every write as one whole packet (Android cannot
 * join a packet split across notifications), so a packet larger than the link's whole-
 * packet limit (min(ATT MTU − 3, 512) bytes) goes out as fragments: each fragment is its
 * own unsigned packet copying the original's version, sender, recipient, timestamp, TTL,
 * route and RSR flag, with payload `fragment ID (8) | index (u16) | total (u16) |
 * original type (1) | chunk`, where the chunks are consecutive slices of the original
 * frame's bytes as given (never re-encoded). Chunk size: {@link fragmentChunkSize} for the
 * link limit (469 for a 512-byte limit, Android's `MAX_FRAGMENT_SIZE`; link − overhead for
 * smaller MTUs as iOS's `BLEOutboundFragmentPlanner`). At most 256 fragments (Android's
 * `MAX_FRAGMENTS_PER_ID`).
 *
 * Upstream: Android `mesh/FragmentManager.kt` (`createFragments`), iOS
 * `BLEOutboundFragmentPlanner.swift`.
 */
import { MeshgateError } from '../../errors.js';
import { decodePacket, encodePacket } from '../../protocol/codec.js';
import { MAX_FRAGMENTS, encodeFragmentPayload, fragmentChunkSize, planFragments } from '../../protocol/fragment.js';
import { Flags, MessageType } from '../../protocol/packet.js';

/**
 * The fragment packets (encoded frames, in index order) that carry `frame` over a link
 * whose GATT values hold at most `frameLimit` bytes.
 *
 * @param frame one whole encoded bitchat packet (as relayed or originated).
 * @param opts.frameLimit largest GATT value in bytes (min(ATT MTU − 3, 512)).
 * @param opts.fragmentId 8 random bytes shared by all fragments.
 * @param opts.maxFragments most fragments allowed (default 256).
 * @throws MeshgateError from decodePacket (MG_ERR_BAD_VERSION, MG_ERR_FRAME_TOO_SHORT, ...)
 *   when `frame` is not a bitchat packet; MG_ERR_FRAGMENT_LIMIT when more than
 *   `maxFragments` are needed; MG_ERR_LINK_FRAME_TOO_LARGE when the limit is too small for
 *   a fragment with its headers (below about 110 bytes for a routed packet).
 */
export function fragmentForLink(frame: Uint8Array, opts: { frameLimit: number; fragmentId: Uint8Array; maxFragments?: number }): Uint8Array[] {
  const p = decodePacket(frame).packet;
  const routeHops = p.version === 2 && p.route ? p.route.length : 0;
  const chunkSize = fragmentChunkSize({ frameLimit: opts.frameLimit, version: p.version, hasRecipient: p.recipientID !== undefined, routeHops });
  const plan = planFragments(frame, { chunkSize, fragmentId: opts.fragmentId, maxFragments: opts.maxFragments ?? MAX_FRAGMENTS });
  const out: Uint8Array[] = [];
  for (const part of plan) {
    const payload = encodeFragmentPayload({ fragmentId: opts.fragmentId, index: part.index, total: part.total, originalType: p.type, chunk: part.chunk });
    const bytes = encodePacket(
      {
        version: p.version,
        type: MessageType.FRAGMENT,
        ttl: p.ttl,
        timestamp: p.timestamp,
        flags: p.flags & Flags.IS_RSR,
        senderID: p.senderID,
        recipientID: p.recipientID,
        route: p.route,
        payload,
      },
      { compress: false, pad: false },
    );
    if (bytes.length > opts.frameLimit) {
      throw new MeshgateError('MG_ERR_LINK_FRAME_TOO_LARGE', `a fragment needs ${bytes.length} bytes but the link carries ${opts.frameLimit}`, {
        fragmentBytes: bytes.length,
        frameLimit: opts.frameLimit,
      });
    }
    out.push(bytes);
  }
  return out;
}
