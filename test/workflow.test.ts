import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateWorkflow } from '@action-validator/core';

const WORKFLOW = '.github/workflows/ci.yml';
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/**
 * The npm steps a shell script or workflow runs, in order: `ci`, and the name of each script it runs. `npm test`
 * is followed into the file its script runs (`bash scripts/test.sh`), so steps are compared, not spellings.
 */
function npmSteps(file: string): string[] {
  const steps: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // A command line of a shell script, or a workflow step's `run:` line (not an echo that mentions npm).
    const match = /^\s*(?:-\s+run:\s+)?npm\s+(?:(ci)\b|(test)\b|run\s+(?:-s\s+)?([\w:.-]+))/.exec(line);
    if (!match) continue;
    const name = match[1] ?? match[2] ?? (match[3] as string);
    const delegated = /^bash (\S+)$/.exec(scripts[name] ?? '')?.[1];
    if (name !== 'ci' && !(name in scripts))
      assert.fail(`${file} runs "npm run ${name}", which package.json lacks`);
    if (delegated && name === 'test') steps.push(...npmSteps(delegated));
    else steps.push(name);
  }
  return steps;
}

test('the workflow runs the same npm scripts, in the same order, as .ci/run (scripts/test-all.sh)', () => {
  assert.match(readFileSync('.ci/run', 'utf8'), /bash scripts\/test-all\.sh/);
  const local = npmSteps('scripts/test-all.sh');
  assert.deepEqual(local, [
    'ci',
    'lint',
    'typecheck',
    'format:check',
    'lint:workflow',
    'test:unit',
    'build',
    'test:e2e:sqlite',
    'test:e2e:postgres',
  ]);
  assert.deepEqual(npmSteps(WORKFLOW), local);
});

test('the workflow is valid for the workflow linter, and the linter would notice a broken one', () => {
  const workflow = readFileSync(WORKFLOW, 'utf8');
  assert.deepEqual(validateWorkflow(workflow).errors, []);
  assert.notDeepEqual(validateWorkflow(workflow.replace('runs-on:', 'runs_on:')).errors, []);
  assert.equal(scripts['lint:workflow'], `action-validator ${WORKFLOW}`);
});

test('the workflow has PostgreSQL for the suite, each supported Node.js, and keeps the report of a failure', () => {
  const workflow = readFileSync(WORKFLOW, 'utf8');
  assert.match(workflow, /services:\n\s+postgres:\n\s+image: postgres:\d+/);
  assert.match(workflow, /TEST_DATABASE_URL: postgres:\/\/\S+@localhost:5432\/\w+/);
  assert.match(workflow, /node: \['20', '22', '24'\]/);
  assert.match(workflow, /npx playwright install --with-deps chromium/);
  assert.match(
    workflow,
    /if: failure\(\)\n\s+uses: actions\/upload-artifact@v\d+\n\s+with:\n(?:\s+\S.*\n)*?\s+path: playwright-report\//,
  );
});
