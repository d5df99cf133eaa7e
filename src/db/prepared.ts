import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Queries } from './database';
import type { ReadQuery } from './read';
import type { Database } from './schema';

/** Where a value goes in a query built once: Kysely keeps it as a parameter, which each call replaces. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * The queries compiled for one database, by definition (see prepared) and by which values were given. Its
 * transactions share it: their SQL is the database's.
 */
export type CompiledQueries = WeakMap<object, Map<string, CompiledQuery>>;

export const compiledQueries = (): CompiledQueries => new WeakMap();

/**
 * A query built and compiled once per database and per set of values given, then run with each call's
 * values. Building and compiling a query with Kysely walks a tree of objects on every request; under load
 * here that cost a hot read about as much as running its SQL did. `build` gets stand-ins for the values
 * (typed as the values, so Kysely's types check them), which must only be used as values: the SQL may differ
 * by which values are undefined (an optional filter), never by what they are.
 */
export function prepared<Values extends object, Row>(
  build: (db: Kysely<Database>, values: Values) => Compilable<Row>,
): (queries: Queries, values: Values) => ReadQuery<Row> {
  return ({ db, compiled }, values) => {
    const byName = values as Record<string, unknown>;
    const given = Object.keys(values).filter((name) => byName[name] !== undefined);
    const shape = given.join();
    let byShape = compiled.get(build);
    if (!byShape) compiled.set(build, (byShape = new Map()));
    let query = byShape.get(shape) as CompiledQuery<Row> | undefined;
    if (!query) {
      const slots = Object.fromEntries(given.map((name) => [name, new Slot(name)])) as Values;
      query = build(db, slots).compile();
      byShape.set(shape, query);
    }
    for (const name of given) assertPlainValue(name, byName[name]);
    const parameters = query.parameters.map((value) => (value instanceof Slot ? byName[value.name] : value));
    const run: CompiledQuery<Row> = { ...query, parameters };
    // For `read`, or run on the database or the transaction `queries` is.
    return {
      compile: () => run,
      execute: async () => (await db.executeQuery(run)).rows,
    };
  };
}

/**
 * A value Kysely would compile into SQL of its own (a list for `in`, an expression, an object) cannot stand in
 * a query compiled once: each call's value replaces only a parameter.
 */
function assertPlainValue(name: string, value: unknown): void {
  if (typeof value === 'object' && value !== null) {
    throw new TypeError(`prepared: ${name} must be a string, number, bigint, boolean or null`);
  }
}
