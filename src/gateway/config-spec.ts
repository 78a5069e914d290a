/**
 * The building blocks of the configuration table (src/gateway/config-settings.ts): the
 * setting spec type, constructors for each setting type (integer, boolean, string, string
 * list, enum), and the validators and constants the sections share (host, URLs, UUIDs,
 * feature names, positions).
 */
import { z } from 'zod';

/** How an environment or flag string is coerced: integer (decimal), boolean (true/false/1/0/yes/no/on/off), string, string-list (comma-separated), enum. */
export type SettingType = 'integer' | 'boolean' | 'string' | 'string-list' | 'enum';

export interface Meta {
  description: string;
  /** True when a change only takes effect after a restart (a reload could apply the others live). */
  restart: boolean;
  /** Settable only in the file (no env/flag override). */
  fileOnly?: boolean;
}

/** One setting (a leaf of {@link CONFIG_TREE}). */
export interface SettingSpec<T> {
  readonly kind: 'setting';
  readonly type: SettingType;
  readonly schema: z.ZodType<T>;
  readonly default: T;
  readonly description: string;
  readonly restart: boolean;
  readonly fileOnly: boolean;
  /** What a valid value looks like, for error messages ("integer 0..65535"). */
  readonly expected: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** For string lists: the most items accepted. */
  readonly maxItems?: number;
}

/** Most entries accepted in a list setting (peers to dial). */
export const MAX_LIST_ITEMS = 64;

export function spec<T>(type: SettingType, schema: z.ZodType<T>, def: T, expected: string, meta: Meta, extra: Partial<SettingSpec<T>> = {}): SettingSpec<T> {
  return { kind: 'setting', type, schema, default: def, expected, description: meta.description, restart: meta.restart, fileOnly: meta.fileOnly ?? false, ...extra };
}
export const integer = (def: number, min: number, max: number, meta: Meta) =>
  spec<number>('integer', z.number().int().min(min).max(max), def, `integer ${min}..${max}`, meta, { min, max });
export const boolean = (def: boolean, meta: Meta) => spec<boolean>('boolean', z.boolean(), def, 'boolean (true or false)', meta);
export const string = (def: string, schema: z.ZodType<string>, expected: string, meta: Meta) => spec<string>('string', schema, def, expected, meta);
export const stringList = (def: readonly string[], item: z.ZodType<string>, itemExpected: string, meta: Meta) =>
  spec<readonly string[]>('string-list', z.array(item).max(MAX_LIST_ITEMS) as unknown as z.ZodType<readonly string[]>, def, `list of at most ${MAX_LIST_ITEMS} ${itemExpected}`, meta, {
    maxItems: MAX_LIST_ITEMS,
  });
export function oneOf<const V extends readonly [string, ...string[]]>(values: V, def: V[number], meta: Meta): SettingSpec<V[number]> {
  return spec<V[number]>('enum', z.enum(values) as unknown as z.ZodType<V[number]>, def, `one of ${values.join('|')}`, meta, { values });
}

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
export const host = z.string().regex(/^[A-Za-z0-9._:%\-[\]]+$/, 'host name or IP address');
export const HOST_EXPECTED = 'host name or IP address';
export const hostPort = z.string().refine((s) => {
  const m = /^(\[[0-9A-Fa-f:.%a-zA-Z0-9]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'expected host:port');
export const wsUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a ws:// or wss:// URL');
/** bitchat GATT UUIDs (bitchat-spec.md §1; src/links/ble/ble-gatt.ts). */
export const BLE_SERVICE_UUID = 'F47B5E2D-4A9E-4C5A-9B3F-8E1D2C3A4B5C';
export const BLE_CHARACTERISTIC_UUID = 'A1B2C3D4-E5F6-4A5B-8C9D-0E1F2A3B4C5D';
export const uuid128 = z.string().regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, 'expected a 128-bit UUID');
export const UUID_EXPECTED = 'a 128-bit UUID (8-4-4-4-12 hex)';
export const httpsUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && u.hostname !== '' && /^[0-9a-fA-F]{64}$/.test(u.searchParams.get('certhash') ?? '');
  } catch {
    return false;
  }
};
export const wtUrl = z.string().refine(httpsUrl, 'expected https://host:port/path?certhash=<64 hex>');
/** Gateway-protocol feature names (src/overlay/negotiation/features.ts). */
export const FEATURE_NAME_LIST = ['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay', 'CrossChainBridge'] as const;
export const featureName = z.enum(FEATURE_NAME_LIST) as unknown as z.ZodType<string>;
export const semver = z.string().regex(/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/, 'expected MAJOR.MINOR.PATCH');
export const peerIdHex = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex characters');
export const PORT_MAX = 65535;
export const advertUrl = z.string().max(256).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'ws:' || u.protocol === 'wss:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a ws://, wss:// or https:// URL');
export const position = z.string().refine((s) => {
  if (s === '') return true;
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(s);
  return m !== null && Math.abs(Number(m[1])) <= 90 && Math.abs(Number(m[2])) <= 180;
}, "expected 'lat,lon' in degrees");
/** `selection.profile` values (src/overlay/selection/score.ts SELECTION_PROFILES). */
export const SELECTION_PROFILE_VALUES = ['latency', 'cost', 'bandwidth', 'reliability'] as const;

/** Routing algorithm choices (src/routing/hybrid.ts). */
export const ROUTING_ALGORITHM_CHOICES = ['hybrid', 'dijkstra', 'multipath', 'gpsr', 'aco', 'flood'] as const;
