/**
 * Live: two in-process gateways on a real loopback WebSocket gateway link, the link shaped
 * to 100,000 bytes/s by the qos module. While a bulk flood of 300 KB runs, control frames
 * keep low latency, and the bytes that arrive stay within the shaper's envelope.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadConfig } from '../../src/gateway/config.js';
import { QosModule } from '../../src/gateway/modules/qos-module.js';
import { silentLogger } from '../../src/ports/logger.js';
import { waitFor } from '../overlay/ws-helpers.js';

const RATE = 100_000;
const BURST = 4_096;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function startGateway(qos: QosModule, extra: Record<string, string> = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-qos-'));
  dirs.push(dir);
  const config = loadConfig({
    flags: {
      'state-dir': dir,
      'http-port': '0',
      'lan-port': '0',
      'gateway-port': '0',
      'http-host': '127.0.0.1',
      'lan-host': '127.0.0.1',
      'gateway-host': '127.0.0.1',
      'clock-source': 'synced',
      'qos-gateway-rate-bytes-per-sec': String(RATE),
      'qos-gateway-burst-bytes': String(BURST),
      'qos-aimd': 'false',
      ...extra,
    },
  });
  const gw = new Gateway({ logger: silentLogger, modules: [qos] }, config);
  await gw.start();
  return gw;
}

test('a shaped gateway link keeps control latency low under a bulk flood and stays within its envelope', async () => {
  const qa = new QosModule();
  const qb = new QosModule();
  const b = await startGateway(qb);
  const a = await startGateway(qa, { 'gateway-peers': `ws://127.0.0.1:${b.ports.gateway}/meshgate` });
  try {
    await waitFor(() => (a.status().links as unknown[]).length > 0 && (b.status().links as unknown[]).length > 0, 5_000, 'gateway link');
    const linkA = (a.status().links as Array<{ id: string }>)[0].id;
    const linkB = (b.status().links as Array<{ id: string }>)[0].id;
    const sender = qa.qosLink(linkA)!;
    const receiver = qb.qosLink(linkB)!;
    const arrivals: Array<{ t: number; bytes: number }> = [];
    receiver.on('frame', (f) => {
      if (f.length === 1_000 && f[1] === 0x22) arrivals.push({ t: performance.now(), bytes: f.length });
    });
    // hand-offs from the scheduler to the WebSocket (the shaper's output)
    const handoffs: Array<{ t: number; bytes: number }> = [];
    const inner = sender.inner;
    const innerSend = inner.send.bind(inner);
    inner.send = (f: Uint8Array) => {
      if (f.length === 1_000) handoffs.push({ t: Date.now(), bytes: f.length });
      return innerSend(f);
    };
    const latencies: number[] = [];
    b.control.on('probe', (m) => latencies.push(performance.now() - (m.body as { t: number }).t));
    // bulk flood: 300 frames of 1,000 bytes (file transfer type, unknown sender) = 3 s at the rate
    const frame = new Uint8Array(1_000);
    frame[0] = 1;
    frame[1] = 0x22;
    for (let i = 0; i < 300; i++) {
      frame[14] = i & 0xff;
      frame[15] = i % 4; // four flows
      sender.send(frame.slice());
    }
    const t0 = performance.now();
    // control probes every 50 ms during the flood
    while (performance.now() - t0 < 2_000) {
      a.control.send(linkA, 'probe', { t: performance.now() });
      await new Promise((r) => setTimeout(r, 50));
    }
    // every frame is either delivered or dropped by the AQM / queue limit (counted), none lost silently
    const dropped = () => Object.entries(sender.qosDrops()).reduce((n, [k, v]) => n + (k.startsWith('MG_ERR_QOS_') ? v : 0), 0);
    await waitFor(() => sender.shaper.scheduler.queuedUnits === 0 && arrivals.length + dropped() === 300, 8_000, 'flood delivered or counted').catch((e) => {
      throw new Error(`${String(e)}: queued ${sender.shaper.scheduler.queuedUnits}, arrived ${arrivals.length}, drops ${JSON.stringify(sender.stats().drops)}, credit ${JSON.stringify(sender.shaper.snapshot().credit)}`);
    });
    assert.ok(arrivals.length >= 150, `delivered ${arrivals.length}`);
    assert.ok(latencies.length >= 30, `probes arrived: ${latencies.length}`);
    const sorted = [...latencies].sort((x, y) => x - y);
    const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1];
    // without QoS a probe would wait behind up to 300 KB = 3 s of queued bulk
    assert.ok(p99 < 150, `control p99 ${p99.toFixed(1)} ms under flood`);
    // the shaper's output never exceeds the envelope: bytes in any window T <= rate*T + burst
    // (Date.now has 1 ms resolution: one ms of rate as slack)
    for (let i = 0; i < handoffs.length; i++) {
      let sum = 0;
      for (let j = i; j < handoffs.length; j++) {
        sum += handoffs[j].bytes;
        assert.ok(sum <= (RATE * (handoffs[j].t - handoffs[i].t + 1)) / 1000 + BURST, `hand-offs ${i}..${j}: ${sum} bytes in ${handoffs[j].t - handoffs[i].t} ms`);
      }
    }
    // and at the receiver, the measured rate over the whole flood (arrival times jitter with
    // the event loop, which both gateways share with the test)
    const first = arrivals[0].t;
    const span = arrivals[arrivals.length - 1].t - first;
    const cum = arrivals.slice(1).reduce((n, x) => n + x.bytes, 0);
    const measured = (cum * 1000) / (span || 1);
    assert.ok(measured <= RATE * 1.1 && measured >= RATE * 0.7, `measured ${measured.toFixed(0)} B/s vs ${RATE}`);
    // status: modules.qos has this link with its measured rate and per-class counters
    const st = a.status() as { modules: { qos: { links: Array<{ id: string; configuredRateBytesPerSec: number; measuredBytesPerSec: { last10s: number }; details: { classes: { bulk: { sentBytes: number }; control: { sentUnits: number } } } }> } } };
    const l = st.modules.qos.links.find((x) => x.id === linkA)!;
    assert.equal(l.configuredRateBytesPerSec, RATE);
    assert.ok(l.measuredBytesPerSec.last10s > 0 && l.measuredBytesPerSec.last10s <= RATE * 1.05 + BURST / 10, `status measured ${l.measuredBytesPerSec.last10s} B/s`);
    assert.equal(l.details.classes.bulk.sentBytes, arrivals.length * 1_000);
    assert.ok(l.details.classes.control.sentUnits >= latencies.length);
  } finally {
    await a.stop();
    await b.stop();
  }
});
