import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createExampleApp, type ExampleApp, type ExampleDeps } from '../../example-app/app';
import { type ExampleConfig, loadConfig } from '../../example-app/config';
import { CapturingLogger } from './fixtures';

/** The example app on a temp data dir, with its notifier; `close()` removes everything. */
export function startExample(
  env: NodeJS.ProcessEnv = {},
  deps: ExampleDeps = {},
): ExampleApp & { config: ExampleConfig; logger: CapturingLogger } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zhichi-example-'));
  const config = loadConfig({ EXAMPLE_DATA_DIR: dataDir, ...env });
  const logger = new CapturingLogger();
  const example = createExampleApp(config, { logger, ...deps });
  return {
    ...example,
    config,
    logger,
    close: async () => {
      await example.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
