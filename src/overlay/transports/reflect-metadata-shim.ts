/**
 * The Reflect metadata API that `@peculiar/x509` (through `tsyringe`) requires before it
 * loads ("tsyringe requires a reflect polyfill"). The project does not ship
 * `reflect-metadata`, so this installs the five functions tsyringe and TypeScript's
 * `__metadata` decorators use — defineMetadata, getOwnMetadata, getMetadata (walking the
 * prototype chain), hasMetadata/hasOwnMetadata and the `metadata` decorator factory — on the
 * global `Reflect`, and only when absent (a real polyfill always wins). Semantics follow
 * the reflect-metadata proposal (https://rbuckton.github.io/reflect-metadata/).
 * Replace with `import 'reflect-metadata'` once that package is a dependency.
 */
type Target = object;
type Key = string | symbol | undefined;

interface ReflectMetadata {
  defineMetadata(k: unknown, v: unknown, t: Target, p?: Key): void;
  getOwnMetadata(k: unknown, t: Target, p?: Key): unknown;
  hasOwnMetadata(k: unknown, t: Target, p?: Key): boolean;
  getMetadata(k: unknown, t: Target, p?: Key): unknown;
  hasMetadata(k: unknown, t: Target, p?: Key): boolean;
  metadata(k: unknown, v: unknown): (t: Target, p?: Key) => void;
}

/** Install the shim if `Reflect.getMetadata` is missing. Idempotent. */
export function installReflectMetadata(): void {
  const R = Reflect as unknown as Partial<ReflectMetadata>;
  if (typeof R.getMetadata === 'function') return;
  const store = new WeakMap<Target, Map<Key, Map<unknown, unknown>>>();
  const own = (t: Target, p: Key, create: boolean): Map<unknown, unknown> | undefined => {
    let byProp = store.get(t);
    if (!byProp) {
      if (!create) return undefined;
      byProp = new Map();
      store.set(t, byProp);
    }
    let m = byProp.get(p);
    if (!m && create) {
      m = new Map();
      byProp.set(p, m);
    }
    return m;
  };
  const chain = function* (t: Target): Generator<Target> {
    for (let o: Target | null = t; o; o = Object.getPrototypeOf(o) as Target | null) yield o;
  };
  const impl: ReflectMetadata = {
    defineMetadata: (k, v, t, p) => void own(t, p, true)!.set(k, v),
    getOwnMetadata: (k, t, p) => own(t, p, false)?.get(k),
    hasOwnMetadata: (k, t, p) => own(t, p, false)?.has(k) ?? false,
    getMetadata: (k, t, p) => {
      for (const o of chain(t)) {
        const m = own(o, p, false);
        if (m?.has(k)) return m.get(k);
      }
      return undefined;
    },
    hasMetadata: (k, t, p) => {
      for (const o of chain(t)) if (own(o, p, false)?.has(k)) return true;
      return false;
    },
    metadata: (k, v) => (t, p) => impl.defineMetadata(k, v, t, p),
  };
  Object.assign(Reflect, impl);
}
