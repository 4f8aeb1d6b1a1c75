import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

// `npm test` builds first; these check what a user of the published package gets.
describe('package entry points', () => {
  it('loads with require() and exposes the protocol core and the router factory', () => {
    const out = node([
      '-e',
      "const m = require('express-zhichi-pay'); console.log([typeof m.createZhichiRouter, m.signData('\"SUCCESS\"', 'k')].join(' '))",
    ]);
    // A bare JSON string is signed as the string itself: md5('SUCCESS' + 'k').
    assert.equal(out, `function ${createHash('md5').update('SUCCESSk').digest('hex')}`);
  });

  it('loads with import and shares one copy of the classes with require()', () => {
    const out = node([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; import * as m from 'express-zhichi-pay'; const c = createRequire(import.meta.url)('express-zhichi-pay'); console.log(typeof m.verifyData, m.ZhichiError === c.ZhichiError, new m.BusinessError('x') instanceof c.ZhichiError)",
    ]);
    assert.equal(out, 'function true true');
  });

  it('ships type declarations for both entry points', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.peerDependencies.express.startsWith('^5'), true);
    for (const file of ['dist/index.d.ts', 'dist/index.d.mts']) {
      assert.ok(existsSync(path.join(root, file)), `${file} exists`);
    }
    assert.match(readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8'), /createZhichiRouter/);
  });
});

describe('express-zhichi-pay/testing entry point', () => {
  it('exports the platform simulator to require() and import', () => {
    assert.equal(
      node(['-e', "console.log(typeof require('express-zhichi-pay/testing').PlatformSimulator)"]),
      'function',
    );
    assert.equal(
      node([
        '--input-type=module',
        '-e',
        "import { PlatformSimulator } from 'express-zhichi-pay/testing'; console.log(typeof PlatformSimulator)",
      ]),
      'function',
    );
  });
});
