/**
 * bench/directory — gateway-directory advert intake vs the raw Ed25519 verify rate; uplink
 * selection and peer-admission decision rates.
 *
 * Intake: N gateways' signed adverts (`dir.advert` bodies) through `GatewayDirectory.receive`
 * — zod shape check, peer-ID hash, freshness, dedup, Ed25519 verify, TOFU pin, bounded
 * insert — first from gateways never seen (the signing key must be imported), then their
 * re-adverts (steady state: the key is cached). Baseline, same run, same re-adverts:
 * `crypto.verify` of the precomputed preimages with imported keys (what verification
 * alone must pay). steadyIntakeRatio = re-advert intake / raw. Key import rates (JWK as
 * the directory does, DER/SPKI as src/protocol/keys.ts does) show the first-sight cost.
 *
 * Selection: `UplinkSelector.evaluate` over 1,024 candidates (score, sort, hysteresis).
 * Admission: `PeerHygiene.allowAddress(…, 'outbound')` with 8 outbound sessions open.
 *
 * Usage: npm run bench:directory [-- --adverts 5000 --rounds 3]
 * Last line: one JSON object with the figures.
 */
import { cpus, arch, platform } from 'node:os';
import { verify as cryptoVerify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/ports/clock.js';
import { generateIdentityKeys, ed25519PublicKey } from '../src/protocol/keys.js';
import { advertPreimage, signAdvert, signingKeyFromHex, type Advert } from '../src/overlay/directory/advert.js';
import { GatewayDirectory, MemoryPinStore } from '../src/overlay/directory/gateway-directory.js';
import { UplinkSelector, type SelectionCandidate } from '../src/overlay/selection/uplink-selector.js';
import { PeerHygiene } from '../src/overlay/hygiene/peer-hygiene.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const ADVERTS = arg('adverts', 5_000);
const ROUNDS = arg('rounds', 3);

const clock = new ManualClock(Date.now());
const identities = Array.from({ length: ADVERTS }, () => generateIdentityKeys());
const sign = (iat: number): Advert[] =>
  identities.map((keys, i) =>
    signAdvert(keys, {
      iat,
      lifetimeMs: 300_000,
      endpoints: [`ws://203.0.${i >> 8}.${i & 255}:7778/meshgate`],
      position: [50 + (i % 10), 10 + (i % 7)],
      load: (i % 100) / 100,
      uptimeMs: i * 1000,
      fee: i % 50,
      bandwidthBytesPerSec: 1_000_000 + i,
      version: '0.1.0',
    }),
  );
const adverts = sign(clock.now());
const readverts = sign(clock.now() + 5_000);
const bodies = adverts.map((a) => ({ a, h: 0 }));
const rebodies = readverts.map((a) => ({ a, h: 0 }));
const keyObjects = adverts.map((a) => ed25519PublicKey(Buffer.from(a.sk, 'hex')));
const pre = readverts.map((a, i) => {
  const { sig, ...f } = a;
  return { msg: advertPreimage(f), sig: Buffer.from(sig, 'hex'), key: keyObjects[i] };
});

function best(fn: () => number): number {
  let b = 0;
  for (let r = 0; r < ROUNDS; r++) b = Math.max(b, fn());
  return b;
}
const newDirectory = () =>
  new GatewayDirectory({ clock, pins: new MemoryPinStore(), selfPeerId: 'ffffffffffffffff' }, { maxEntries: ADVERTS, maxLifetimeMs: 86_400_000, maxSkewMs: 120_000, minReadvertMs: 2_000, maxHops: 8 });
function timeIntake(dir: GatewayDirectory, list: Array<{ a: Advert; h: number }>): number {
  const t = performance.now();
  let ok = 0;
  for (const b of list) if (dir.receive(b, { linkId: 'l', peerId: undefined }).status === 'accepted') ok++;
  const s = (performance.now() - t) / 1000;
  if (ok !== list.length) throw new Error(`accepted ${ok} of ${list.length}`);
  return list.length / s;
}
let firstSight = 0;
let steady = 0;
for (let r = 0; r < ROUNDS; r++) {
  const dir = newDirectory();
  firstSight = Math.max(firstSight, timeIntake(dir, bodies));
  steady = Math.max(steady, timeIntake(dir, rebodies));
}
const raw = best(() => {
  const t = performance.now();
  let ok = 0;
  for (const p of pre) if (cryptoVerify(null, p.msg, p.key, p.sig)) ok++;
  const s = (performance.now() - t) / 1000;
  if (ok !== ADVERTS) throw new Error('raw verify failed');
  return ADVERTS / s;
});
const derImport = best(() => {
  const t = performance.now();
  for (const a of adverts) ed25519PublicKey(Buffer.from(a.sk, 'hex'));
  return ADVERTS / ((performance.now() - t) / 1000);
});
const jwkImport = best(() => {
  const t = performance.now();
  for (const a of adverts) signingKeyFromHex(a.sk);
  return ADVERTS / ((performance.now() - t) / 1000);
});
const duplicates = best(() => {
  const dir = newDirectory();
  for (const b of bodies) dir.receive(b, { linkId: 'l', peerId: undefined });
  const t = performance.now();
  for (const b of bodies) dir.receive(b, { linkId: 'l2', peerId: undefined });
  return ADVERTS / ((performance.now() - t) / 1000);
});

const candidates: SelectionCandidate[] = adverts.slice(0, 1024).map((a) => ({ peerId: a.id, metrics: { position: a.pos, load: a.load / 1000, uptimeS: a.up, fee: a.fee, bandwidthBytesPerSec: a.bw, version: a.ver } }));
const selector = new UplinkSelector({ clock }, { uplinks: 4, profile: 'latency', marginPercent: 20, holdMs: 30_000, ownVersion: '0.1.0', ownPosition: [52.5, 13.4], maxTracked: 2048 });
candidates.forEach((c, i) => selector.observeRtt(c.peerId, 10 + (i % 200)));
const evals = best(() => {
  const n = 200;
  const t = performance.now();
  for (let i = 0; i < n; i++) selector.evaluate(candidates);
  return n / ((performance.now() - t) / 1000);
});

const hygiene = new PeerHygiene({ clock }, { maxPeers: 64, maxOutbound: 8, maxPrefixSharePercent: 25, exemptPrivate: true, banThreshold: 100, banMs: 600_000, maxBanMs: 86_400_000, halfLifeMs: 900_000, maxEntries: 4096 });
for (let i = 0; i < 8; i++) hygiene.admitSession({ id: `s${i}`, peerId: undefined, address: `198.${i}.0.1:7778`, direction: 'outbound' });
for (let i = 0; i < 1000; i++) hygiene.report({ address: `203.0.${i >> 8}.${i & 255}`, offence: 'invalid-frame' });
const admissions = best(() => {
  const n = 100_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) hygiene.allowAddress(`192.0.${(i >> 8) & 255}.${i & 255}:1`, 'outbound');
  return n / ((performance.now() - t) / 1000);
});

const figures = {
  bench: 'directory',
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, arch: arch(), platform: platform() },
  node: process.version,
  adverts: ADVERTS,
  rounds: ROUNDS,
  steadyIntakePerSec: Math.round(steady),
  rawEd25519VerifyPerSec: Math.round(raw),
  steadyIntakeRatio: Math.round((steady / raw) * 1000) / 1000,
  firstSightIntakePerSec: Math.round(firstSight),
  keyImportJwkPerSec: Math.round(jwkImport),
  keyImportDerPerSec: Math.round(derImport),
  duplicateAdvertsPerSec: Math.round(duplicates),
  selectionEvaluationsPerSec1024Candidates: Math.round(evals),
  admissionDecisionsPerSec: Math.round(admissions),
};
console.log(`re-advert intake ${figures.steadyIntakePerSec}/s vs raw Ed25519 verify ${figures.rawEd25519VerifyPerSec}/s (ratio ${figures.steadyIntakeRatio}); first-sight ${figures.firstSightIntakePerSec}/s (key import JWK ${figures.keyImportJwkPerSec}/s, DER ${figures.keyImportDerPerSec}/s); duplicates ${figures.duplicateAdvertsPerSec}/s; selection over 1,024 candidates ${figures.selectionEvaluationsPerSec1024Candidates}/s; admission ${figures.admissionDecisionsPerSec}/s`);
console.log(JSON.stringify(figures));
