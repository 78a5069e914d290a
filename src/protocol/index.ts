/**
 * `meshgate/protocol`: the bitchat wire protocol (bitchat-spec.md §2-§5, §7) — packet
 * codec, padding, compression, signatures, identity keys and peer IDs, announce TLVs,
 * fragments and reassembly, packet IDs and duplicate keys, Golomb-coded sets, request-sync.
 */
export * from './packet.js';
export * from './codec.js';
export * from './signing.js';
export * from './padding.js';
export * from './compression.js';
export * from './keys.js';
export * from './hex.js';
export * from './tlv.js';
export * from './announce.js';
export * from './fragment.js';
export * from './reassembler.js';
export * from './packet-id.js';
export * from './gcs.js';
export * from './request-sync.js';
export * from './packet-json.js';
export { MeshgateError, ERROR_CODES, isMeshgateError, type ErrorCode } from '../errors.js';
