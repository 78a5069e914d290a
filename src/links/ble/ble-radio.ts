/**
 * Opening the real Bluetooth libraries on a chosen controller (the daemon's side of the
 * BLE adapters; tests construct `Bleno` / `Noble` with fake bindings instead).
 *
 * Controller selection (both libraries' HCI bindings, @stoprocent/bleno 0.12.4 /
 * @stoprocent/noble 2.8.0 `lib/hci-socket/hci.js`):
 * - HCI index `n` (`/dev/hciN` through a raw HCI socket): option `deviceId: n` (what the
 *   `BLENO_HCI_DEVICE_ID` / `NOBLE_HCI_DEVICE_ID` environment variables set).
 * - HCI over UART (e.g. a Zephyr `hci_uart` radio co-processor): option
 *   `hciDriver: 'uart', bindParams: { uart: { port, baudRate } }` (what
 *   `BLUETOOTH_HCI_SOCKET_UART_PORT` / `..._BAUDRATE` set; @stoprocent/bluetooth-hci-socket
 *   `lib/uart.js`).
 * On Linux one controller cannot serve both roles with these libraries: the peripheral
 * and the central each need their own.
 *
 * Two library defaults are adjusted (both documented in docs/ble.md):
 * - bleno's GATT server caps the ATT MTU at 256 (`lib/hci-socket/gatt.js` `maxMtu`); it
 *   is raised to 517 so Android's MTU request is granted in full.
 * - both bindings install a SIGINT handler that calls `process.exit(1)` when it is the
 *   last one, which would skip the daemon's orderly shutdown; it is removed (their `exit`
 *   handler, which stops the HCI socket, stays).
 *
 * The packages' index modules are not imported: they build a default instance with the
 * default controller at import time. `lib/resolve-bindings` builds one on request.
 */
import { createRequire } from 'node:module';
import { MAX_ATT_MTU } from './ble-gatt.js';
import type { BlenoLike, NobleLike } from './ble-library-types.js';

const require = createRequire(import.meta.url);

/** Which controller a role uses: an HCI index, or a UART port (with baud rate) when `uartPort` is not empty. */
export interface BleController {
  hciIndex: number;
  uartPort: string;
  uartBaudRate: number;
}

/** `hci0`, or `uart:/dev/ttyAMA0@1000000`. */
export function describeController(c: BleController): string {
  return c.uartPort ? `uart:${c.uartPort}@${c.uartBaudRate}` : `hci${c.hciIndex}`;
}

/** The HCI bindings options for a controller (see the module doc). */
export function bindingsOptions(c: BleController): Record<string, unknown> {
  if (c.uartPort) return { hciDriver: 'uart', bindParams: { uart: { port: c.uartPort, baudRate: c.uartBaudRate } } };
  return { deviceId: c.hciIndex };
}

type WithBindings = (type: string, options: Record<string, unknown>) => unknown;

function dropSigint(lib: unknown): void {
  const handler = (lib as { _bindings?: { _sigIntHandler?: (...a: unknown[]) => void } })._bindings?._sigIntHandler;
  if (typeof handler === 'function') process.removeListener('SIGINT', handler);
}

/**
 * A bleno instance on the controller, its bindings initialised, ATT MTU cap 517.
 * @throws Error (from the library) when the HCI driver cannot be loaded or bound; the
 *   peripheral adapter reports that as `unsupported` (MG_ERR_BLE_ADAPTER).
 */
export function openBleno(c: BleController): BlenoLike {
  const withBindings = require('@stoprocent/bleno/lib/resolve-bindings') as WithBindings;
  const bleno = withBindings('hci', bindingsOptions(c)) as BlenoLike & { _bindings?: { _gatt?: { maxMtu?: number } } };
  const gatt = bleno._bindings?._gatt;
  if (gatt && typeof gatt.maxMtu === 'number') gatt.maxMtu = MAX_ATT_MTU;
  // A 'stateChange' listener is what initialises bleno's bindings (lib/bleno.js).
  const noop = (): void => {};
  bleno.on('stateChange', noop);
  bleno.removeListener('stateChange', noop);
  dropSigint(bleno);
  return bleno;
}

/**
 * A noble instance on the controller, its bindings initialised (reading `state` starts them).
 * @throws Error (from the library) when the HCI driver cannot be loaded or bound.
 */
export function openNoble(c: BleController): NobleLike {
  const withBindings = require('@stoprocent/noble/lib/resolve-bindings') as WithBindings;
  const noble = withBindings('hci', bindingsOptions(c)) as NobleLike;
  void noble.state;
  dropSigint(noble);
  return noble;
}
