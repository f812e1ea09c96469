import { Component } from 'projen/lib/component';
import type * as github from 'projen/lib/github';
import { JsonFile } from 'projen/lib/json';
import { PINS_INTENT_PATH, pinsIntent } from './intent';
import { UpgradeWorkflow, UpgradeWorkflowOptions } from './upgrade-workflow';
import type { PlatformView } from '../platform/container-image';

/** The command `upgrade-pins` runs: the program straight from src/, through the require hook the ECR tasks use. */
export const UPGRADE_PINS_CLI = ['node', '--require', './build-tools/register-ts.js', 'src/pins/upgrade/cli.ts'];

/**
 * Keeps the lock current: writes the declared intent the upgrade reads
 * (`.projen/pins-intent.json`), the `upgrade-pins` task, and the weekly
 * workflow that proposes its result as a pull request.
 */
export class PinsUpgrade extends Component {
  public readonly workflow: UpgradeWorkflow;

  constructor(public readonly platform: PlatformView, gh: github.GitHub, options: UpgradeWorkflowOptions = {}) {
    super(platform, 'pins-upgrade');
    new JsonFile(this, PINS_INTENT_PATH, {
      marker: true,
      obj: { toJSON: () => pinsIntent(platform) },
    });
    this.project.addTask('upgrade-pins', {
      description: 'Resolve every pinned input (actions, base images, AWS CLI, kubectl, Python packages) to its newest release within the declared constraints, rewrite pins.lock.json, re-synthesize and print which images rebuild',
      steps: [{ execArgs: UPGRADE_PINS_CLI, receiveArgs: true }],
    });
    this.workflow = new UpgradeWorkflow(gh, options);
  }
}
