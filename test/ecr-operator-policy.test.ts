import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LifecycleRule, MANIFEST_PATH } from '../src';
import { awsPlatform } from './support/aws';
import { manifestFile } from './support/ecr';
import { EcrServer } from './support/ecr-server';
import { CapturedIo, localClientFactory } from './support/ecr-tasks';
import { REPO_ROOT } from './support/workflows';
import type { EcrManifest } from '../src/aws/ecr-manifest';
import type { PolicyDocument } from '../src/aws/iam-policies';
import { main } from '../src/ecr/cli';

/**
 * The operator policy and the ECR tasks agree both ways: every call the tasks
 * make is allowed by the policy generated for the declaration, and every
 * action the policy grants is one the tasks call. Both sides come from the
 * code (the commands src/ecr sends) and from what a local ECR received, never
 * from a list written here.
 */

const OPERATOR = '.github/aws/ecr-operator-policy.json';

const DECLARATIONS: Array<[string, Parameters<typeof awsPlatform>[0]]> = [
  ['lifecycle rules declared', { lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'develop-' }), LifecycleRule.expireUntaggedAfterDays(7)] }],
  ['no lifecycle rules', { lifecycleRules: [] }],
];

function grantedActions(policy: PolicyDocument): string[] {
  return [...new Set(policy.Statement.flatMap((s) => [s.Action].flat()))].sort();
}

/** The ECR operations the tasks' code sends: every `<Operation>Command` src/ecr imports from the SDK. */
function operationsInCode(): string[] {
  const dir = join(REPO_ROOT, 'src', 'ecr');
  const operations = readdirSync(dir).filter((f) => f.endsWith('.ts')).flatMap((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const imports = [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-ecr'/g)].map((m) => m[1]).join(',');
    return imports.split(',').map((n) => n.trim()).filter((n) => /^[A-Z]\w*Command$/.test(n)).map((n) => n.replace(/Command$/, ''));
  });
  return [...new Set(operations)].sort();
}

test('every command the tasks\' code sends is granted by some declaration\'s operator policy, and nothing else is', () => {
  const granted = new Set(DECLARATIONS.flatMap(([, options]) => grantedActions(awsPlatform(options).files[OPERATOR])));
  expect(operationsInCode().map((op) => `ecr:${op}`)).toEqual([...granted].sort());
});

describe.each(DECLARATIONS)('with %s', (_name, options) => {
  const { files } = awsPlatform(options);
  const manifest: EcrManifest = files[MANIFEST_PATH];
  const policy: PolicyDocument = files[OPERATOR];
  let ecr: EcrServer;
  beforeEach(async () => {
    ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: policy });
    await ecr.start();
  });
  afterEach(async () => ecr.stop());

  const run = async (command: 'ensure' | 'status') => {
    const io = new CapturedIo();
    const code = await main([command, '--manifest', manifestFile(manifest)], io, localClientFactory(ecr.endpoint));
    expect({ command, code, stderr: io.stderr, failed: io.stdout.filter((l) => l.includes('FAILED')) }).toEqual({ command, code: 0, stderr: [], failed: [] });
  };

  test('creating, repairing and showing the repositories needs exactly the actions the operator policy grants', async () => {
    // GIVEN the tasks on a fresh registry, then on repositories changed by hand in every way ecr:ensure repairs
    await run('ensure');
    for (const repository of manifest.repositories.map((r) => ecr.repository(r.name)!)) {
      repository.scanOnPush = false;
      repository.imageTagMutability = 'MUTABLE';
      repository.exclusionFilters = [];
      repository.lifecyclePolicyText = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';
    }
    await run('ensure');
    await run('status');
    // THEN every request was allowed (the local ECR denies anything else), and every granted action was used
    const sent = [...new Set(ecr.operations().map((op) => `ecr:${op}`))].sort();
    expect(sent).toEqual(grantedActions(policy));
  });
});
