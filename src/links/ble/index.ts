/** Bluetooth LE links: the bleno peripheral and noble central adapters (docs/ble.md). */
export * from './ble-gatt.js';
export * from './ble-fragmenter.js';
export * from './ble-link.js';
export * from './ble-library-types.js';
export * from './ble-peripheral-adapter.js';
export * from './ble-central-adapter.js';
export * from './ble-radio.js';
