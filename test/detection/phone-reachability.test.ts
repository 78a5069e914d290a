/**
 * "When a phone's announces stop, it is marked unreachable once phi passes the threshold,
 * and reachable again on its next announce." A real Gateway (detection module included,
 * as `meshgate start` builds it) on a ManualClock, with a simulated phone on its LAN link
 * (real loopback socket) whose packet timestamps follow the same virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadConfig } from '../../src/gateway/config.js';
import { ManualClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { PhoneSimulator } from '../../src/phone/phone-simulator.js';
import type { DetectionModule } from '../../src/gateway/modules/detection-module.js';
import { waitFor } from '../helpers/processes.js';

test("a phone whose announces stop is unreachable once phi passes the threshold, and reachable again on its next announce", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-det-'));
  const clock = new ManualClock(Date.now());
  const config = loadConfig({
    flags: { 'state-dir': dir, 'http-port': '0', 'lan-port': '0', 'gateway-port': '0', 'http-host': '127.0.0.1', 'lan-host': '127.0.0.1', 'gateway-host': '127.0.0.1', 'clock-source': 'synced' },
  });
  const gw = new Gateway({ logger: silentLogger, clock }, config);
  await gw.start();
  const phone = new PhoneSimulator({ now: () => clock.now() }, { nickname: 'quiet', host: '127.0.0.1', port: gw.ports.lan! });
  const det = gw.module<DetectionModule>('detection')!;
  const states: string[] = [];
  try {
    assert.ok(det, 'the daemon runs the detection module');
    gw.events.on('peer-state', (e) => {
      if (e.peerId === phone.peerId) states.push(e.state);
    });
    await phone.connect();
    const accepted = () => (gw.status().relay as { accepted: number }).accepted;
    // announces every 20 s (the phone's heartbeat schedule)
    for (let i = 0; i < 6; i++) {
      const n = accepted();
      phone.announce();
      await waitFor(() => accepted() > n, 5_000, 'announce accepted');
      assert.equal(det.isReachable(phone.peerId), true, `reachable after announce ${i}`);
      clock.advance(20_000);
    }
    // silence: step 500 ms at a time until the state changes; phi must be at the threshold then, and below it a step before
    const threshold = config.detection.threshold;
    let lastPhi = 0;
    let steps = 0;
    while (det.peerState(phone.peerId) === 'alive' && steps < 400) {
      lastPhi = (gw.status() as any).modules.detection.phones.find((p: any) => p.id === phone.peerId).phi;
      clock.advance(500);
      steps++;
    }
    assert.equal(det.peerState(phone.peerId), 'suspect');
    assert.equal(det.isReachable(phone.peerId), false, 'unreachable');
    assert.ok(lastPhi < threshold, `phi ${lastPhi} was below the threshold while reachable`);
    const view = (gw.status() as any).modules.detection.phones.find((p: any) => p.id === phone.peerId);
    assert.ok(view.phi >= threshold, `phi ${view.phi} passed the threshold`);
    // with 20 s announces and a 10 s acceptable pause, phi passes 8 roughly 35-45 s after the last announce
    const silentMs = 20_000 + steps * 500; // the loop above already advanced 20 s past the last announce
    assert.ok(silentMs > 30_000 && silentMs < 60_000, `unreachable after ${silentMs} ms of silence`);
    const n = accepted();
    phone.announce();
    await waitFor(() => accepted() > n, 5_000, 'announce accepted');
    assert.equal(det.isReachable(phone.peerId), true, 'reachable again on the next announce');
    assert.deepEqual(states, ['alive', 'suspect', 'alive'], 'peer-state events: first heard, unreachable, reachable again');
  } finally {
    await phone.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
