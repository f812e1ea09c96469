import { parse } from 'yaml';
import { ACTIONS, ImageKind, ImagePlatform, Pipeline } from '../src';
import { newProject, synth, TEST_REGISTRY } from './support/project';
import { loadWorkflow, workflowFiles } from './support/workflows';

/** Every `uses:` of a parsed workflow. */
function usesOf(workflow: any): string[] {
  return Object.values<any>(workflow.jobs).flatMap((job) => (job.steps ?? []).map((s: any) => s.uses).filter(Boolean));
}

describe('the action table', () => {
  test.each(workflowFiles())('every action %s uses is one pinned in src/github/actions.ts', (file) => {
    // GIVEN a committed workflow, projen's build workflow included
    const uses = usesOf(loadWorkflow(file));
    // THEN each action reference is a value of the one table
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((u) => !Object.values<string>(ACTIONS).includes(u))).toEqual([]);
  });

  test('an override set before the platform is declared is kept', () => {
    // GIVEN a project that pins checkout to a commit before declaring its images
    const project = newProject();
    const pinned = 'actions/checkout@0123456789abcdef0123456789abcdef01234567';
    project.github!.actions.set('actions/checkout', pinned);
    const platform = new ImagePlatform(project, { registry: TEST_REGISTRY });
    platform.addImage({ pipeline: Pipeline.of('triton'), kind: ImageKind.DEPLOYMENT, repository: 'mlops-deployment-tools' });
    // WHEN it is synthesized
    const workflow = parse(synth(project)['.github/workflows/triton-build-deployment-image.yaml']);
    // THEN the workflow uses the pin and the table for the rest
    expect(usesOf(workflow)).toContain(pinned);
    expect(usesOf(workflow)).toContain(ACTIONS.configureAwsCredentials);
  });
});
