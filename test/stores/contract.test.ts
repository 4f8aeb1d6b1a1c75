import path from 'node:path';
import { MemoryNoticeStore } from '../../lib/stores/memory-notice-store';
import { MemoryRefundStore } from '../../lib/stores/memory-refund-store';
import { migratePostgres } from '../../lib/stores/postgres-migrations';
import { PostgresStore } from '../../lib/stores/postgres-store';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { testPostgres } from '../helpers/postgres';
import { makeTempDir } from '../helpers/temp-dir';
import { type StoreUnderTest, storeContract } from './store-contract';

// One contract, run unchanged against every store.

describe('store contract: MemoryNoticeStore + MemoryRefundStore', () => {
  storeContract(async (): Promise<StoreUnderTest> => {
    const handles = { notices: new MemoryNoticeStore(), refunds: new MemoryRefundStore() };
    return { ...handles, peer: async () => handles, dispose: async () => {} };
  });
});

describe('store contract: SqliteStore', () => {
  storeContract(async (): Promise<StoreUnderTest> => {
    const { dir, cleanup } = makeTempDir();
    const file = path.join(dir, 'db', 'zhichi.sqlite');
    const open = [new SqliteStore({ path: file })];
    const handles = (store: SqliteStore) => ({ notices: store, refunds: store });
    return {
      ...handles(open[0] as SqliteStore),
      peer: async () => {
        const store = new SqliteStore({ path: file });
        open.push(store);
        return handles(store);
      },
      dispose: async () => {
        for (const store of open) await store.close();
        cleanup();
      },
    };
  });
});

describe('store contract: PostgresStore', () => {
  let url = '';
  before(async function () {
    this.timeout(60_000);
    const pg = await testPostgres();
    if ('skip' in pg) {
      console.warn(`    PostgresStore contract skipped: ${pg.skip}`);
      this.skip();
    }
    url = pg.url;
  });

  storeContract(async (): Promise<StoreUnderTest> => {
    // A schema of its own for each test: fresh tables, dropped afterwards.
    const schema = `contract_${Math.random().toString(36).slice(2, 10)}`;
    await migratePostgres(url, { schema });
    const open = [new PostgresStore({ connectionString: url, schema, poolSize: 4 })];
    const handles = (store: PostgresStore) => ({ notices: store, refunds: store });
    return {
      ...handles(open[0] as PostgresStore),
      peer: async () => {
        const store = new PostgresStore({ connectionString: url, schema, poolSize: 4 });
        open.push(store);
        return handles(store);
      },
      dispose: async () => {
        for (const store of open) await store.close();
        const admin = new PostgresStore({ connectionString: url, poolSize: 1 });
        const client = await admin.pool.connect();
        try {
          await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        } finally {
          client.release();
          await admin.close();
        }
      },
    };
  });
});
