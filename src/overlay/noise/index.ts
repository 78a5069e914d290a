/** Noise Protocol Framework (rev 34) pieces meshgate uses: Noise_XX_25519_ChaChaPoly_SHA256. */
export { CipherState, TAG_BYTES, KEY_BYTES, MAX_NOISE_MESSAGE_BYTES } from './cipher-state.js';
export { SymmetricState, noiseHkdf, HASH_BYTES } from './symmetric-state.js';
export { generateNoiseKeyPair, noiseKeyPairFromPrivate, withKeyObject, x25519Dh, DH_BYTES, type NoiseKeyPair } from './x25519.js';
export { XxHandshake, NOISE_PROTOCOL_NAME, XX_MESSAGES, type XxHandshakeInit, type TransportCiphers } from './handshake-xx.js';
