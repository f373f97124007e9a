/**
 * `derive`, remembered per frozen argument. The gate shares one frozen item list per declaration
 * and consent shape (gate-index.ts), so what a release derives from such a list — what to read
 * and record, the categories a policy sees — is derived once per list instead of once per
 * release. An argument that is not frozen may still change, so it is derived afresh every time.
 */
export function perFrozen<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const memo = new WeakMap<K, V>();
  return (key) => {
    if (!Object.isFrozen(key)) return derive(key);
    let v = memo.get(key);
    if (v === undefined) {
      v = derive(key);
      memo.set(key, v);
    }
    return v;
  };
}
