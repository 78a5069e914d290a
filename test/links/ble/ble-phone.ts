/**
 * A bitchat phone's packet side for BLE tests: its own identity, signed announces and
 * messages in Android's shape (all-FF recipient on broadcasts) or iOS's (no recipient),
 * and a receiver that applies upstream's rules: every GATT value must decode as one whole
 * packet (Android decodes each notification on its own), fragments are reassembled with
 * the repo's reassembler (Android `FragmentManager.kt` limits), announces verified.
 */
import { decodeAnnounce, encodeAnnounce } from '../../../src/protocol/announce.js';
import { decodePacket, encodePacket } from '../../../src/protocol/codec.js';
import { fromHex, toHex } from '../../../src/protocol/hex.js';
import { ed25519PrivateKey, generateIdentityKeys, peerIdFromNoiseKey, type IdentityKeys } from '../../../src/protocol/keys.js';
import { BROADCAST_ID, MAX_TTL, MessageType, type BitchatPacket } from '../../../src/protocol/packet.js';
import { FragmentReassembler } from '../../../src/protocol/reassembler.js';
import { signPacket } from '../../../src/protocol/signing.js';
import { SystemClock } from '../../../src/gateway/system-clock.js';

export type PhoneShape = 'android' | 'ios';

export interface PhoneRx {
  type: number;
  senderId: string;
  recipientId: string | null;
  text?: string;
  nickname?: string;
  viaFragments: boolean;
}

export class BitchatPhone {
  readonly keys: IdentityKeys = generateIdentityKeys();
  readonly peerId: string;
  readonly received: PhoneRx[] = [];
  /** GATT values that did not decode as one whole packet (must stay 0 toward a phone). */
  undecodable = 0;
  fragmentsIn = 0;
  largestValue = 0;
  private readonly senderID: Uint8Array;
  private readonly reassembler = new FragmentReassembler({ clock: new SystemClock() }, {});
  send: (value: Uint8Array) => void = () => {
    throw new Error('phone not connected');
  };

  constructor(
    readonly nickname: string,
    readonly shape: PhoneShape,
  ) {
    this.senderID = peerIdFromNoiseKey(this.keys.noisePublicKey);
    this.peerId = toHex(this.senderID);
  }

  frame(type: number, payload: Uint8Array, recipientId?: string): Uint8Array {
    const recipientID = recipientId ? fromHex(recipientId, 8) : this.shape === 'android' ? BROADCAST_ID : undefined;
    const p: BitchatPacket = { version: 1, type, ttl: MAX_TTL, timestamp: Date.now(), flags: 0, senderID: this.senderID, recipientID, payload };
    return encodePacket(signPacket(p, ed25519PrivateKey(this.keys.signingPrivateKey)));
  }

  announce(): Uint8Array {
    const f = this.frame(MessageType.ANNOUNCE, encodeAnnounce({ nickname: this.nickname, noisePublicKey: this.keys.noisePublicKey, signingPublicKey: this.keys.signingPublicKey }));
    this.send(f);
    return f;
  }

  sendPublic(text: string): Uint8Array {
    const f = this.frame(MessageType.MESSAGE, new TextEncoder().encode(text));
    this.send(f);
    return f;
  }

  sendDirect(recipientId: string, text: string): Uint8Array {
    const f = this.frame(MessageType.MESSAGE, new TextEncoder().encode(text), recipientId);
    this.send(f);
    return f;
  }

  /** One GATT value from the gateway. */
  receive(value: Uint8Array): void {
    this.largestValue = Math.max(this.largestValue, value.length);
    let p: BitchatPacket;
    try {
      p = decodePacket(value).packet;
    } catch {
      this.undecodable++;
      return;
    }
    if (p.type === MessageType.FRAGMENT) {
      this.fragmentsIn++;
      const r = this.reassembler.add(toHex(p.senderID), p.payload);
      if (!r.complete) return;
      this.record(decodePacket(r.frame).packet, true);
      return;
    }
    this.record(p, false);
  }

  texts(): string[] {
    return this.received.filter((r) => r.type === MessageType.MESSAGE).map((r) => r.text ?? '');
  }

  private record(p: BitchatPacket, viaFragments: boolean): void {
    const rx: PhoneRx = { type: p.type, senderId: toHex(p.senderID), recipientId: p.recipientID ? toHex(p.recipientID) : null, viaFragments };
    if (p.type === MessageType.MESSAGE) rx.text = new TextDecoder().decode(p.payload);
    if (p.type === MessageType.ANNOUNCE) rx.nickname = decodeAnnounce(p.payload).nickname;
    this.received.push(rx);
  }
}
