/**
 * `meshgate packet decode <hex>`, `meshgate packet encode` (JSON on stdin → hex),
 * `meshgate packet verify <hex> --key <ed25519 public key hex>`.
 */
import type { Command } from 'commander';
import { MeshgateError } from '../errors.js';
import { decodePacket, encodePacket } from '../protocol/codec.js';
import { fromHex, toHex } from '../protocol/hex.js';
import { packetFromJson, packetToJson } from '../protocol/packet-json.js';
import { verifyFrame, signPacket } from '../protocol/signing.js';
import { decodeAnnounce } from '../protocol/announce.js';
import { ed25519PrivateKey } from '../protocol/keys.js';
import { MessageType } from '../protocol/packet.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Decode hex to the packet JSON (announce payloads also as TLVs). @throws MeshgateError */
export function decodeHexToJson(hex: string): Record<string, unknown> {
  const frame = decodePacket(fromHex(hex));
  const json: Record<string, unknown> = { ...packetToJson(frame) };
  if (frame.packet.type === MessageType.ANNOUNCE) {
    let a;
    try {
      a = decodeAnnounce(frame.packet.payload);
    } catch (err) {
      // the packet itself decoded; say why its TLVs did not
      json.announce = null;
      json.announceError = err instanceof MeshgateError ? err.message : String(err);
      return json;
    }
    json.announce = {
      nickname: a.nickname,
      noisePublicKey: toHex(a.noisePublicKey),
      signingPublicKey: toHex(a.signingPublicKey),
      neighbors: a.neighbors ? a.neighbors.map(toHex) : null,
      capabilities: a.capabilities === undefined ? null : Number(a.capabilities),
      bridgeGeohash: a.bridgeGeohash ?? null,
    };
  } else if (frame.packet.type === MessageType.MESSAGE) {
    json.text = new TextDecoder('utf-8', { fatal: false }).decode(frame.packet.payload);
  }
  return json;
}

export function registerPacketCommands(program: Command): void {
  const packet = program.command('packet').description('decode, encode and verify bitchat packets');
  packet
    .command('decode <hex>')
    .description('print a bitchat frame as JSON with upstream field names')
    .action((hex: string) => {
      process.stdout.write(JSON.stringify(decodeHexToJson(hex), null, 2) + '\n');
    });
  packet
    .command('encode')
    .description('read packet JSON on stdin (as printed by decode) and print the frame as hex')
    .option('--sign-key <hex>', 'Ed25519 private key (32-byte seed, hex) to sign with')
    .option('--no-compress', 'never compress the payload')
    .option('--pad', 'apply PKCS#7 padding (default only for Noise packets)')
    .action(async (opts: { signKey?: string; compress: boolean; pad?: boolean }) => {
      let input: unknown;
      const text = await readStdin();
      try {
        input = JSON.parse(text);
      } catch {
        throw new MeshgateError('MG_ERR_BAD_PACKET_JSON', 'stdin is not valid JSON');
      }
      let p = packetFromJson(input);
      if (opts.signKey) p = signPacket({ ...p, signature: undefined }, ed25519PrivateKey(fromHex(opts.signKey, 32)), { compress: opts.compress });
      process.stdout.write(toHex(encodePacket(p, { compress: opts.compress, pad: opts.pad })) + '\n');
    });
  packet
    .command('verify <hex>')
    .description('exit 0 only if the frame carries a valid Ed25519 signature for --key')
    .requiredOption('--key <hex>', 'Ed25519 public key (32 bytes, hex)')
    .action((hex: string, opts: { key: string }) => {
      const frame = decodePacket(fromHex(hex));
      const key = fromHex(opts.key, 32);
      if (!frame.packet.signature) throw new MeshgateError('MG_ERR_BAD_SIGNATURE', 'packet carries no signature');
      if (!verifyFrame(frame, key)) throw new MeshgateError('MG_ERR_BAD_SIGNATURE', 'signature does not verify with the given key');
      process.stdout.write('valid\n');
    });
}
