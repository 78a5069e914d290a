/**
 * A real `meshgate start` process with both BLE roles enabled on a machine without
 * Bluetooth (CI, this sandbox): start-up succeeds, /api/status reports each role's radio as
 * `unsupported`, and SIGTERM still stops the daemon cleanly (the
 * libraries' own SIGINT/exit handlers do not take over).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startGateway, waitFor } from '../helpers/processes.js';

const HAS_BLUETOOTH = existsSync('/sys/class/bluetooth/hci0');

test('start-up with BLE enabled and no Bluetooth succeeds and reports the radio as unsupported', async () => {
  const gw = await startGateway('ble', ['--ble-peripheral-enabled', 'true', '--ble-central-enabled', 'true']);
  try {
    await waitFor(async () => {
      const s = await gw.status();
      return s.modules?.ble?.peripheral?.state !== 'unknown' && s.modules?.ble?.central?.state !== 'unknown';
    }, 10_000, 'radio state reported');
    const s = await gw.status();
    const ble = s.modules.ble;
    assert.equal(ble.peripheral.controller, 'hci0');
    assert.equal(ble.central.controller, 'hci1');
    if (!HAS_BLUETOOTH) {
      assert.equal(ble.peripheral.state, 'unsupported');
      assert.equal(ble.central.state, 'unsupported');
    }
    assert.equal(ble.peripheral.advertising, false);
    assert.deepEqual(ble.peripheral.links, []);
    assert.equal(ble.central.scanning, false);
  } finally {
    const exited = new Promise<number | null>((r) => gw.proc.once('exit', (code) => r(code)));
    await gw.stop();
    assert.equal(await exited, 0, 'clean exit on SIGTERM');
  }
});
