/**
 * The record layer of an established gateway session (docs/gateway-link.md §5). Every
 * bitchat frame and every control message travels encrypted in TRANSPORT records:
 *
 *   record = 0x03 ‖ ChaCha20-Poly1305(k, n, ad = empty, inner)   (one Noise transport message)
 *   inner  = item+                                   (at most 65,535 − 16 = 65,519 bytes)
 *   item   = flags (1) ‖ length (u24 BE) ‖ chunk (length bytes)
 *   flags  = bit 7: more chunks of this message follow in the next item;
 *            bits 0..6: kind (0 frame, 1 control, 2 confirm: the listener's acceptance,
 *            the first item it sends, empty)
 *
 * Messages sealed together (a batch) share records; a message that does not fit the rest of
 * a record continues in the next one. The receiver reassembles up to the frame cap (frames)
 * or 65,536 bytes (control). Nonces are per-direction counters, so a tampered, replayed,
 * dropped or reordered record fails authentication: `open` throws MG_ERR_SESSION_DECRYPT
 * and the transport closes the session (a Noise receiver cannot resynchronise).
 * Both directions rekey (rev 34 §11.3) after every `rekeyInterval` records.
 */
import { MeshgateError } from '../../errors.js';
import { MAX_CONTROL_BYTES } from '../../ports/link.js';
import { MAX_NOISE_MESSAGE_BYTES, TAG_BYTES, type CipherState, type TransportCiphers } from '../noise/index.js';
import { RECORD_TRANSPORT } from './records.js';

/** Largest inner plaintext of one record, bytes. */
export const MAX_INNER_BYTES = MAX_NOISE_MESSAGE_BYTES - TAG_BYTES;
/** Item header: flags (1) + u24 length. */
export const ITEM_HEADER_BYTES = 4;
/** Largest chunk in one record, bytes. */
export const MAX_CHUNK_BYTES = MAX_INNER_BYTES - ITEM_HEADER_BYTES;
/** Default records per direction between rekeys. */
export const DEFAULT_REKEY_INTERVAL = 65_536;

/** Item kinds. */
export const KIND_FRAME = 0;
export const KIND_CONTROL = 1;
export const KIND_CONFIRM = 2;
const MORE = 0x80;
const EMPTY = new Uint8Array(0);

/** One message opened from the peer. */
export type OpenedMessage = { kind: 'frame'; data: Uint8Array } | { kind: 'control'; text: string } | { kind: 'confirm' };

/** A message to seal: kind 0 frame, 1 control (UTF-8 JSON), 2 confirm. */
export interface OutgoingMessage {
  kind: number;
  data: Uint8Array;
}

export interface SecureSessionInit {
  ciphers: TransportCiphers;
  /** Largest frame accepted, bytes. */
  maxFrameBytes: number;
  /** Records per direction between rekeys (default 65,536). */
  rekeyInterval?: number;
}

/** Counters of one session. */
export interface SecureSessionStats {
  recordsSealed: number;
  recordsOpened: number;
  rekeys: number;
}

/**
 * Seals and opens TRANSPORT records. Sealing advances the send nonce: the caller must send
 * every record it seals, in order (check capacity first).
 * @throws MG_ERR_SESSION_DECRYPT / MG_ERR_SESSION_RECORD from `open`.
 */
export class SecureSession {
  private readonly send: CipherState;
  private readonly receive: CipherState;
  private readonly maxFrameBytes: number;
  private readonly rekeyInterval: number;
  private pending: { kind: number; parts: Uint8Array[]; bytes: number } | undefined;
  private readonly counters: SecureSessionStats = { recordsSealed: 0, recordsOpened: 0, rekeys: 0 };

  constructor(init: SecureSessionInit) {
    this.send = init.ciphers.send;
    this.receive = init.ciphers.receive;
    this.maxFrameBytes = init.maxFrameBytes;
    this.rekeyInterval = init.rekeyInterval ?? DEFAULT_REKEY_INTERVAL;
    if (!Number.isInteger(this.rekeyInterval) || this.rekeyInterval < 1) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'rekey interval must be a positive integer');
  }

  /** Records carrying one bitchat frame. */
  sealFrame(frame: Uint8Array): Uint8Array[] {
    return this.seal([{ kind: KIND_FRAME, data: frame }]);
  }

  /** Records carrying one encoded control message (`{"t":..,"b":..}` text). */
  sealControl(text: string): Uint8Array[] {
    return this.seal([{ kind: KIND_CONTROL, data: new Uint8Array(Buffer.from(text, 'utf8')) }]);
  }

  /** The listener's session confirmation (an empty confirm item). */
  sealConfirm(): Uint8Array[] {
    return this.seal([{ kind: KIND_CONFIRM, data: EMPTY }]);
  }

  /**
   * Records carrying several messages, packed into as few records as fit (one Noise
   * encryption per record, not per message).
   */
  seal(batch: readonly OutgoingMessage[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    // bytes still to encode (item headers + data), so each record buffer is allocated at its exact size
    let remaining = 0;
    for (const m of batch) remaining += ITEM_HEADER_BYTES + m.data.length;
    let inner = Buffer.allocUnsafe(Math.min(MAX_INNER_BYTES, remaining));
    let off = 0;
    const emit = () => {
      out.push(this.encrypt(inner.subarray(0, off)));
      remaining -= off;
      off = 0;
      if (remaining > 0) inner = Buffer.allocUnsafe(Math.min(MAX_INNER_BYTES, remaining));
    };
    for (const m of batch) {
      let pos = 0;
      for (;;) {
        const left = m.data.length - pos;
        if (MAX_INNER_BYTES - off < ITEM_HEADER_BYTES + (left > 0 ? 1 : 0)) emit();
        const n = Math.min(MAX_INNER_BYTES - off - ITEM_HEADER_BYTES, left);
        const more = n < left;
        inner[off] = m.kind | (more ? MORE : 0);
        inner.writeUIntBE(n, off + 1, 3);
        inner.set(m.data.subarray(pos, pos + n), off + ITEM_HEADER_BYTES);
        off += ITEM_HEADER_BYTES + n;
        pos += n;
        if (!more) break;
        remaining += ITEM_HEADER_BYTES; // the continuation item's header
        emit();
      }
    }
    if (off > 0) emit();
    return out;
  }

  /** Open one record; returns the messages it completes (possibly none). */
  open(rec: Uint8Array): OpenedMessage[] {
    if (rec.length < 1 + ITEM_HEADER_BYTES + TAG_BYTES || rec[0] !== RECORD_TRANSPORT) {
      throw new MeshgateError('MG_ERR_SESSION_RECORD', rec.length === 0 ? 'empty record' : `unexpected record type ${rec[0]} or short record`);
    }
    let inner: Uint8Array;
    try {
      inner = this.receive.decryptWithAd(EMPTY, rec.subarray(1));
    } catch (err) {
      if (err instanceof MeshgateError && err.code === 'MG_ERR_NOISE_DECRYPT') {
        throw new MeshgateError('MG_ERR_SESSION_DECRYPT', 'record failed authentication (tampered, replayed or out of order)', { nonce: this.receive.nonce });
      }
      throw err;
    }
    this.counters.recordsOpened++;
    this.maybeRekey(this.receive);
    const out: OpenedMessage[] = [];
    let off = 0;
    while (off < inner.length) {
      if (inner.length - off < ITEM_HEADER_BYTES) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'truncated item header');
      const flags = inner[off];
      const len = (inner[off + 1] << 16) | (inner[off + 2] << 8) | inner[off + 3];
      const chunk = inner.subarray(off + ITEM_HEADER_BYTES, off + ITEM_HEADER_BYTES + len);
      if (chunk.length !== len) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'item overruns its record');
      off += ITEM_HEADER_BYTES + len;
      const m = this.item(flags, chunk);
      if (m) out.push(m);
    }
    return out;
  }

  private item(flags: number, chunk: Uint8Array): OpenedMessage | undefined {
    const kind = flags & 0x7f;
    if (kind === KIND_CONFIRM) {
      if (flags & MORE || chunk.length !== 0 || this.pending) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'malformed confirm item');
      return { kind: 'confirm' };
    }
    if (kind !== KIND_FRAME && kind !== KIND_CONTROL) throw new MeshgateError('MG_ERR_SESSION_RECORD', `unknown item kind ${kind}`);
    const cap = kind === KIND_FRAME ? this.maxFrameBytes : MAX_CONTROL_BYTES;
    const p = this.pending;
    if (p && p.kind !== kind) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'item kind changed inside a chunked message');
    const bytes = (p?.bytes ?? 0) + chunk.length;
    if (bytes > cap) throw new MeshgateError('MG_ERR_SESSION_RECORD', `message over ${cap} bytes`);
    // An empty continuation chunk carries nothing: refusing it bounds the parts of a
    // chunked message by its byte cap (else a peer could queue unbounded empty parts).
    if (flags & MORE && chunk.length === 0) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'empty chunk inside a chunked message');
    if (flags & MORE) {
      if (p) {
        p.parts.push(new Uint8Array(chunk));
        p.bytes = bytes;
      } else {
        this.pending = { kind, parts: [new Uint8Array(chunk)], bytes };
      }
      return undefined;
    }
    this.pending = undefined;
    const data = p ? new Uint8Array(Buffer.concat([...p.parts, chunk])) : new Uint8Array(chunk);
    return kind === KIND_FRAME ? { kind: 'frame', data } : { kind: 'control', text: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') };
  }

  stats(): SecureSessionStats {
    return { ...this.counters };
  }

  private encrypt(inner: Uint8Array): Uint8Array {
    const rec = this.send.encryptWithAdReserving(EMPTY, inner, 1);
    rec[0] = RECORD_TRANSPORT;
    this.counters.recordsSealed++;
    this.maybeRekey(this.send);
    return rec;
  }

  private maybeRekey(cs: CipherState): void {
    if (cs.nonce % this.rekeyInterval === 0) {
      cs.rekey();
      this.counters.rekeys++;
    }
  }
}
