/**
 * Why a gateway session failed to establish: the `reason` detail of the error, counted per
 * reason by the transports and mapped to a peer-admission offence.
 */
import { MeshgateError, type ErrorCode } from '../../errors.js';
import type { Offence } from '../../ports/admission.js';

export type SessionFailureReason =
  | 'version'
  | 'incompatible'
  | 'peer-id-mismatch'
  | 'transcript'
  | 'self'
  | 'not-allowed'
  | 'malformed'
  | 'timeout'
  | 'downgrade'
  | 'refused';

/** Every reason, for counters. */
export const SESSION_FAILURE_REASONS: readonly SessionFailureReason[] = ['version', 'incompatible', 'peer-id-mismatch', 'transcript', 'self', 'not-allowed', 'malformed', 'timeout', 'downgrade', 'refused'];

/** Error code per reason: incompatible and downgrade have their own; the rest are handshake failures. */
export function failureCode(reason: SessionFailureReason): ErrorCode {
  if (reason === 'incompatible') return 'MG_ERR_SESSION_INCOMPATIBLE';
  if (reason === 'downgrade') return 'MG_ERR_SESSION_DOWNGRADE';
  return 'MG_ERR_HELLO_FAILED';
}

/** The admission offence a failure is reported as, if it is misbehaviour (not mere incompatibility). */
export function failureOffence(reason: SessionFailureReason): Offence | undefined {
  switch (reason) {
    case 'peer-id-mismatch':
      return 'bad-signature';
    case 'transcript':
    case 'timeout':
      return 'handshake-failure';
    case 'malformed':
      return 'invalid-frame';
    case 'downgrade':
      return 'downgrade';
    default:
      return undefined;
  }
}

/** Build the error for a failure; `details.reason` carries the reason. */
export function sessionFailed(reason: SessionFailureReason, message: string, details: Record<string, unknown> = {}): MeshgateError {
  return new MeshgateError(failureCode(reason), `${reason}: ${message}`, { ...details, reason });
}

/** The reason of a session failure error, or undefined for other errors. */
export function sessionFailureReason(err: unknown): SessionFailureReason | undefined {
  if (!(err instanceof MeshgateError)) return undefined;
  const r = err.details?.reason;
  return typeof r === 'string' && (SESSION_FAILURE_REASONS as readonly string[]).includes(r) ? (r as SessionFailureReason) : undefined;
}
