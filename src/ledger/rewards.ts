/**
 * Reward rules (integers only). Amounts are in milli-units (mu): 1 unit = 1,000 mu, so the
 * 10 % rate for new identities and the graded performance bonus stay exact integers.
 *
 * For one receipt (signer S acknowledges that relayer R handed it a packet from origin O):
 * - base fee: 1 unit (1,000 mu) per delivered origin-signed message — only billable types
 *   (message 0x02, file transfer 0x22, voice 0x29; never a fragment 0x20, an announce, a
 *   sync response), at most once per (packet ID, relayer) whichever gateway signed;
 * - never for R's own packets, and never unless O, R and S are three different parties
 *   (three peer IDs and, where known, three signing keys); a receipt in which two of the
 *   three parties are new identities is treated as self-dealing (anyone can mint two fresh
 *   identities and relay between them);
 * - performance bonus ≤ 1× base, from what S measured and signed, not what R claims:
 *   bonus = ⌊base × (latencyScore + availability) / 2000⌋ with availability in ‰ and
 *   latencyScore = 1000 at or below `latencyGoodMs`, 0 at or above `latencyBadMs`, linear
 *   between;
 * - if R itself is younger than `newIdentityAgeMs` (first seen by this ledger), it earns
 *   ⌊(base + bonus) × 10 / 100⌋;
 * - caps per epoch: per (origin, recipient) pair and in total; the amount is clipped to
 *   what is left under both.
 *
 * Receipts that earn nothing say why with an error code (docs/errors.md).
 */
import type { ErrorCode } from '../errors.js';
import { MessageType } from '../protocol/packet.js';
import type { ReceiptEntry } from './receipt.js';

/** Milli-units per unit. */
export const MILLI_UNITS_PER_UNIT = 1000;
/** The base fee, mu (1 unit). */
export const BASE_FEE = MILLI_UNITS_PER_UNIT;
/** Percentage a new identity earns until aged. */
export const NEW_IDENTITY_PERCENT = 10;
/** Packet types that earn: signed messages (bitchat-spec.md §2 lists them as signed). */
export const BILLABLE_TYPES: ReadonlySet<number> = new Set([MessageType.MESSAGE, MessageType.FILE_TRANSFER, MessageType.VOICE_FRAME]);

/** Configurable parameters (config section `ledger`). Times in ms, amounts in mu. */
export interface RewardRules {
  readonly latencyGoodMs: number;
  readonly latencyBadMs: number;
  readonly capPerPair: number;
  readonly capPerEpoch: number;
  readonly newIdentityAgeMs: number;
}

export const DEFAULT_REWARD_RULES: RewardRules = {
  latencyGoodMs: 1_000,
  latencyBadMs: 10_000,
  capPerPair: 100 * BASE_FEE,
  capPerEpoch: 100_000 * BASE_FEE,
  newIdentityAgeMs: 86_400_000,
};

/** What the crediting gateway knows about one receipt when it assesses it. */
export interface ReceiptFacts {
  readonly entry: ReceiptEntry;
  /** This gateway's peer ID (the only relayer it credits). */
  readonly self: string;
  /** What this gateway recorded handing to the signer under this packet ID, if anything. */
  readonly sent: { origin: string; recipient: string; type: number } | undefined;
  /** (signer, relayer, counter) or (signer, packet ID) was stored before. */
  readonly replayed: boolean;
  /** This packet already earned this relayer something (from any signer). */
  readonly alreadyCredited: boolean;
  /** Signing keys (hex) where known. */
  readonly keys: { readonly origin?: string | undefined; readonly relayer?: string | undefined; readonly signer?: string | undefined };
  /** When this ledger first saw each party, ms (undefined = now). */
  readonly firstSeen: { readonly origin?: number | undefined; readonly relayer?: number | undefined; readonly signer?: number | undefined };
  readonly now: number;
  /** mu credited so far this epoch for (origin, recipient), and in total. */
  readonly pairCredited: number;
  readonly epochCredited: number;
}

/** The assessment: units credited (mu), the parts, and the code when it earns nothing (or was clipped to nothing). */
export interface RewardAssessment {
  readonly units: number;
  readonly base: number;
  readonly bonus: number;
  readonly newIdentity: boolean;
  readonly code: ErrorCode | undefined;
}

/** latencyScore in ‰ (see file comment). */
export function latencyScore(latencyMs: number, rules: Pick<RewardRules, 'latencyGoodMs' | 'latencyBadMs'>): number {
  if (latencyMs <= rules.latencyGoodMs) return 1000;
  if (latencyMs >= rules.latencyBadMs) return 0;
  return Math.floor((1000 * (rules.latencyBadMs - latencyMs)) / (rules.latencyBadMs - rules.latencyGoodMs));
}

/** bonus = ⌊base × (latencyScore + availability‰) / 2000⌋, 0..base. */
export function performanceBonus(entry: Pick<ReceiptEntry, 'latencyMs' | 'availabilityPermille'>, rules: Pick<RewardRules, 'latencyGoodMs' | 'latencyBadMs'>): number {
  const avail = Math.min(1000, Math.max(0, entry.availabilityPermille));
  return Math.floor((BASE_FEE * (latencyScore(entry.latencyMs, rules) + avail)) / 2000);
}

/** True unless the three parties are distinct by peer ID and by every known signing key. */
export function partiesOverlap(entry: Pick<ReceiptEntry, 'origin' | 'relayer' | 'signer'>, keys: ReceiptFacts['keys'] = {}): boolean {
  if (entry.origin === entry.relayer || entry.origin === entry.signer || entry.relayer === entry.signer) return true;
  const k = [keys.origin, keys.relayer, keys.signer].filter((x): x is string => typeof x === 'string');
  return new Set(k).size !== k.length;
}

const zero = (code: ErrorCode): RewardAssessment => ({ units: 0, base: 0, bonus: 0, newIdentity: false, code });

/** Apply the rules to one receipt. Pure; never throws. */
export function assessReceipt(f: ReceiptFacts, rules: RewardRules): RewardAssessment {
  const e = f.entry;
  if (e.relayer !== f.self) return zero('MG_ERR_LEDGER_RECEIPT_INVALID');
  if (f.replayed) return zero('MG_ERR_LEDGER_REPLAYED');
  if (partiesOverlap(e, f.keys)) return zero('MG_ERR_LEDGER_SELF_RELAY');
  if (!f.sent) return zero('MG_ERR_LEDGER_UNKNOWN_PACKET');
  if (f.sent.origin !== e.origin || f.sent.recipient !== e.recipient || f.sent.type !== e.type) return zero('MG_ERR_LEDGER_RECEIPT_INVALID');
  if (!BILLABLE_TYPES.has(e.type)) return zero('MG_ERR_LEDGER_NOT_BILLABLE');
  const young = (t: number | undefined) => f.now - (t ?? f.now) < rules.newIdentityAgeMs;
  const fresh = [f.firstSeen.origin, f.firstSeen.relayer, f.firstSeen.signer].filter(young).length;
  if (fresh >= 2) return zero('MG_ERR_LEDGER_SELF_RELAY');
  if (f.alreadyCredited) return zero('MG_ERR_LEDGER_DOUBLE_CLAIM');
  const base = BASE_FEE;
  const bonus = performanceBonus(e, rules);
  const newIdentity = young(f.firstSeen.relayer);
  let units = base + bonus;
  if (newIdentity) units = Math.floor((units * NEW_IDENTITY_PERCENT) / 100);
  const room = Math.max(0, Math.min(rules.capPerPair - f.pairCredited, rules.capPerEpoch - f.epochCredited));
  if (units > room) units = room;
  return { units, base, bonus, newIdentity, code: units === 0 ? 'MG_ERR_LEDGER_CAP_REACHED' : undefined };
}
