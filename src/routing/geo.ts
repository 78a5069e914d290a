/**
 * Geometry for geographic routing: WGS-84 to a local planar frame, distances, dead
 * reckoning of moving nodes, and geohash cells.
 *
 * - Local frame: equirectangular projection about an origin, x = R·Δλ·cos φ0, y = R·Δφ
 *   (R = 6,371,008.8 m, the IUGG mean Earth radius); error < 0.1 % within ~10 km, which is
 *   far beyond BLE range. Snyder, "Map Projections: A Working Manual", USGS 1987, p. 90.
 * - Dead reckoning: p(t) = p(t0) + v · (t − t0) while t − t0 ≤ the staleness limit.
 * - Geohash: Niemeyer's base-32 interleaved latitude/longitude bits (geohash.org, 2008),
 *   as bitchat uses for location channels (TLV 0x06 bridge geohash).
 */
import { MeshgateError } from '../errors.js';
import type { GeoPosition, Point } from './types.js';

/** IUGG mean Earth radius, metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/** Project `p` to metres east/north of `origin` (equirectangular). */
export function toLocal(origin: { lat: number; lon: number }, p: { lat: number; lon: number }): Point {
  const rad = Math.PI / 180;
  return { x: EARTH_RADIUS_M * (p.lon - origin.lon) * rad * Math.cos(origin.lat * rad), y: EARTH_RADIUS_M * (p.lat - origin.lat) * rad };
}

/** Inverse of {@link toLocal}. */
export function fromLocal(origin: { lat: number; lon: number }, q: Point): { lat: number; lon: number } {
  const rad = Math.PI / 180;
  return { lat: origin.lat + q.y / EARTH_RADIUS_M / rad, lon: origin.lon + q.x / (EARTH_RADIUS_M * Math.cos(origin.lat * rad)) / rad };
}

/** Euclidean distance, metres. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * Dead-reckoned position of a fix at time `now` (ms): the fix moved by its velocity, or
 * the fix itself when it has none. undefined when the fix is older than `maxAgeMs`
 * (stale: callers fall back to non-geographic routing).
 */
export function predictPosition(fix: GeoPosition, now: number, maxAgeMs: number): GeoPosition | undefined {
  const age = now - fix.at;
  if (age > maxAgeMs || !Number.isFinite(fix.lat) || !Number.isFinite(fix.lon)) return undefined;
  const ve = fix.velocityEastMps ?? 0;
  const vn = fix.velocityNorthMps ?? 0;
  if ((ve === 0 && vn === 0) || age <= 0) return fix;
  const p = fromLocal(fix, { x: (ve * age) / 1000, y: (vn * age) / 1000 });
  // accuracy grows with the distance extrapolated (worst case: the velocity was wrong by itself)
  return { ...fix, lat: p.lat, lon: p.lon, accuracyM: fix.accuracyM + (Math.hypot(ve, vn) * age) / 1000, at: now };
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Geohash of a position with `precision` characters (1..12). */
export function geohashEncode(lat: number, lon: number, precision: number): string {
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let out = '';
  let bit = 0;
  let ch = 0;
  let even = true;
  while (out.length < precision) {
    if (even) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) {
        ch = (ch << 1) | 1;
        lonLo = mid;
      } else {
        ch <<= 1;
        lonHi = mid;
      }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) {
        ch = (ch << 1) | 1;
        latLo = mid;
      } else {
        ch <<= 1;
        latHi = mid;
      }
    }
    even = !even;
    if (++bit === 5) {
      out += BASE32[ch];
      bit = 0;
      ch = 0;
    }
  }
  return out;
}

/** A geohash cell: its bounds and centre, degrees. */
export interface GeohashCell {
  readonly latMin: number;
  readonly latMax: number;
  readonly lonMin: number;
  readonly lonMax: number;
  readonly lat: number;
  readonly lon: number;
}

/** Decode a geohash (case-insensitive). @throws MeshgateError MG_ERR_ROUTING_BAD_ARGUMENT for an empty, over-long (> 12) or non-base-32 string. */
export function geohashDecode(hash: string): GeohashCell {
  const h = hash.toLowerCase();
  if (h.length === 0 || h.length > 12) throw new MeshgateError('MG_ERR_ROUTING_BAD_ARGUMENT', `geohash must have 1..12 characters, got ${hash.length}`);
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let even = true;
  for (const c of h) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new MeshgateError('MG_ERR_ROUTING_BAD_ARGUMENT', `geohash has a character outside base 32: ${JSON.stringify(c)}`);
    for (let b = 4; b >= 0; b--) {
      const one = ((v >> b) & 1) === 1;
      if (even) {
        const mid = (lonLo + lonHi) / 2;
        if (one) lonLo = mid;
        else lonHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        if (one) latLo = mid;
        else latHi = mid;
      }
      even = !even;
    }
  }
  return { latMin: latLo, latMax: latHi, lonMin: lonLo, lonMax: lonHi, lat: (latLo + latHi) / 2, lon: (lonLo + lonHi) / 2 };
}

/** Whether a position lies inside a geohash cell. */
export function cellContains(cell: GeohashCell, lat: number, lon: number): boolean {
  return lat >= cell.latMin && lat < cell.latMax && lon >= cell.lonMin && lon < cell.lonMax;
}
