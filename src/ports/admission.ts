/**
 * The peer admission port: transports ask it before and after authenticating a gateway
 * peer, and report misbehaviour to it. The hygiene module (reputation, bans, peer caps,
 * IP-prefix diversity) implements it; {@link OPEN_ADMISSION} admits everyone.
 */

/** Misbehaviour a transport or module observed of a peer. */
export type Offence =
  | 'bad-signature'
  | 'invalid-frame'
  | 'flood'
  | 'broken-promise'
  | 'downgrade'
  | 'handshake-failure'
  | 'ignored-backpressure';

/** An admission decision; `code` is a MeshgateError code (e.g. `MG_ERR_PEER_BANNED`). */
export type AdmissionDecision = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string };

/** A report of one offence. `address` is the remote IP (or ip:port) as the transport saw it. */
export interface OffenceReport {
  readonly peerId?: string;
  readonly address?: string;
  readonly offence: Offence;
  readonly detail?: string;
}

export interface PeerAdmission {
  /** Before any handshake: may this remote address connect (inbound) or be dialled (outbound)? */
  allowAddress(address: string, direction: 'inbound' | 'outbound'): AdmissionDecision;
  /** After authentication: may this peer ID (16 lowercase hex) hold a session from `address`? */
  allowPeer(peerId: string, address: string): AdmissionDecision;
  /** Record one offence (never throws). */
  report(e: OffenceReport): void;
}

const ALLOW: AdmissionDecision = Object.freeze({ ok: true as const });

/** Admits every address and peer and ignores reports (the default without the hygiene module). */
export const OPEN_ADMISSION: PeerAdmission = Object.freeze({
  allowAddress: () => ALLOW,
  allowPeer: () => ALLOW,
  report: () => undefined,
});
