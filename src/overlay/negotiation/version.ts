/** Protocol versions `MAJOR.MINOR.PATCH` (SemVer 2.0.0 core, no pre-release or build). */
import { MeshgateError } from '../../errors.js';

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const VERSION_RE = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

/** Parse `MAJOR.MINOR.PATCH` (each 0..999,999, no leading zeros). @throws MG_ERR_CONFIG_INVALID */
export function parseVersion(s: string): ProtocolVersion {
  const v = tryParseVersion(s);
  if (!v) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `${JSON.stringify(String(s).slice(0, 32))} is not a MAJOR.MINOR.PATCH version`);
  return v;
}

/** Parse, or undefined when malformed. */
export function tryParseVersion(s: unknown): ProtocolVersion | undefined {
  if (typeof s !== 'string') return undefined;
  const m = VERSION_RE.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** `MAJOR.MINOR.PATCH`. */
export function formatVersion(v: ProtocolVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Compare major, minor and patch: negative, 0 or positive. */
export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Compare major and minor only (patch differences never change features). */
export function compareMinor(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major - b.major || a.minor - b.minor;
}
