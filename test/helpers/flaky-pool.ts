import type { PostgresClient, PostgresPool } from '../../lib/stores/postgres-support';

/** A fault to inject into the next statement that matches. */
export interface PoolFault {
  /** Which statements it applies to. */
  match: RegExp;
  /**
   * `before`: the statement fails without reaching the server. `after`: the server runs it
   * (a COMMIT commits), then the client reports the error, as when the acknowledgement is lost.
   */
  when: 'before' | 'after';
  error: Error;
}

/** An error as node-postgres reports a connection that died. */
export function connectionLost(): Error {
  return new Error('Connection terminated unexpectedly');
}

/** An error with a SQLSTATE, as node-postgres reports a server error. */
export function sqlError(code: string, message = `sqlstate ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Wraps a real pool and fails chosen statements on purpose, to test what the store does when
 * a connection is lost at the worst moment. Records every statement run.
 */
export class FlakyPool implements PostgresPool {
  readonly faults: PoolFault[] = [];
  readonly statements: string[] = [];
  destroyedClients = 0;

  constructor(private readonly inner: PostgresPool) {}

  /** Queues a fault; each fault fires once, in order of matching. */
  fail(match: RegExp, when: PoolFault['when'], error: Error = connectionLost()): this {
    this.faults.push({ match, when, error });
    return this;
  }

  async connect(): Promise<PostgresClient> {
    const client = await this.inner.connect();
    return {
      query: async (text: string, values?: unknown[]) => {
        this.statements.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        const index = this.faults.findIndex((f) => f.match.test(text));
        const fault = index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
        if (fault?.when === 'before') throw fault.error;
        const result = await client.query(text, values);
        if (fault?.when === 'after') throw fault.error;
        return result;
      },
      release: (destroy?: boolean | Error) => {
        if (destroy) this.destroyedClients++;
        client.release(destroy);
      },
    };
  }

  end(): Promise<void> {
    return this.inner.end();
  }
}
