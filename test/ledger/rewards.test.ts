/** Reward rules: integers only, base 1 unit per delivered message, bonus ≤ base, 10 % for new identities, caps, and every zero with its code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BASE_FEE, DEFAULT_REWARD_RULES, assessReceipt, latencyScore, performanceBonus, type ReceiptFacts, type RewardRules } from '../../src/ledger/index.js';
import { MessageType } from '../../src/protocol/packet.js';
import { entry, identity } from './ledger-fixtures.js';

const O = identity();
const R = identity();
const S = identity();
const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const rules: RewardRules = { ...DEFAULT_REWARD_RULES, newIdentityAgeMs: DAY };

function facts(over: Partial<ReceiptFacts> = {}): ReceiptFacts {
  const e = over.entry ?? entry({ origin: O.peerId, relayer: R.peerId, signer: S.peerId, counter: 1, latencyMs: 100, availabilityPermille: 1000 });
  return {
    entry: e,
    self: R.peerId,
    sent: { origin: e.origin, recipient: e.recipient, type: e.type },
    replayed: false,
    alreadyCredited: false,
    keys: { origin: O.pub, relayer: R.pub, signer: S.pub },
    firstSeen: { origin: NOW - 2 * DAY, relayer: NOW - 2 * DAY, signer: NOW - 2 * DAY },
    now: NOW,
    pairCredited: 0,
    epochCredited: 0,
    ...over,
  };
}

test('a delivered, fast, fully available message earns base + full bonus = 2 units, in integers', () => {
  const a = assessReceipt(facts(), rules);
  assert.deepEqual({ units: a.units, base: a.base, bonus: a.bonus, code: a.code }, { units: 2 * BASE_FEE, base: BASE_FEE, bonus: BASE_FEE, code: undefined });
});

test('the bonus comes from the signer-measured latency and availability, graded linearly, and never exceeds the base', () => {
  assert.equal(latencyScore(1_000, rules), 1000);
  assert.equal(latencyScore(5_500, rules), 500);
  assert.equal(latencyScore(10_000, rules), 0);
  assert.equal(performanceBonus({ latencyMs: 5_500, availabilityPermille: 500 }, rules), 500);
  assert.equal(performanceBonus({ latencyMs: 60_000, availabilityPermille: 0 }, rules), 0);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 1000 }), (latencyMs, availabilityPermille) => {
      const b = performanceBonus({ latencyMs, availabilityPermille }, rules);
      assert.ok(Number.isInteger(b) && b >= 0 && b <= BASE_FEE);
    }),
    { numRuns: 300, seed: 8 },
  );
});

test('a new relayer earns 10 % until aged', () => {
  const a = assessReceipt(facts({ firstSeen: { origin: NOW - 2 * DAY, relayer: NOW - 1_000, signer: NOW - 2 * DAY } }), rules);
  assert.equal(a.units, (2 * BASE_FEE * 10) / 100);
  assert.equal(a.newIdentity, true);
});

test('self-relay through two fresh identities (any two of origin, relayer, signer new) earns 0: MG_ERR_LEDGER_SELF_RELAY', () => {
  const old = NOW - 2 * DAY;
  for (const firstSeen of [
    { origin: NOW - 1_000, relayer: old, signer: NOW - 5_000 },
    { origin: old, relayer: NOW - 1_000, signer: NOW - 5_000 },
    { origin: NOW - 1_000, relayer: NOW - 5_000, signer: old },
  ]) {
    const a = assessReceipt(facts({ firstSeen }), rules);
    assert.deepEqual([a.units, a.code], [0, 'MG_ERR_LEDGER_SELF_RELAY'], JSON.stringify(firstSeen));
  }
  // one new party alone is an ordinary newcomer, not self-dealing
  assert.equal(assessReceipt(facts({ firstSeen: { origin: NOW - 1_000, relayer: NOW - 2 * DAY, signer: NOW - 2 * DAY } }), rules).units, 2 * BASE_FEE);
});

test("the gateway's own packets, and parties sharing an identity or signing key, earn 0: MG_ERR_LEDGER_SELF_RELAY", () => {
  const own = entry({ origin: R.peerId, relayer: R.peerId, signer: S.peerId, counter: 1 });
  assert.equal(assessReceipt(facts({ entry: own }), rules).code, 'MG_ERR_LEDGER_SELF_RELAY');
  const signerIsOrigin = entry({ origin: S.peerId, relayer: R.peerId, signer: S.peerId, counter: 1 });
  assert.equal(assessReceipt(facts({ entry: signerIsOrigin }), rules).code, 'MG_ERR_LEDGER_SELF_RELAY');
  const sameKey = assessReceipt(facts({ keys: { origin: O.pub, relayer: R.pub, signer: R.pub } }), rules);
  assert.deepEqual([sameKey.units, sameKey.code], [0, 'MG_ERR_LEDGER_SELF_RELAY']);
});

test('each other zero says why: replayed, unknown packet, double claim, not billable, wrong relayer, mismatching hand-over', () => {
  const cases: Array<[Partial<ReceiptFacts>, string]> = [
    [{ replayed: true }, 'MG_ERR_LEDGER_REPLAYED'],
    [{ sent: undefined }, 'MG_ERR_LEDGER_UNKNOWN_PACKET'],
    [{ alreadyCredited: true }, 'MG_ERR_LEDGER_DOUBLE_CLAIM'],
    [{ self: identity().peerId }, 'MG_ERR_LEDGER_RECEIPT_INVALID'],
    [{ sent: { origin: O.peerId, recipient: 'ffffffffffffffff', type: MessageType.FILE_TRANSFER } }, 'MG_ERR_LEDGER_RECEIPT_INVALID'],
  ];
  for (const [over, code] of cases) {
    const a = assessReceipt(facts(over), rules);
    assert.deepEqual([a.units, a.code], [0, code], code);
  }
  const frag = entry({ origin: O.peerId, relayer: R.peerId, signer: S.peerId, counter: 1, type: MessageType.FRAGMENT });
  const a = assessReceipt(facts({ entry: frag }), rules);
  assert.deepEqual([a.units, a.code], [0, 'MG_ERR_LEDGER_NOT_BILLABLE'], 'never per fragment');
});

test('caps per (origin, recipient) pair and per epoch clip the amount; at the cap a receipt earns 0 with MG_ERR_LEDGER_CAP_REACHED', () => {
  const capped: RewardRules = { ...rules, capPerPair: 5 * BASE_FEE, capPerEpoch: 7 * BASE_FEE };
  assert.equal(assessReceipt(facts({ pairCredited: 4.5 * BASE_FEE }), capped).units, BASE_FEE / 2);
  const atPair = assessReceipt(facts({ pairCredited: 5 * BASE_FEE }), capped);
  assert.deepEqual([atPair.units, atPair.code], [0, 'MG_ERR_LEDGER_CAP_REACHED']);
  const atEpoch = assessReceipt(facts({ epochCredited: 7 * BASE_FEE }), capped);
  assert.deepEqual([atEpoch.units, atEpoch.code], [0, 'MG_ERR_LEDGER_CAP_REACHED']);
});

test('config: ledger.latencyBadMs must exceed ledger.latencyGoodMs (MG_ERR_CONFIG_INVALID naming the field)', async () => {
  const { loadConfig } = await import('../../src/gateway/config.js');
  assert.throws(() => loadConfig({ flags: { '--ledger-latency-good-ms': '5000', '--ledger-latency-bad-ms': '5000' } }), (err: any) => err.code === 'MG_ERR_CONFIG_INVALID' && /ledger\.latencyBadMs/.test(err.message));
  assert.equal(loadConfig({}).ledger.latencyBadMs, 10_000);
});
