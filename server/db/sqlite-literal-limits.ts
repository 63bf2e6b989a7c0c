import {
  type KyselyPlugin,
  LimitNode,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  SelectQueryNode,
  type UnknownRow,
  ValueNode,
} from 'kysely';

/**
 * A whole number written into SQLite SQL as it is (`LIMIT 10`), for a LIMIT; throws for anything
 * else, so no value reaches the statement's text unchecked.
 *
 * Why not a bound parameter: SQLite reads a bound LIMIT's value when it plans the statement and
 * then marks the statement to be planned again whenever that parameter is bound, which is every
 * run. A prepared statement with `LIMIT ?` is parsed and planned at each run, as if never
 * prepared: for the knowledge base's title pass that was 71 µs a run against 35 µs with the limit
 * written in (this machine, the 100k base). A statement's texts are then one per limit, and the
 * limits a statement is run with are few. OFFSET stays bound: SQLite does not plan by it, and
 * paging through a list would make a statement text per page.
 */
export function sqliteLimit(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Not a row count for LIMIT: ${value}`);
  return value;
}

/** A LIMIT node's value, written in when it is a row count (a placeholder or expression stays as it is). */
function literal(node: OperationNode): OperationNode | null {
  if (!ValueNode.is(node) || node.immediate || typeof node.value !== 'number') return null;
  return ValueNode.createImmediate(sqliteLimit(node.value));
}

/**
 * On SQLite, a query's top-level LIMIT compiles to a number in its text rather than to a
 * parameter (see sqliteLimit). Only the top level: rewriting a whole query tree for every query
 * would cost more than the planning it saves; a LIMIT inside a subquery stays a parameter.
 */
export class SqliteLiteralLimits implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (!SelectQueryNode.is(node) || !node.limit) return node;
    const limit = literal(node.limit.limit);
    return limit ? { ...node, limit: LimitNode.create(limit) } : node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
