/**
 * A simulated bitchat phone for tests and demos: its own X25519/Ed25519 identity, a LAN
 * link to a gateway (4-byte length framing, bitchat-spec.md §8), signed announces, public
 * and directed messages, and a record of everything it receives. It keeps **every**
 * received frame (no duplicate suppression) so tests can count duplicates.
 */
import type { Link } from '../ports/link.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import { MeshgateError } from '../errors.js';
import { decodePacket, encodePacket } from '../protocol/codec.js';
import { signPacket, verifyFrame } from '../protocol/signing.js';
import { decodeAnnounce, encodeAnnounce } from '../protocol/announce.js';
import { ed25519PrivateKey, ed25519PublicKey, generateIdentityKeys, peerIdFromNoiseKey, type IdentityKeys } from '../protocol/keys.js';
import { bytesEqual, fromHex, toHex } from '../protocol/hex.js';
import { MAX_TTL, MessageType, type BitchatPacket, type DecodedFrame } from '../protocol/packet.js';
import { LanTcpLinkAdapter } from '../links/lan-tcp/index.js';
import type { KeyObject } from 'node:crypto';

/** One frame as the phone received it. */
export interface ReceivedPacket {
  frame: DecodedFrame;
  /** Sender peer ID, 16 hex. */
  senderId: string;
  recipientId: string | null;
  type: number;
  ttl: number;
  /** true/false when the sender's key is known (from an announce), null when unknown or unsigned. */
  verified: boolean | null;
  /** UTF-8 payload of a message (0x02). */
  text?: string;
  /** Nickname from an announce (0x01). */
  nickname?: string;
}

interface KnownPeer {
  nickname: string;
  signingKey: KeyObject;
  signingPublicKey: string;
}

export interface PhoneSimulatorInit {
  nickname: string;
  host: string;
  port: number;
  /** Fixed identity (default: a fresh one). */
  keys?: IdentityKeys;
  /** Packet version to send (default 1). */
  version?: 1 | 2;
}

export class PhoneSimulator {
  readonly keys: IdentityKeys;
  readonly peerId: string;
  readonly nickname: string;
  /** Everything received, in arrival order. */
  readonly received: ReceivedPacket[] = [];
  private readonly senderID: Uint8Array;
  private readonly signingKey: KeyObject;
  private readonly known = new Map<string, KnownPeer>();
  private readonly listeners = new Set<(p: ReceivedPacket) => void>();
  private readonly adapter: LanTcpLinkAdapter;
  private link: Link | undefined;
  private readonly version: 1 | 2;
  private readonly now: () => number;

  constructor(components: { logger?: Logger; now?: () => number }, init: PhoneSimulatorInit) {
    this.keys = init.keys ?? generateIdentityKeys();
    this.senderID = peerIdFromNoiseKey(this.keys.noisePublicKey);
    this.peerId = toHex(this.senderID);
    this.nickname = init.nickname;
    this.signingKey = ed25519PrivateKey(this.keys.signingPrivateKey);
    this.version = init.version ?? 1;
    this.now = components.now ?? Date.now;
    this.adapter = new LanTcpLinkAdapter(
      { logger: components.logger ?? silentLogger },
      { peers: [{ host: init.host, port: init.port }], reconnect: { initialMs: 200, maxMs: 2000, factor: 2, jitter: 0.2 } },
    );
  }

  /** Dial the gateway and wait until the link is up (default deadline 5,000 ms). @throws MG_ERR_LINK_CONNECT */
  async connect(timeoutMs = 5000): Promise<void> {
    const linkUp = new Promise<Link>((resolve, reject) => {
      const t = setTimeout(() => reject(new MeshgateError('MG_ERR_LINK_CONNECT', `phone ${this.nickname} could not reach the gateway in ${timeoutMs} ms`)), timeoutMs);
      this.adapter.on('link', (link) => {
        clearTimeout(t);
        resolve(link);
      });
    });
    await this.adapter.start();
    const link = await linkUp;
    this.link = link;
    link.on('frame', (f) => this.onFrame(f));
    link.on('close', () => {
      if (this.link === link) this.link = undefined;
    });
  }

  get connected(): boolean {
    return this.link?.isOpen ?? false;
  }

  on(listener: (p: ReceivedPacket) => void): void {
    this.listeners.add(listener);
  }

  /** Signing public key (hex) learnt from a peer's verified announce, if any. */
  knownSigningKey(peerId: string): string | undefined {
    return this.known.get(peerId)?.signingPublicKey;
  }

  /** Build, sign and encode a packet from this phone. */
  buildFrame(type: number, payload: Uint8Array, recipientId?: string, ttl = MAX_TTL): Uint8Array {
    const p: BitchatPacket = {
      version: this.version,
      type,
      ttl,
      timestamp: this.now(),
      flags: 0,
      senderID: this.senderID,
      recipientID: recipientId ? fromHex(recipientId, 8) : undefined,
      payload,
    };
    return encodePacket(signPacket(p, this.signingKey));
  }

  /** Send a raw frame (tests use this for malformed input). Returns false if the queue is full. */
  sendFrame(frame: Uint8Array): boolean {
    if (!this.link) throw new MeshgateError('MG_ERR_LINK_CLOSED', `phone ${this.nickname} is not connected`);
    return this.link.send(frame);
  }

  /** Send a signed announce with TTL 7 (a direct announce). Returns the frame. */
  announce(): Uint8Array {
    const payload = encodeAnnounce({ nickname: this.nickname, noisePublicKey: this.keys.noisePublicKey, signingPublicKey: this.keys.signingPublicKey });
    const f = this.buildFrame(MessageType.ANNOUNCE, payload);
    this.sendFrame(f);
    return f;
  }

  /** Send a signed public chat message. Returns the frame. */
  sendPublic(text: string): Uint8Array {
    const f = this.buildFrame(MessageType.MESSAGE, new TextEncoder().encode(text));
    this.sendFrame(f);
    return f;
  }

  /** Send a signed message addressed to one peer (16 hex). Returns the frame. */
  sendDirect(recipientId: string, text: string): Uint8Array {
    const f = this.buildFrame(MessageType.MESSAGE, new TextEncoder().encode(text), recipientId);
    this.sendFrame(f);
    return f;
  }

  private onFrame(bytes: Uint8Array): void {
    let frame: DecodedFrame;
    try {
      frame = decodePacket(bytes);
    } catch {
      return;
    }
    const p = frame.packet;
    const senderId = toHex(p.senderID);
    const rx: ReceivedPacket = {
      frame,
      senderId,
      recipientId: p.recipientID ? toHex(p.recipientID) : null,
      type: p.type,
      ttl: p.ttl,
      verified: null,
    };
    if (p.type === MessageType.ANNOUNCE) {
      try {
        const a = decodeAnnounce(p.payload);
        const key = ed25519PublicKey(a.signingPublicKey);
        rx.nickname = a.nickname;
        rx.verified = bytesEqual(peerIdFromNoiseKey(a.noisePublicKey), p.senderID) && verifyFrame(frame, key);
        if (rx.verified && !this.known.has(senderId)) {
          this.known.set(senderId, { nickname: a.nickname, signingKey: key, signingPublicKey: toHex(a.signingPublicKey) });
        }
      } catch {
        rx.verified = false;
      }
    } else {
      const k = this.known.get(senderId);
      if (k && p.signature) rx.verified = verifyFrame(frame, k.signingKey);
      if (p.type === MessageType.MESSAGE) rx.text = new TextDecoder().decode(p.payload);
    }
    this.received.push(rx);
    for (const l of this.listeners) {
      try {
        l(rx);
      } catch {
        // listener errors never break the phone
      }
    }
  }

  async close(): Promise<void> {
    await this.adapter.stop();
    this.link = undefined;
  }
}
