/**
 * The Link port: one bidirectional frame pipe to one neighbour (a phone over BLE or LAN,
 * or another gateway over WebSocket). A frame is one whole bitchat packet as bytes.
 * Modelled on libp2p's transport interface (packages/interface/src/transport.ts).
 *
 * Contract (checked by test/links/link-compliance.ts for every adapter):
 * - `send(frame)` queues one frame; frames arrive in order, whole, at most once.
 *   It throws MeshgateError `MG_ERR_LINK_CLOSED` after close and
 *   `MG_ERR_LINK_FRAME_TOO_LARGE` for frames over `maxFrameBytes`; when the bounded egress
 *   queue is full it drops the frame, counts `MG_ERR_LINK_QUEUE_FULL` and returns false.
 * - Inbound frames over the cap or with broken framing are dropped and counted in
 *   `stats().drops` by error code; the link keeps serving unless framing is unrecoverable.
 * - `close()` is idempotent; the `close` event fires exactly once, on either side.
 * - Listeners that throw are caught by the link (logged), never fatal.
 * - Control channel (gateway links): `sendControl(msg)` carries one {@link ControlMessage}
 *   (JSON, at most {@link MAX_CONTROL_BYTES} encoded) in order with the frames; the
 *   remote side emits `control`. Links without a control channel (phones) return false and
 *   count `MG_ERR_LINK_CONTROL_UNSUPPORTED`; after close it throws `MG_ERR_LINK_CLOSED`.
 */

/** Largest encoded control message (UTF-8 JSON bytes) a link sends or accepts. */
export const MAX_CONTROL_BYTES = 65_536;

/**
 * A gateway-to-gateway control message: `type` names the protocol (e.g. `lsa`, `ping`,
 * `receipt`; at most 64 characters), `body` is JSON-serialisable. Bodies come from another
 * machine: receivers validate them before use.
 */
export interface ControlMessage {
  readonly type: string;
  readonly body: unknown;
}
export type LinkKind = 'memory' | 'lan-tcp' | 'ws-gateway' | 'wt-gateway' | 'ble-peripheral' | 'ble-central';

export interface LinkStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Control messages received / sent (gateway links; 0 elsewhere). */
  controlIn: number;
  controlOut: number;
  /** Frames dropped by this link, by MeshgateError code. */
  drops: Record<string, number>;
  /** ms since epoch when the link opened. */
  openedAt: number;
  /** ms since epoch of the last frame in or out (openedAt if none). */
  lastActivity: number;
}

export interface LinkEvents {
  /** One whole inbound frame. The listener must not keep a reference it will mutate. */
  frame: (frame: Uint8Array) => void;
  /** The link is closed (by either side); `reason` is free text for logs. */
  close: (reason: string) => void;
  /** One control message from the remote gateway (gateway links only). */
  control: (msg: ControlMessage) => void;
}

export interface Link {
  /** Unique within the gateway, e.g. `lan-tcp#3(127.0.0.1:51234)`. */
  readonly id: string;
  readonly kind: LinkKind;
  /** True for links to other gateways (the overlay), false for links to phones. */
  readonly isGatewayLink: boolean;
  /** Human-readable remote address (ip:port, BLE address), if any. */
  readonly remoteAddress: string | undefined;
  /** The remote gateway's peer ID (16 lowercase hex) once authenticated, gateway links only. */
  readonly remotePeerId: string | undefined;
  /** Largest frame in bytes this link sends or accepts. */
  readonly maxFrameBytes: number;
  readonly isOpen: boolean;
  /** Queue one frame. Returns false if it was dropped because the egress queue is full. */
  send(frame: Uint8Array): boolean;
  /**
   * Queue one control message (gateway links). Returns false when the link has no control
   * channel (`MG_ERR_LINK_CONTROL_UNSUPPORTED`), the message is too large
   * (`MG_ERR_CONTROL_MALFORMED`) or the egress queue is full (`MG_ERR_LINK_QUEUE_FULL`);
   * each counted in `stats().drops`. @throws MeshgateError MG_ERR_LINK_CLOSED after close.
   */
  sendControl(msg: ControlMessage): boolean;
  close(reason?: string): Promise<void>;
  /**
   * Optional (QoS backpressure): stop (true) or resume (false) reading inbound frames, so
   * the transport's own flow control (TCP window, ws) slows the remote sender down.
   */
  setReadPaused?(paused: boolean): void;
  /** Optional (QoS): bytes handed to this link that its driver has not sent yet (socket `writableLength`, ws `bufferedAmount`, BLE backlog). */
  driverQueueBytes?(): number;
  on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void;
  off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void;
  stats(): LinkStats;
}

export interface LinkAdapterEvents {
  /** A new link is open (accepted or dialled). */
  link: (link: Link) => void;
  /** A non-fatal adapter error (listen/dial failure), already counted and logged. */
  error: (err: Error) => void;
}

/** A source of links: a listener and/or dialler for one link kind. */
export interface LinkAdapter {
  readonly kind: LinkKind;
  start(): Promise<void>;
  /** Stops accepting/dialling and closes every link it made. */
  stop(): Promise<void>;
  on<E extends keyof LinkAdapterEvents>(event: E, listener: LinkAdapterEvents[E]): void;
  off<E extends keyof LinkAdapterEvents>(event: E, listener: LinkAdapterEvents[E]): void;
}
