// A real-tier ring as CQL sees it: its nodes (address, host id, datacenter, tokens), a table of rows
// with replication factor 1 written through it, and each row read back by key at consistency ONE, the
// read that only the one node owning the row's token can answer.
import cassandra from 'cassandra-driver';

export interface RingNodeIdentity {
  address: string;
  hostId: string;
  dc: string;
  /** Its tokens, sorted as strings (as esop's manifests list them). */
  tokens: string[];
}

export interface Row {
  id: number;
  v: string;
}

const ONE = { prepare: true, consistency: cassandra.types.consistencies.one };

export class RingCql {
  private constructor(private readonly client: cassandra.Client) {}

  /** Connected through `address` (the ring's nodes share `port`, each on its own address). */
  static async connect(address: string, port: number, dc: string): Promise<RingCql> {
    const client = new cassandra.Client({
      contactPoints: [address],
      protocolOptions: { port },
      localDataCenter: dc,
    });
    await client.connect();
    return new RingCql(client);
  }

  async clusterName(): Promise<string> {
    return String((await this.client.execute('SELECT cluster_name FROM system.local')).first().cluster_name);
  }

  /** Each node the driver knows, as the node itself says (its own system.local, asked of it alone). */
  async nodes(): Promise<RingNodeIdentity[]> {
    return Promise.all(
      this.client.hosts.values().map(async (host) => {
        const r = (
          await this.client.execute(
            'SELECT listen_address, host_id, data_center, tokens FROM system.local',
            [],
            { host },
          )
        ).first();
        return {
          address: String(r.listen_address),
          hostId: String(r.host_id),
          dc: String(r.data_center),
          tokens: [...((r.tokens as string[] | null) ?? [])].sort(),
        };
      }),
    );
  }

  /** A keyspace whose rows each live on one node of `dc` (NetworkTopologyStrategy, 1), and a table. */
  async createTable(table: string, dc: string): Promise<void> {
    const [ks] = table.split('.');
    await this.client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', '${dc}': 1}`,
    );
    await this.client.execute(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, v text)`);
  }

  async write(table: string, rows: readonly Row[]): Promise<void> {
    await inBatches(rows, (r) =>
      this.client.execute(`INSERT INTO ${table} (id, v) VALUES (?, ?)`, [r.id, r.v], ONE),
    );
  }

  /** Each id's row, read by its key at consistency ONE (undefined where the owning node has none). */
  async readEach(table: string, ids: readonly number[]): Promise<Map<number, string | undefined>> {
    const read = new Map<number, string | undefined>();
    await inBatches(ids, async (id) => {
      const row = (await this.client.execute(`SELECT v FROM ${table} WHERE id = ?`, [id], ONE)).first();
      read.set(id, row ? String(row.v) : undefined);
    });
    return read;
  }

  /** Every row of the table, at consistency ONE, by id. */
  async readAll(table: string): Promise<Row[]> {
    const rows = await this.everyRow(`SELECT id, v FROM ${table}`);
    return rows.map((r) => ({ id: r.id as number, v: String(r.v) })).sort((a, b) => a.id - b.id);
  }

  /** Each row's partition token (Murmur3), by id. */
  async tokensOf(table: string): Promise<Map<number, string>> {
    const rows = await this.everyRow(`SELECT id, token(id) AS t FROM ${table}`);
    return new Map(rows.map((r) => [r.id as number, String(r.t)]));
  }

  /** Every page of a query's rows, at consistency ONE. */
  private async everyRow(query: string): Promise<cassandra.types.Row[]> {
    const rows: cassandra.types.Row[] = [];
    let pageState: string | undefined;
    do {
      const page = await this.client.execute(query, [], { ...ONE, fetchSize: 1000, pageState });
      rows.push(...page.rows);
      pageState = page.pageState;
    } while (pageState);
    return rows;
  }

  close(): Promise<void> {
    return this.client.shutdown();
  }
}

/** 32 requests in flight at a time: one after the other, a few hundred took seconds. */
async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 32) await Promise.all(items.slice(i, i + 32).map(each));
}

/**
 * The node that owns a token with one replica: the one holding the smallest of the ring's tokens at or
 * above it, wrapping round to the smallest token of all (Murmur3 ranges are (previous, token]).
 */
export function ownerOf(token: string, nodes: readonly RingNodeIdentity[]): RingNodeIdentity {
  const t = BigInt(token);
  const ring = nodes
    .flatMap((n) => n.tokens.map((x) => ({ at: BigInt(x), node: n })))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const first = ring[0];
  if (!first) throw new Error('a ring without tokens');
  return (ring.find((e) => e.at >= t) ?? first).node;
}
