/**
 * The record layer of an established gateway session (docs/gateway-link.md §5). Every
 * bitchat frame and every control message travels encrypted in TRANSPORT records:
 *
 *   record    = 0x03 ‖ ChaCha20-Poly1305(k, n, ad = empty, inner) (Noise transport message)
 *   inner     = flags (1 byte) ‖ chunk
 *   flags     = bit 7: more chunks of this message follow; bits 0..6: kind (0 frame, 1 control)
 *
 * A message larger than one Noise message (65,535 − 16 − 1 = 65,518 bytes of chunk) is split
 * into consecutive records; the receiver reassembles up to the frame cap (frames) or
 * 65,536 bytes (control). Nonces are per-direction counters, so a tampered, replayed,
 * dropped or reordered record fails authentication: `open` throws MG_ERR_SESSION_DECRYPT
 * and the transport closes the session (a Noise receiver cannot resynchronise).
 * Both directions rekey (rev 34 §11.3) after every `rekeyInterval` records.
 */
import { MeshgateError } from '../../errors.js';
import { MAX_CONTROL_BYTES } from '../../ports/link.js';
import { MAX_NOISE_MESSAGE_BYTES, TAG_BYTES, type CipherState, type TransportCiphers } from '../noise/index.js';
import { RECORD_TRANSPORT } from './records.js';

/** Largest chunk in one record, bytes. */
export const MAX_CHUNK_BYTES = MAX_NOISE_MESSAGE_BYTES - TAG_BYTES - 1;
/** Default records per direction between rekeys. */
export const DEFAULT_REKEY_INTERVAL = 65_536;

const KIND_FRAME = 0;
const KIND_CONTROL = 1;
const KIND_CONFIRM = 2;
const MORE = 0x80;
const EMPTY = new Uint8Array(0);

/** One message opened from the peer. */
export type OpenedMessage = { kind: 'frame'; data: Uint8Array } | { kind: 'control'; text: string } | { kind: 'confirm' };

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
    return this.seal(KIND_FRAME, frame);
  }

  /** Records carrying one encoded control message (`{"t":..,"b":..}` text). */
  sealControl(text: string): Uint8Array[] {
    return this.seal(KIND_CONTROL, new Uint8Array(Buffer.from(text, 'utf8')));
  }

  /** The listener's session confirmation: the first TRANSPORT record, sent once it has accepted the session (empty body). */
  sealConfirm(): Uint8Array[] {
    return this.seal(KIND_CONFIRM, EMPTY);
  }

  /** Open one record; returns the message it completes, if any. */
  open(rec: Uint8Array): OpenedMessage | undefined {
    if (rec.length < 1 + 1 + TAG_BYTES || rec[0] !== RECORD_TRANSPORT) {
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
    if (inner.length < 1) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'record without flags');
    const flags = inner[0];
    const kind = flags & 0x7f;
    if (kind === KIND_CONFIRM && !(flags & MORE) && inner.length === 1 && !this.pending) return { kind: 'confirm' };
    if (kind !== KIND_FRAME && kind !== KIND_CONTROL) throw new MeshgateError('MG_ERR_SESSION_RECORD', `unknown record kind ${kind}`);
    const chunk = inner.subarray(1);
    const cap = kind === KIND_FRAME ? this.maxFrameBytes : MAX_CONTROL_BYTES;
    const p = this.pending;
    if (p && p.kind !== kind) throw new MeshgateError('MG_ERR_SESSION_RECORD', 'record kind changed inside a chunked message');
    const bytes = (p?.bytes ?? 0) + chunk.length;
    if (bytes > cap) throw new MeshgateError('MG_ERR_SESSION_RECORD', `message over ${cap} bytes`);
    if (flags & MORE) {
      if (p) {
        p.parts.push(chunk);
        p.bytes = bytes;
      } else {
        this.pending = { kind, parts: [chunk], bytes };
      }
      return undefined;
    }
    this.pending = undefined;
    const data = p ? new Uint8Array(Buffer.concat([...p.parts, chunk])) : chunk;
    return kind === KIND_FRAME ? { kind: 'frame', data } : { kind: 'control', text: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') };
  }

  stats(): SecureSessionStats {
    return { ...this.counters };
  }

  private seal(kind: number, data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    do {
      const end = Math.min(data.length, off + MAX_CHUNK_BYTES);
      const more = end < data.length;
      const inner = new Uint8Array(1 + end - off);
      inner[0] = kind | (more ? MORE : 0);
      inner.set(data.subarray(off, end), 1);
      const sealed = this.send.encryptWithAd(EMPTY, inner);
      const rec = new Uint8Array(1 + sealed.length);
      rec[0] = RECORD_TRANSPORT;
      rec.set(sealed, 1);
      out.push(rec);
      this.counters.recordsSealed++;
      this.maybeRekey(this.send);
      off = end;
    } while (off < data.length);
    return out;
  }

  private maybeRekey(cs: CipherState): void {
    if (cs.nonce % this.rekeyInterval === 0) {
      cs.rekey();
      this.counters.rekeys++;
    }
  }
}
