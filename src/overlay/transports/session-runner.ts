/**
 * Runs session establishment (src/overlay/session/session-handshake.ts) over a
 * {@link SessionChannel} for any transport: the timeout, the admission checks, the
 * authority's pin check, failure counting and reporting, and finally the {@link SecureLink}.
 */
import type { Logger } from '../../ports/logger.js';
import type { LinkKind } from '../../ports/link.js';
import type { PeerAdmission } from '../../ports/admission.js';
import type { IdentityKeys } from '../../protocol/keys.js';
import { MeshgateError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../links/base-link.js';
import { SESSION_FAILURE_REASONS, SecureSession, SessionHandshake, type SessionHandshakeResult, failureOffence, sessionFailed, sessionFailureReason, type SessionFailureReason, type SessionRole } from '../session/index.js';
import type { SessionAuthority } from '../session/session-authority.js';
import { SecureLink } from './secure-link.js';
import { SESSION_FAILED_CLOSE_CODE, type SessionChannel } from './session-channel.js';

/** Default time from channel open to an established session, ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Longest close reason a WebSocket close frame carries, bytes (RFC 6455 §5.5: 125 − 2). */
const MAX_CLOSE_REASON_BYTES = 123;

/** Truncate a close reason to what a close frame can carry. */
export function closeReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r, 'utf8') > MAX_CLOSE_REASON_BYTES) r = r.slice(0, -1);
  return r;
}

/** Failure counters of one transport. */
export interface SessionCounters {
  /** Sessions this side refused, by reason. */
  helloFailures: Record<SessionFailureReason, number>;
  /** Sessions the peer refused (close 4001), by the reason it gave. */
  helloRefusals: Record<SessionFailureReason, number>;
  /** Established sessions by negotiated mode. */
  modes: Record<string, number>;
}

export function newSessionCounters(): SessionCounters {
  const zero = () => Object.fromEntries(SESSION_FAILURE_REASONS.map((r) => [r, 0])) as Record<SessionFailureReason, number>;
  return { helloFailures: zero(), helloRefusals: zero(), modes: {} };
}

export interface SessionRunnerComponents {
  logger: Logger;
  identity: { keys: IdentityKeys; peerId: string };
  authority: SessionAuthority;
  admission: PeerAdmission;
  now: () => number;
}

export interface SessionRunInit {
  role: SessionRole;
  channel: SessionChannel;
  nickname: string;
  allowedPeers?: readonly string[] | undefined;
  timeoutMs?: number;
  /** Shown on status: `ws`, `wss`, `webtransport-h2`. */
  transport: string;
  linkKind: LinkKind;
  linkId: string;
  maxFrameBytes?: number;
  maxBufferedBytes?: number;
  rekeyInterval?: number;
  counters: SessionCounters;
}

/**
 * Establish a session on an open channel; `onEnd(link)` once established, `onEnd(undefined, err)`
 * on failure (the channel is then closed with 4001 `session failed: <reason>`, or was closed by
 * the peer). Never throws.
 */
export function runSession(c: SessionRunnerComponents, init: SessionRunInit, onEnd: (link: SecureLink | undefined, err?: MeshgateError) => void): void {
  const ch = init.channel;
  let hs: SessionHandshake;
  try {
    hs = new SessionHandshake({ role: init.role, identity: c.identity.keys, nickname: init.nickname, policy: c.authority.policy(), allowedPeers: init.allowedPeers });
  } catch (err) {
    void ch.close(SESSION_FAILED_CLOSE_CODE, 'session failed: malformed');
    onEnd(undefined, err instanceof MeshgateError ? err : sessionFailed('malformed', String(err)));
    return;
  }
  let finished = false;
  const timer = setTimeout(() => fail(hs.fail('timeout', `no session within ${init.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS} ms`)), init.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const finish = () => {
    finished = true;
    clearTimeout(timer);
  };
  const fail = (err: MeshgateError) => {
    if (finished) return;
    finish();
    const reason = sessionFailureReason(err) ?? 'malformed';
    init.counters.helloFailures[reason]++;
    const peerId = typeof err.details?.peerId === 'string' ? err.details.peerId : hs.peerHello?.peerId;
    const offence = failureOffence(reason);
    if (offence) c.admission.report({ peerId, address: ch.remoteIp, offence, detail: err.message });
    c.logger.debug({ remote: ch.remoteAddress, reason, code: err.code, peer: peerId }, 'gateway session failed');
    void ch.close(SESSION_FAILED_CLOSE_CODE, closeReason(`session failed: ${reason}`));
    onEnd(undefined, err);
  };
  const refusal = (text: string): SessionFailureReason => {
    const m = /^(?:session|hello) failed: ([a-z-]+)/.exec(text);
    const reason = (SESSION_FAILURE_REASONS as readonly string[]).includes(m?.[1] ?? '') ? (m![1] as SessionFailureReason) : 'malformed';
    init.counters.helloRefusals[reason]++;
    return reason;
  };
  ch.onClose((code, text) => {
    if (finished) return;
    finish();
    if (code === SESSION_FAILED_CLOSE_CODE) {
      const reason = refusal(text);
      onEnd(undefined, sessionFailed(reason, `refused by the peer at ${ch.remoteAddress}`, { byPeer: true, remoteAddress: ch.remoteAddress }));
    } else {
      c.logger.debug({ remote: ch.remoteAddress, code, reason: text }, 'channel closed during session establishment');
      onEnd(undefined, new MeshgateError('MG_ERR_LINK_CONNECT', `channel to ${ch.remoteAddress} closed during session establishment (${code})`, { remoteAddress: ch.remoteAddress }));
    }
  });
  ch.onRecord((rec) => {
    if (finished) return;
    let step;
    try {
      step = hs.receive(rec);
    } catch (err) {
      return fail(err instanceof MeshgateError ? err : sessionFailed('malformed', String(err)));
    }
    for (const r of step.send) ch.send(r);
    if (!step.done) return;
    const r = step.done;
    const decision = c.authority.authorize(r);
    if (!decision.ok) return fail(hs.fail(decision.reason, decision.message));
    const admit = c.admission.allowPeer(r.peer.peerId, ch.remoteIp ?? '');
    if (!admit.ok) return fail(hs.fail('refused', `${admit.code}: ${admit.reason}`));
    const secure = new SecureSession({ ciphers: r.ciphers, maxFrameBytes: init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, rekeyInterval: init.rekeyInterval });
    if (init.role === 'listener') {
      // the listener authenticates the dialler last (message 3): it confirms, then both sides have a link
      for (const rec of secure.sealConfirm()) ch.send(rec);
      return established(r, secure);
    }
    // the dialler waits for the listener's confirmation, so it never holds a link the listener refused
    ch.onRecord((rec) => {
      if (finished) return;
      let ms;
      try {
        ms = secure.open(rec);
      } catch (err) {
        return fail(hs.fail(err instanceof MeshgateError && err.code === 'MG_ERR_SESSION_DECRYPT' ? 'transcript' : 'malformed', String(err)));
      }
      if (ms.length !== 1 || ms[0].kind !== 'confirm') return fail(hs.fail('malformed', 'the first record after the handshake is not a confirmation'));
      established(r, secure);
    });
  });
  const established = (r: SessionHandshakeResult, secure: SecureSession) => {
    finish();
    const link = new SecureLink(
      { logger: c.logger, now: c.now, admission: c.admission, onRefused: (text) => void refusal(text) },
      { id: init.linkId, kind: init.linkKind, channel: ch, result: r, secure, transport: init.transport, maxFrameBytes: init.maxFrameBytes, maxBufferedBytes: init.maxBufferedBytes },
    );
    init.counters.modes[r.negotiated.mode] = (init.counters.modes[r.negotiated.mode] ?? 0) + 1;
    try {
      c.authority.opened?.(link);
    } catch (err) {
      c.logger.warn({ err: String(err) }, 'session authority opened() threw');
    }
    c.logger.info({ link: link.id, peer: r.peer.peerId, nickname: r.peer.nickname, version: r.peer.version, mode: r.negotiated.mode, features: r.negotiated.features }, 'gateway session established');
    onEnd(link);
  };
  for (const r of hs.start()) ch.send(r);
}

/** Counters every session-based gateway adapter (WebSocket, WebTransport) reports on status. */
export interface SessionAdapterStats {
  /** Sessions this side refused, by reason. */
  helloFailures: Record<SessionFailureReason, number>;
  /** Sessions the peer refused (close 4001), by the reason it gave. */
  helloRefusals: Record<SessionFailureReason, number>;
  /** Established sessions by negotiated mode. */
  modes: Record<string, number>;
  /** Outbound connection attempts. */
  dials: number;
  /** Inbound connections accepted. */
  accepted: number;
  /** Inbound connections refused (connection cap or admission). */
  refused: number;
  /** Authenticated links open now. */
  active: number;
  /** Connections open now that have not (yet) established a session. */
  pending: number;
}

/**
 * The end of {@link runSession} as both gateway adapters handle it: a failure is reported
 * through `emit.error`; an established link is tracked in `links` until it closes, handed to
 * `onEnd`, then announced through `emit.link`.
 */
export function sessionEnd(
  links: Set<SecureLink>,
  emit: { link(link: SecureLink): void; error(err: MeshgateError): void },
  onEnd: (link: SecureLink | undefined) => void,
): (link: SecureLink | undefined, err?: MeshgateError) => void {
  return (link, err) => {
    if (!link) {
      if (err) emit.error(err);
      onEnd(undefined);
      return;
    }
    links.add(link);
    link.on('close', () => links.delete(link));
    onEnd(link);
    emit.link(link);
  };
}
