// `express-zhichi-pay/postgres`: the PostgreSQL store, for several app instances sharing one
// outbox and one set of refund records. Needs the `pg` package (an optional peer dependency).
export {
  type MigratePostgresOptions,
  type MigratePostgresResult,
  migratePostgres,
  POSTGRES_MIGRATIONS,
  POSTGRES_SCHEMA_VERSION,
  type PostgresMigration,
} from './stores/postgres-migrations';
export { PostgresStore, type PostgresStoreOptions } from './stores/postgres-store';
export {
  isTransientPostgresError,
  type PostgresClient,
  type PostgresPool,
  type PostgresRetryOptions,
  postgresRetryDelay,
} from './stores/postgres-support';
