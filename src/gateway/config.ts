/**
 * Loading the gateway configuration (composition layer; reads one file). Precedence, low
 * to high: embedded defaults < YAML file < environment `MESHGATE_*` < CLI flags. The file
 * is migrated to the current `version`, every value is validated against the zod schema
 * in config-settings.ts, and the result is deep-frozen. See docs/configuration.md.
 *
 * Environment and flag strings are coerced by the setting's type: integers in decimal;
 * booleans true/false/1/0/yes/no/on/off (any case); string lists comma-separated (items
 * trimmed, empty items dropped). An empty environment variable counts as unset, except for
 * lists, where it means the empty list. In the file an empty value (`port:`) means the
 * default and an empty section (`http:`) means all its defaults.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { MeshgateError } from '../errors.js';
import { CONFIG_MIGRATIONS, migrateConfigDocument, type ConfigMigration } from './config-migrations.js';
import { CONFIG_SCHEMA, CONFIG_TREE, SETTINGS, SETTINGS_BY_PATH, isSetting, type GatewayConfig, type SettingInfo } from './config-settings.js';

export { SETTINGS, CONFIG_SCHEMA, CONFIG_TREE, CONFIG_VERSION, envNameFor, flagNameFor, type GatewayConfig, type SettingInfo, type SettingType } from './config-settings.js';
export { CONFIG_MIGRATIONS, migrateConfigDocument, type ConfigMigration } from './config-migrations.js';

/** A configuration file larger than this (bytes) is refused: MG_ERR_CONFIG_READ. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
/** YAML alias expansions allowed (guards against "billion laughs" documents). */
export const CONFIG_MAX_ALIAS_COUNT = 100;

export interface LoadConfigOptions {
  /** YAML file path; omitted: embedded defaults (plus env and flags). */
  file?: string;
  /** Environment (usually `process.env`); only the `MESHGATE_<SETTING>` names are read. */
  env?: Record<string, string | undefined>;
  /** Flag values keyed by flag name, e.g. `{ '--http-port': '8080' }` (leading `--` optional). */
  flags?: Record<string, string>;
  /** File migrations (default {@link CONFIG_MIGRATIONS}; tests pass their own). */
  migrations?: readonly ConfigMigration[];
}

/** One validation problem, as kept in `MeshgateError.details.issues`. */
export interface ConfigIssue {
  /** Setting path (`http.port`, `lan.peers[1]`) or unknown key / flag. */
  path: string;
  source: 'default' | 'file' | 'env' | 'flag';
  message: string;
}

interface Source {
  kind: ConfigIssue['source'];
  /** `file ./meshgate.yaml`, `MESHGATE_HTTP_PORT="abc"`, `--http-port="abc"`, `default`. */
  label: string;
}

const DEFAULT_SOURCE: Source = { kind: 'default', label: 'default' };

function show(value: unknown): string {
  const s = value === undefined ? 'nothing' : JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** A sibling key the user probably meant (`statedir`, `state_dir`, `prot` → `port`). */
function suggest(key: string, siblings: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const k = norm(key);
  return siblings.find((s) => norm(s) === k) ?? siblings.find((s) => editDistance(norm(s), k) <= 2);
}

/** Read and parse the YAML file into a plain object. @throws MG_ERR_CONFIG_READ, MG_ERR_CONFIG_INVALID */
function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    if (st.size > CONFIG_FILE_MAX_BYTES) {
      throw new MeshgateError('MG_ERR_CONFIG_READ', `${file} is ${st.size} bytes, more than the ${CONFIG_FILE_MAX_BYTES}-byte limit`, { file, size: st.size });
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof MeshgateError) throw err;
    const errno = (err as { code?: string }).code;
    throw new MeshgateError('MG_ERR_CONFIG_READ', `cannot read ${file}: ${errno ?? String(err)}`, { file, errno });
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new MeshgateError('MG_ERR_CONFIG_READ', `${file} is not valid YAML: ${e.message.split('\n')[0].replace(/:\s*$/, '')}`, { file, line: e.linePos?.[0]?.line, col: e.linePos?.[0]?.col });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: CONFIG_MAX_ALIAS_COUNT });
  } catch (err) {
    throw new MeshgateError('MG_ERR_CONFIG_READ', `${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { file });
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    const message = 'the file must be a mapping of settings';
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `${message} (from file ${file})`, { issues: [{ path: '', source: 'file', message }] });
  }
  return value;
}

/** Copy the file's settings into `values`, reporting unknown keys and non-mapping sections. */
function applyFileLayer(
  node: Record<string, unknown>,
  tree: Record<string, unknown>,
  prefix: string,
  source: Source,
  values: Map<string, unknown>,
  sources: Map<string, Source>,
  issues: ConfigIssue[],
): void {
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const spec = Object.prototype.hasOwnProperty.call(tree, key) ? tree[key] : undefined;
    if (spec === undefined) {
      const hint = suggest(key, Object.keys(tree));
      issues.push({ path, source: 'file', message: `${path}: unknown setting${hint ? ` (did you mean ${prefix ? `${prefix}.` : ''}${hint}?)` : ''} (from ${source.label})` });
    } else if (isSetting(spec)) {
      if (value === null) continue;
      values.set(path, value);
      sources.set(path, source);
    } else if (value === null) {
      continue;
    } else if (!isPlainObject(value)) {
      issues.push({ path, source: 'file', message: `${path}: expected a section (mapping of settings), got ${show(value)} (from ${source.label})` });
    } else {
      applyFileLayer(value, spec as Record<string, unknown>, path, source, values, sources, issues);
    }
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Coerce an environment/flag string by the setting's type; unparseable strings are returned as is (validation then names them). */
export function coerceSettingString(setting: Pick<SettingInfo, 'type'>, raw: string): unknown {
  const s = raw.trim();
  switch (setting.type) {
    case 'integer':
      return /^[+-]?\d+$/.test(s) ? Number(s) : raw;
    case 'boolean':
      return TRUE.has(s.toLowerCase()) ? true : FALSE.has(s.toLowerCase()) ? false : raw;
    case 'string-list':
      return s === '' ? [] : s.split(',').map((x) => x.trim()).filter((x) => x !== '');
    case 'enum':
      return s;
    default:
      return raw;
  }
}

function setFromString(setting: SettingInfo, raw: string, source: Source, values: Map<string, unknown>, sources: Map<string, Source>): void {
  values.set(setting.path, coerceSettingString(setting, raw));
  sources.set(setting.path, source);
}

function nest(values: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const parts = path.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

/** Turn a zod issue into our message: names the setting, what was expected, and where the value came from. */
function describeIssue(issue: { path: PropertyKey[]; message: string; params?: Record<string, unknown> }, values: Map<string, unknown>, sources: Map<string, Source>): ConfigIssue {
  const segments = issue.path.map(String);
  let depth = segments.length;
  while (depth > 0 && !SETTINGS_BY_PATH.has(segments.slice(0, depth).join('.'))) depth--;
  const settingPath = segments.slice(0, depth).join('.');
  const setting = SETTINGS_BY_PATH.get(settingPath);
  const source = sources.get(settingPath) ?? DEFAULT_SOURCE;
  if (!setting) return { path: segments.join('.'), source: source.kind, message: `${segments.join('.') || '(root)'}: ${issue.message} (from ${source.label})` };
  const value = values.get(settingPath);
  const got = source.kind === 'file' || source.kind === 'default';
  if (depth < segments.length && Array.isArray(value)) {
    const index = Number(segments[depth]);
    const path = `${settingPath}[${index}]`;
    return { path, source: source.kind, message: `${path}: ${issue.message}, got ${show(value[index])} (from ${source.label})` };
  }
  if (setting.spec.schema.safeParse(value).success) {
    // a cross-field rule: name where each involved value came from
    const related = Array.isArray(issue.params?.related) ? (issue.params.related as string[]) : [];
    const involved = [settingPath, ...related].map((p) => sources.get(p)).filter((s): s is Source => s !== undefined);
    const labels = involved.length > 0 ? [...new Set(involved.map((s) => s.label))].join('; ') : DEFAULT_SOURCE.label;
    return { path: settingPath, source: involved[0]?.kind ?? 'default', message: `${settingPath}: ${issue.message} (from ${labels})` };
  }
  return { path: settingPath, source: source.kind, message: `${settingPath}: expected ${setting.expected}${got ? `, got ${show(value)}` : ''} (from ${source.label})` };
}

/**
 * Load, validate and freeze the configuration.
 * @returns a deep-frozen {@link GatewayConfig}.
 * @throws MG_ERR_CONFIG_READ when the file cannot be read, is over 1 MiB, or is not YAML;
 *   MG_ERR_CONFIG_INVALID when any value, unknown key, unknown flag or the version is
 *   wrong. The message names every bad field and its source, e.g.
 *   `http.port: expected integer 0..65535 (from MESHGATE_HTTP_PORT="abc")`;
 *   `details.issues` lists them as {@link ConfigIssue}s.
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<GatewayConfig> {
  const values = new Map<string, unknown>(SETTINGS.map((s) => [s.path, structuredClone(s.default)]));
  const sources = new Map<string, Source>();
  const issues: ConfigIssue[] = [];

  if (options.file !== undefined) {
    const fileSource: Source = { kind: 'file', label: `file ${options.file}` };
    const raw = readConfigFile(options.file);
    const { doc } = migrateConfigDocument(raw, fileSource.label, options.migrations ?? CONFIG_MIGRATIONS);
    applyFileLayer(doc, CONFIG_TREE, '', fileSource, values, sources, issues);
  }

  const env = options.env ?? {};
  for (const s of SETTINGS) {
    if (s.fileOnly) continue;
    const raw = env[s.env];
    if (raw === undefined || (raw === '' && s.type !== 'string-list')) continue;
    setFromString(s, raw, { kind: 'env', label: `${s.env}=${JSON.stringify(raw)}` }, values, sources);
  }

  for (const [key, raw] of Object.entries(options.flags ?? {})) {
    const flag = key.startsWith('--') ? key : `--${key}`;
    const s = SETTINGS.find((x) => x.flag === flag);
    if (!s) {
      const hint = suggest(flag.slice(2), SETTINGS.map((x) => x.flag.slice(2)));
      issues.push({ path: flag, source: 'flag', message: `${flag}: unknown flag${hint ? ` (did you mean --${hint}?)` : ''}` });
    } else if (s.fileOnly) {
      issues.push({ path: s.path, source: 'flag', message: `${s.path}: can only be set in the configuration file (from ${flag})` });
    } else {
      setFromString(s, raw, { kind: 'flag', label: `${flag}=${JSON.stringify(raw)}` }, values, sources);
    }
  }

  const parsed = CONFIG_SCHEMA.safeParse(nest(values));
  if (!parsed.success) for (const issue of parsed.error.issues) issues.push(describeIssue(issue, values, sources));
  if (issues.length > 0 || !parsed.success) {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', issues.map((i) => i.message).join('; '), { issues });
  }
  return deepFreeze(parsed.data);
}

/** The embedded defaults, deep-frozen (what `loadConfig()` returns with no file, env or flags). */
export function defaultConfig(): Readonly<GatewayConfig> {
  return loadConfig();
}
