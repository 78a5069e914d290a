/**
 * Both BLE adapters pass the shared link compliance suite: the gateway side of each pair is
 * a real BleLink made by the real adapter on the real library (bleno / noble) with fake
 * bindings; the other side is the phone's end of the same fake connection.
 */
import { linkComplianceSuite, waitFor } from '../link-compliance.js';
import { connectCentral, FakeCentralLink, FakePeripheralLink, startCentral, startPeripheral } from './ble-harness.js';

let n = 0;

linkComplianceSuite('ble-peripheral (bleno, fake bindings, MTU 517)', async () => {
  const p = await startPeripheral({ queueFrames: 2_048 });
  const { central, link } = await connectCentral(p, `aa:00:00:00:00:${(n++ % 256).toString(16).padStart(2, '0')}`, 517);
  const b = new FakeCentralLink(central, p.radio);
  return {
    a: link,
    b,
    cleanup: async () => {
      await p.adapter.stop();
      await b.close();
    },
  };
});

linkComplianceSuite('ble-central (noble, fake bindings, MTU 517)', async () => {
  const c = await startCentral({ queueFrames: 2_048 });
  const phone = c.radio.addPeripheral({ id: `p${n}`, address: `bb:00:00:00:00:${(n++ % 256).toString(16).padStart(2, '0')}`, advertisedPeerId: 'fedcba9876543210' });
  phone.advertise();
  await waitFor(() => c.links.length === 1 && phone.subscribed, 3_000, 'central link');
  const b = new FakePeripheralLink(phone, c.radio);
  return {
    a: c.links[0],
    b,
    cleanup: async () => {
      await c.adapter.stop();
      await b.close();
    },
  };
});
