/**
 * A gateway link over an established, encrypted session: a {@link BaseLink} whose frames
 * and control messages travel as TRANSPORT records of a {@link SecureSession}
 * (docs/gateway-link.md §5) over any {@link SessionChannel} (WebSocket, WebTransport).
 */
import { BaseLink } from '../../links/base-link.js';
import type { ControlMessage, LinkKind } from '../../ports/link.js';
import type { Logger } from '../../ports/logger.js';
import type { PeerAdmission } from '../../ports/admission.js';
import { MeshgateError } from '../../errors.js';
import { KIND_CONTROL, KIND_FRAME, SecureSession, type OutgoingMessage, type SecureSessionStats, type SessionHandshakeResult, type SessionPeer } from '../session/index.js';
import type { FeatureName, SessionMode } from '../negotiation/index.js';
import { SESSION_FAILED_CLOSE_CODE, SESSION_RECORD_CLOSE_CODE, NORMAL_CLOSE_CODE, type SessionChannel } from './session-channel.js';

/** A send batch this large (bytes) is sealed at once instead of at the end of the tick. */
export const BATCH_FLUSH_BYTES = 60 * 1024;
/** Default egress cap on the channel's queued bytes (bytes). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** What a session link shows on status. */
export interface SessionInfo {
  readonly peerId: string;
  readonly nickname: string;
  readonly role: 'dialler' | 'listener';
  readonly transport: string;
  readonly mode: SessionMode;
  readonly features: readonly FeatureName[];
  readonly disabled: readonly FeatureName[];
  readonly peerVersion: string;
  readonly peerCapabilities: number;
  /** True when the peer sent no bitfield. */
  readonly inferred: boolean;
  /** First 8 bytes of the Noise handshake hash, hex (a session identifier both sides share). */
  readonly sessionId: string;
  readonly establishedAt: number;
}

export interface SecureLinkComponents {
  logger?: Logger;
  now: () => number;
  admission?: PeerAdmission;
  /** Called when the peer closes with 4001 (it refused the session after its own checks, e.g. a pinned downgrade). */
  onRefused?: (closeReason: string) => void;
}

export interface SecureLinkInit {
  id: string;
  kind: LinkKind;
  channel: SessionChannel;
  result: SessionHandshakeResult;
  /** The record layer, already keyed from `result.ciphers` (the runner used it for the confirmation). */
  secure: SecureSession;
  transport: string;
  maxFrameBytes?: number;
  maxBufferedBytes?: number;
}

/**
 * - egress: `send`/`sendControl` return false (MG_ERR_LINK_QUEUE_FULL) while queued bytes
 *   plus the message would exceed `maxBufferedBytes` (an empty queue always takes one);
 *   capacity is checked before sealing, so every sealed record is sent and nonces stay in step;
 * - ingress: a record that fails authentication (MG_ERR_SESSION_DECRYPT) or is malformed
 *   (MG_ERR_SESSION_RECORD) is counted, reported to admission as `invalid-frame`, and the
 *   link closes with code 4002 (a Noise receiver cannot resynchronise after a lost record).
 */
export class SecureLink extends BaseLink {
  readonly peer: SessionPeer;
  readonly session: SessionInfo;
  private readonly channel: SessionChannel;
  private readonly secure: SecureSession;
  private readonly maxBufferedBytes: number;
  private readonly admission: PeerAdmission | undefined;
  private closeCode = NORMAL_CLOSE_CODE;
  private batch: OutgoingMessage[] = [];
  private batchBytes = 0;
  private flushQueued = false;

  constructor(components: SecureLinkComponents, init: SecureLinkInit) {
    super({ id: init.id, kind: init.kind, isGatewayLink: true, remoteAddress: init.channel.remoteAddress, remotePeerId: init.result.peer.peerId, maxFrameBytes: init.maxFrameBytes, now: components.now, logger: components.logger });
    const r = init.result;
    this.peer = r.peer;
    this.admission = components.admission;
    this.channel = init.channel;
    this.maxBufferedBytes = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.secure = init.secure;
    this.session = {
      peerId: r.peer.peerId,
      nickname: r.peer.nickname,
      role: r.role,
      transport: init.transport,
      mode: r.negotiated.mode,
      features: r.negotiated.features,
      disabled: r.negotiated.disabled,
      peerVersion: r.negotiated.peerVersion,
      peerCapabilities: r.negotiated.peerCapabilities,
      inferred: r.negotiated.inferred,
      sessionId: Buffer.from(r.handshakeHash.subarray(0, 8)).toString('hex'),
      establishedAt: components.now(),
    };
    this.channel.onRecord((rec) => this.onRecord(rec));
    this.channel.onClose((code, reason) => {
      if (code === SESSION_FAILED_CLOSE_CODE) components.onRefused?.(reason);
      this.remoteClosed(reason ? `remote closed (${code}): ${reason}` : `remote closed (${code})`);
    });
    if (!this.channel.isOpen) queueMicrotask(() => this.remoteClosed('channel closed before link start'));
  }

  /** Record-layer counters (records sealed/opened, rekeys). */
  sessionStats(): SecureSessionStats {
    return this.secure.stats();
  }

  /** Bytes handed to the link and not yet written by the transport: the batch being sealed plus the channel's buffer (QoS driver queue). */
  override driverQueueBytes(): number {
    return this.channel.bufferedBytes() + this.batchBytes;
  }

  private hasRoom(bytes: number): boolean {
    if (!this.channel.isOpen) return false;
    const q = this.channel.bufferedBytes() + this.batchBytes;
    return q === 0 || q + bytes <= this.maxBufferedBytes;
  }

  protected transmit(frame: Uint8Array): boolean {
    if (!this.hasRoom(frame.length)) return false;
    this.enqueue(KIND_FRAME, frame);
    return true;
  }

  protected override transmitControl(_msg: ControlMessage, encoded: string): 'unsupported' | 'full' | 'sent' {
    const data = new Uint8Array(Buffer.from(encoded, 'utf8'));
    if (!this.hasRoom(data.length)) return 'full';
    this.enqueue(KIND_CONTROL, data);
    return 'sent';
  }

  /**
   * Messages sent in the same tick are sealed together at the end of it (a microtask), so
   * a burst costs one encryption per record (≤ 64 KiB) rather than per frame; a batch of
   * {@link BATCH_FLUSH_BYTES} is sealed at once. Order is kept; nothing waits for a timer.
   */
  private enqueue(kind: number, data: Uint8Array): void {
    this.batch.push({ kind, data });
    this.batchBytes += data.length;
    if (this.batchBytes >= BATCH_FLUSH_BYTES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (!this.channel.isOpen) return;
    for (const rec of this.secure.seal(batch)) this.channel.send(rec);
  }

  protected async teardown(reason: string): Promise<void> {
    this.flush();
    await this.channel.close(this.closeCode, reason);
  }

  private onRecord(rec: Uint8Array): void {
    if (!this.isOpen) return;
    let ms;
    try {
      ms = this.secure.open(rec);
    } catch (err) {
      const code = err instanceof MeshgateError ? err.code : 'MG_ERR_SESSION_RECORD';
      this.countDrop(code);
      this.logger.debug({ code, peer: this.peer.peerId }, 'session record rejected; closing the session');
      this.admission?.report({ peerId: this.peer.peerId, address: this.channel.remoteIp, offence: 'invalid-frame', detail: code });
      void this.closeWith(SESSION_RECORD_CLOSE_CODE, `session record failed: ${code}`);
      return;
    }
    for (const m of ms) {
      if (!this.isOpen) return;
      if (m.kind === 'frame') this.deliver(m.data);
      else if (m.kind === 'control') this.deliverEncodedControl(m.text);
    }
  }

  private closeWith(code: number, reason: string): Promise<void> {
    this.closeCode = code;
    return this.close(reason);
  }
}
