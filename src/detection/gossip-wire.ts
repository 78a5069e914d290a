/**
 * Bodies of the detection gossip control messages (docs/detection.md §Wire), with their
 * validators (bodies come from another machine; a body that fails is dropped and counted
 * MG_ERR_CONTROL_BAD_BODY by the caller):
 *
 *   suspect { peer, inc }   "I suspect gateway `peer` at incarnation `inc`"
 *   alive   { peer, inc }   "gateway `peer` is alive at incarnation `inc`" (refutation)
 *   topo    { origin, seq, nbrs, phones, urls }  link-state record of gateway `origin`
 *
 * peer, origin, nbrs[i], phones[i]: 16 lowercase hex; inc, seq: non-negative safe
 * integers; nbrs ≤ 64 entries, phones ≤ 256, urls ≤ 64 entries (peer ID → ws:// or
 * wss:// URL of at most 256 characters).
 */
export const MAX_TOPO_NEIGHBOURS = 64;
export const MAX_TOPO_PHONES = 256;
export const MAX_TOPO_URLS = 64;

export interface RumourBody {
  peer: string;
  inc: number;
}

export interface TopoBody {
  origin: string;
  seq: number;
  nbrs: string[];
  phones: string[];
  urls: Record<string, string>;
}

const HEX16 = /^[0-9a-f]{16}$/;
const isObj = (b: unknown): b is Record<string, unknown> => typeof b === 'object' && b !== null && !Array.isArray(b);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPeerList = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && HEX16.test(x));

/** A URL a `topo` record may carry: ws:// or wss://, no whitespace, at most 256 characters. */
export function isTopoUrl(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 256 && /^wss?:\/\/[^\s]+$/.test(v);
}

/**
 * Largest incarnation number accepted in a rumour (2^32 − 1): a gateway increments its own
 * incarnation once per refutation, so real values stay far below; the cap keeps a forged
 * huge value from pushing incarnations past Number.MAX_SAFE_INTEGER.
 */
export const MAX_INCARNATION = 0xffff_ffff;

export function parseRumour(body: unknown): RumourBody | undefined {
  if (!isObj(body) || typeof body.peer !== 'string' || !HEX16.test(body.peer) || !isCount(body.inc) || body.inc > MAX_INCARNATION) return undefined;
  return { peer: body.peer, inc: body.inc };
}

export function parseTopo(body: unknown): TopoBody | undefined {
  if (!isObj(body) || typeof body.origin !== 'string' || !HEX16.test(body.origin) || !isCount(body.seq)) return undefined;
  if (!isPeerList(body.nbrs, MAX_TOPO_NEIGHBOURS) || !isPeerList(body.phones, MAX_TOPO_PHONES) || !isObj(body.urls)) return undefined;
  const urls: Record<string, string> = Object.create(null);
  const entries = Object.entries(body.urls);
  if (entries.length > MAX_TOPO_URLS) return undefined;
  for (const [k, v] of entries) {
    if (!HEX16.test(k) || !isTopoUrl(v)) return undefined;
    urls[k] = v;
  }
  return { origin: body.origin, seq: body.seq, nbrs: [...body.nbrs], phones: [...body.phones], urls };
}
