import { pathToFileURL } from 'node:url';

/**
 * One checkout's statutory decision, loaded from its own sources for a same-run comparison of
 * two trees (bench/gate-ab.ts, bench/gate-between.ts): its `decide`, the gate bench's world and
 * requests built by its own bench/gate.ts with the same seed, and its context.
 */
export interface Tree {
  name: string;
  decide: (r: unknown, ctx: unknown) => { allow: boolean };
  ctx: unknown;
  reqs: unknown[];
  registry: unknown;
  world: unknown;
}

export async function loadTree(name: string, root: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(`${root}/${p}`).href;
  const [{ mulberry32 }, gate, { decide }, { SuspensionIndex }, { RightsStopIndex }, { demoRegistry }] = await Promise.all([
    import(url('src/core/seeded-random.ts')),
    import(url('bench/gate.ts')),
    import(url('src/core/gate/decide.ts')),
    import(url('src/core/gate/suspension-index.ts')),
    import(url('src/core/rights/stops.ts')),
    import(url('test/gate/fakes.ts')),
  ]);
  const registry = demoRegistry();
  const rnd = mulberry32(20261123);
  const world = gate.buildWorld(registry, rnd);
  const reqs = gate.buildRequests(registry, world, rnd);
  // A tree whose bench builds its own context (per-subject records) says how; older trees had the tables.
  const ctx =
    typeof gate.contextOf === 'function'
      ? gate.contextOf(registry, world)
      : {
          registry,
          consents: world.consents,
          members: world.members,
          subjects: world.subjectInfo,
          orders: world.orders,
          suspensions: new SuspensionIndex(),
          rightsStops: new RightsStopIndex(),
        };
  return { name, decide, ctx, reqs, registry, world };
}
