/**
 * bench/overlay — gateway overlay sessions (issue 6):
 *
 * 1. bitchat frames per second through an encrypted gateway session over WebSocket
 *    (Noise XX + ChaCha20-Poly1305 record layer, src/overlay/transports) against a raw `ws`
 *    echo pipe, in the same run. Both run the same echo pattern over loopback: the client
 *    sends signed 200-byte-text public messages (real bitchat frames), the far end echoes
 *    each frame, at most WINDOW frames in flight; figure = frames echoed per second.
 *    Goal: encryptedVsRawRatio >= 0.5.
 * 2. WebTransport (HTTP/2, @fails-components/webtransport) against WebSocket, both encrypted
 *    sessions, same echo pattern: wtVsWsRatio.
 * 3. Handshake time: session establishment over loopback (TCP + WebSocket upgrade + hellos +
 *    Noise XX + confirmation), median over HANDSHAKES dials, and the CPU cost of the pure
 *    handshake in memory (both sides), against one X25519 DH as the unit.
 *
 * Usage: npm run bench:overlay [-- --frames 20000 --handshakes 30]
 * Last line: one JSON object with the figures.
 */
import { arch, cpus, platform, tmpdir, totalmem } from 'node:os';
import { diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../src/ports/logger.js';
import type { Link } from '../src/ports/link.js';
import { encodePacket } from '../src/protocol/codec.js';
import { signPacket } from '../src/protocol/signing.js';
import { ed25519PrivateKey, generateIdentityKeys, peerIdFromNoiseKey, peerIdHexFromNoiseKey } from '../src/protocol/keys.js';
import { MessageType } from '../src/protocol/packet.js';
import { WsGatewayLinkAdapter, WebTransportLinkAdapter, loadOrCreateCertificate } from '../src/overlay/transports/index.js';
import { SessionHandshake, defaultNegotiationPolicy } from '../src/overlay/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const FRAMES = arg('frames', 20_000);
const HANDSHAKES = arg('handshakes', 30);
/** Frames in flight in the throughput runs; the ping-pong runs use 1 (one record per frame, no batching). */
const WINDOW = 256;
const PING_PONGS = arg('pingpongs', 3_000);
const ROUNDS = arg('rounds', 3);

function identity() {
  const keys = generateIdentityKeys();
  return { keys, peerId: peerIdHexFromNoiseKey(keys.noisePublicKey) };
}

function bitchatFrames(n: number): Uint8Array[] {
  const phone = generateIdentityKeys();
  const key = ed25519PrivateKey(phone.signingPrivateKey);
  const sender = peerIdFromNoiseKey(phone.noisePublicKey);
  const out: Uint8Array[] = [];
  for (let i = 0; i < Math.min(n, 512); i++) {
    const text = randomBytes(150).toString('base64'); // 200 characters that do not compress
    out.push(encodePacket(signPacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: Date.now(), flags: 0, senderID: sender, payload: new TextEncoder().encode(text) }, key)));
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Echo `frames.length` frames through send/onEcho with at most WINDOW in flight; frames/s. */
async function echoRun(total: number, frames: Uint8Array[], send: (f: Uint8Array) => boolean, onEcho: (fn: () => void) => void, window = WINDOW): Promise<number> {
  let sent = 0;
  let echoed = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const pump = () => {
    while (sent < total && sent - echoed < window) {
      if (!send(frames[sent % frames.length])) break;
      sent++;
    }
  };
  onEcho(() => {
    echoed++;
    if (echoed === total) resolve();
    else pump();
  });
  const t0 = performance.now();
  pump();
  const retry = setInterval(pump, 1);
  await done;
  clearInterval(retry);
  return total / ((performance.now() - t0) / 1000);
}

async function rawWs(frames: Uint8Array[]): Promise<{ rate: number; pingPong: number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })));
  const port = (wss.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((r) => ws.once('open', () => r()));
  let listener = () => {};
  ws.on('message', () => listener());
  const send = (f: Uint8Array) => (ws.bufferedAmount > 1024 * 1024 ? false : (ws.send(f, { binary: true }), true));
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(await echoRun(FRAMES, frames, send, (fn) => (listener = fn)));
  const pingPong = await echoRun(PING_PONGS, frames, send, (fn) => (listener = fn), 1);
  ws.close();
  await new Promise<void>((r) => wss.close(() => r()));
  return { rate: median(rates), pingPong };
}

async function linkPair(kind: 'ws' | 'wt', dir: string): Promise<{ d: Link; l: Link; stop: () => Promise<void> }> {
  const lLinks: Link[] = [];
  const dLinks: Link[] = [];
  if (kind === 'ws') {
    const L = new WsGatewayLinkAdapter({ logger: silentLogger, identity: identity() }, { listen: { host: '127.0.0.1', port: 0 }, nickname: 'bench-l', pingIntervalMs: 0 });
    L.on('link', (x) => lLinks.push(x));
    await L.start();
    const D = new WsGatewayLinkAdapter({ logger: silentLogger, identity: identity() }, { peers: [`ws://127.0.0.1:${L.address()!.port}/meshgate`], nickname: 'bench-d', pingIntervalMs: 0 });
    D.on('link', (x) => dLinks.push(x));
    await D.start();
    while (!(lLinks.length && dLinks.length)) await new Promise((r) => setTimeout(r, 2));
    return { d: dLinks[0], l: lLinks[0], stop: async () => void (await Promise.all([D.stop(), L.stop()])) };
  }
  const cert = await loadOrCreateCertificate({ stateDir: dir, name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() });
  const L = new WebTransportLinkAdapter({ logger: silentLogger, identity: identity() }, { listen: { host: '127.0.0.1', port: 0, certPem: cert.certPem, keyPem: cert.keyPem }, nickname: 'bench-l' });
  L.on('link', (x) => lLinks.push(x));
  await L.start();
  const D = new WebTransportLinkAdapter({ logger: silentLogger, identity: identity() }, { peers: [`https://127.0.0.1:${L.address()!.port}/meshgate?certhash=${cert.sha256}`], nickname: 'bench-d' });
  D.on('link', (x) => dLinks.push(x));
  await D.start();
  while (!(lLinks.length && dLinks.length)) await new Promise((r) => setTimeout(r, 2));
  return { d: dLinks[0], l: lLinks[0], stop: async () => void (await Promise.all([D.stop(), L.stop()])) };
}

async function sessionEcho(kind: 'ws' | 'wt', frames: Uint8Array[], dir: string): Promise<{ rate: number; pingPong: number }> {
  const { d, l, stop } = await linkPair(kind, dir);
  const queue: Uint8Array[] = [];
  // the far end echoes; on back-pressure it retries on the next tick
  const flush = () => {
    while (queue.length && l.send(queue[0])) queue.shift();
  };
  l.on('frame', (f) => {
    queue.push(f);
    flush();
  });
  const retry = setInterval(flush, 1);
  let listener = () => {};
  d.on('frame', () => listener());
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(await echoRun(FRAMES, frames, (f) => d.send(f), (fn) => (listener = fn)));
  const pingPong = await echoRun(PING_PONGS, frames, (f) => d.send(f), (fn) => (listener = fn), 1);
  clearInterval(retry);
  await stop();
  return { rate: median(rates), pingPong };
}

async function handshakeLoopback(): Promise<number> {
  const L = new WsGatewayLinkAdapter({ logger: silentLogger, identity: identity() }, { listen: { host: '127.0.0.1', port: 0 }, nickname: 'hs-l', pingIntervalMs: 0 });
  await L.start();
  const url = `ws://127.0.0.1:${L.address()!.port}/meshgate`;
  const times: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const D = new WsGatewayLinkAdapter({ logger: silentLogger, identity: identity() }, { peers: [url], nickname: 'hs-d', pingIntervalMs: 0 });
    const t0 = performance.now();
    const up = new Promise<void>((r) => D.on('link', () => r()));
    await D.start();
    await up;
    times.push(performance.now() - t0);
    await D.stop();
  }
  await L.stop();
  return median(times);
}

function handshakeCpu(): { handshakeMs: number; dhMs: number } {
  const policy = defaultNegotiationPolicy();
  const a = generateIdentityKeys();
  const b = generateIdentityKeys();
  const runs = Math.max(20, HANDSHAKES * 4);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const d = new SessionHandshake({ role: 'dialler', identity: a, nickname: 'a', policy });
    const l = new SessionHandshake({ role: 'listener', identity: b, nickname: 'b', policy });
    const toL = [...d.start()];
    const toD = [...l.start()];
    while (toL.length || toD.length) {
      for (const r of toL.splice(0)) toD.push(...l.receive(r).send);
      for (const r of toD.splice(0)) toL.push(...d.receive(r).send);
    }
  }
  const handshakeMs = (performance.now() - t0) / runs;
  const k1 = generateKeyPairSync('x25519');
  const k2 = generateKeyPairSync('x25519');
  const t1 = performance.now();
  for (let i = 0; i < runs * 10; i++) diffieHellman({ privateKey: k1.privateKey, publicKey: k2.publicKey });
  return { handshakeMs, dhMs: (performance.now() - t1) / (runs * 10) };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-overlay-'));
  const frames = bitchatFrames(FRAMES);
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: round(totalmem() / 1024 ** 3), platform: platform(), arch: arch(), node: process.version };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  console.log(`frames: ${frames[0].length}-byte signed bitchat messages, ${FRAMES} per round, ${ROUNDS} rounds, window ${WINDOW}`);
  const raw = await rawWs(frames);
  const enc = await sessionEcho('ws', frames, dir);
  const wt = await sessionEcho('wt', frames, dir);
  console.log(`throughput (window ${WINDOW}): raw ws ${round(raw.rate, 0)}, encrypted ws session ${round(enc.rate, 0)} (${round(enc.rate / raw.rate, 2)} of raw), WebTransport h2 ${round(wt.rate, 0)} (${round(wt.rate / enc.rate, 2)} of ws) frames/s`);
  console.log(`ping-pong (window 1, one record per frame): raw ws ${round(raw.pingPong, 0)}, encrypted ws ${round(enc.pingPong, 0)} (${round(enc.pingPong / raw.pingPong, 2)} of raw), WebTransport h2 ${round(wt.pingPong, 0)} frames/s`);
  const hsLoop = await handshakeLoopback();
  const cpu = handshakeCpu();
  console.log(`session establishment over loopback ws: median ${round(hsLoop, 2)} ms; handshake CPU (both sides) ${round(cpu.handshakeMs, 3)} ms = ${round(cpu.handshakeMs / cpu.dhMs, 1)} X25519 DHs`);
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'overlay',
      machine,
      frameBytes: frames[0].length,
      framesPerRound: FRAMES,
      rawWsFramesPerSec: round(raw.rate, 0),
      encryptedWsFramesPerSec: round(enc.rate, 0),
      encryptedVsRawRatio: round(enc.rate / raw.rate, 3),
      webTransportH2FramesPerSec: round(wt.rate, 0),
      wtVsWsRatio: round(wt.rate / enc.rate, 3),
      rawWsPingPongPerSec: round(raw.pingPong, 0),
      encryptedWsPingPongPerSec: round(enc.pingPong, 0),
      pingPongEncryptedVsRawRatio: round(enc.pingPong / raw.pingPong, 3),
      webTransportH2PingPongPerSec: round(wt.pingPong, 0),
      handshakeLoopbackMs: round(hsLoop, 2),
      handshakeCpuMs: round(cpu.handshakeMs, 3),
      x25519DhMs: round(cpu.dhMs, 4),
      handshakeCpuInDhX: round(cpu.handshakeMs / cpu.dhMs, 1),
    }),
  );
  process.exit(0);
}

void main();
