/**
 * Traffic classes and the classifier. The gateway chooses a unit's class from what it
 * knows (the packet type in the header and the sender's trust tier), never from a
 * priority the sender claims (bitchat has no such field, and a future one is ignored).
 *
 * Classes (CAKE's diffserv tiers, `sch_cake.c` `cake_config_diffserv4`, reduced to three):
 * - `control` (0): link-state adverts, handshakes, receipts, acks, backpressure. Strict
 *   priority, capped at 1/4 of the link's output while another class is backlogged.
 * - `realtime` (1): chat, announces, presence. Next, capped at 1/2.
 * - `bulk` (2): files, sync responses, bridged history, unknown types. DRR across flows,
 *   guaranteed at least 1/16.
 *
 * Trust tiers (decided by the gateway, docs/qos.md):
 * - `gateway`: the gateway itself, or the authenticated peer ID of an open gateway link
 *   (the signed hello, src/overlay/hello.ts);
 * - `paired`: a phone whose announce verified and whose signing key is pinned (trust on
 *   first use) in the peer directory;
 * - `unknown`: anyone else (an unannounced or unverifiable sender ID).
 * Packets from `unknown` senders drop one class (control → realtime, realtime → bulk), so
 * a stranger cannot buy latency by choosing a packet type.
 */
import { Flags, MessageType } from '../protocol/packet.js';

export const QOS_CLASSES = ['control', 'realtime', 'bulk'] as const;
export type QosClassName = (typeof QOS_CLASSES)[number];
/** Class index: 0 control, 1 realtime, 2 bulk. */
export type QosClass = 0 | 1 | 2;
export const CLASS_CONTROL: QosClass = 0;
export const CLASS_REALTIME: QosClass = 1;
export const CLASS_BULK: QosClass = 2;

export type TrustTier = 'gateway' | 'paired' | 'unknown';

/** Base class per bitchat message type (bitchat-spec.md §4); unknown types are bulk. */
export function baseClassOfType(type: number): QosClass {
  switch (type) {
    case MessageType.NOISE_HANDSHAKE: // handshakes
    case MessageType.REQUEST_SYNC: // link-local gossip control, TTL 0
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.PREKEY_BUNDLE: // key material needed before a handshake
      return CLASS_CONTROL;
    case MessageType.ANNOUNCE:
    case MessageType.MESSAGE:
    case MessageType.LEAVE:
    case MessageType.NOISE_ENCRYPTED: // private chat and its delivery/read receipts
    case MessageType.GROUP_MESSAGE:
    case MessageType.VOICE_FRAME:
      return CLASS_REALTIME;
    default: // file transfer, board posts, courier envelopes, nostr carriers, unknown
      return CLASS_BULK;
  }
}

/** What the classifier read from one frame's header. */
export interface FrameClassification {
  cls: QosClass;
  /** DRR flow key: origin peer (broadcast) or origin>recipient (directed), 16-hex IDs. */
  flowKey: string;
  /** Sender peer ID (16 lowercase hex), or undefined for an unparsable frame. */
  senderHex: string | undefined;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = off; i < off + 8; i++) s += HEX[b[i]];
  return s;
}

function isAllFf(b: Uint8Array, off: number): boolean {
  for (let i = off; i < off + 8; i++) if (b[i] !== 0xff) return false;
  return true;
}

/** Flow key of frames that cannot be parsed (they share one bulk flow). */
export const MALFORMED_FLOW = 'malformed';

/**
 * Classify one bitchat frame by its header only (no decoding, no signature check: the
 * relay engine has already checked what it relays). Fragments (0x20) take the class of
 * their original type (payload byte 12, bitchat-spec.md §5); sync responses (RSR flag) are
 * bulk; then `tierOf(sender)` demotes unknown senders by one class.
 * Unparsable frames are bulk in the `malformed` flow.
 */
export function classifyFrame(frame: Uint8Array, tierOf: (senderHex: string) => TrustTier): FrameClassification {
  const version = frame[0];
  const headerSize = version === 2 ? 16 : 14;
  if ((version !== 1 && version !== 2) || frame.length < headerSize + 8) return { cls: CLASS_BULK, flowKey: MALFORMED_FLOW, senderHex: undefined };
  const type = frame[1];
  const flags = frame[11];
  const sender = hex8(frame, headerSize);
  let off = headerSize + 8;
  let recipient: string | undefined;
  if (flags & Flags.HAS_RECIPIENT) {
    if (frame.length < off + 8) return { cls: CLASS_BULK, flowKey: MALFORMED_FLOW, senderHex: undefined };
    if (!isAllFf(frame, off)) recipient = hex8(frame, off);
    off += 8;
  }
  let cls: QosClass;
  if (flags & Flags.IS_RSR) cls = CLASS_BULK;
  else if (type === MessageType.FRAGMENT) {
    if (version === 2 && flags & Flags.HAS_ROUTE) off += 1 + 8 * (frame[off] ?? 0);
    if (flags & Flags.IS_COMPRESSED) off += version === 2 ? 4 : 2;
    const original = frame[off + 12];
    cls = original === undefined || original === MessageType.FILE_TRANSFER ? CLASS_BULK : baseClassOfType(original);
  } else cls = baseClassOfType(type);
  const tier = tierOf(sender);
  if (tier === 'unknown' && cls < CLASS_BULK) cls = (cls + 1) as QosClass;
  return { cls, flowKey: recipient === undefined ? sender : `${sender}>${recipient}`, senderHex: sender };
}

/**
 * Class of a gateway control message (src/ports/link.ts ControlMessage): control, except
 * bodies over `bulkAboveBytes` (sync batches, ledger dumps), which are bulk. Flow = `ctl:<type>`.
 */
export function classifyControl(type: string, encodedBytes: number, bulkAboveBytes = 4096): { cls: QosClass; flowKey: string } {
  return { cls: encodedBytes > bulkAboveBytes ? CLASS_BULK : CLASS_CONTROL, flowKey: `ctl:${type}` };
}
