import { Component } from 'projen/lib/component';
import { FileBase } from 'projen/lib/file';
import { Task } from 'projen/lib/task';
import { renderLocalScript } from './local-script';
import type { ContainerImage, PlatformView } from '../platform/container-image';

/**
 * projen evaluates its node PATH (`npx -c ...`) before every task, about a
 * second; these tasks run only bash and the engine, so they keep the caller's
 * PATH and start the engine at once.
 */
const KEEP_PATH = { PATH: '$(printenv PATH)' };

/** The generated script the local image tasks run. */
export const LOCAL_SCRIPT_PATH = 'docker/image-tasks.sh';

/**
 * Local `build-image:<id>`, `test-image:<id>` and `push-image:<id>` tasks for
 * every image, and `build-images` for all, on docker, podman or buildah.
 *
 * Each task runs the generated bash script directly (an argv, no shell in
 * between), so nothing but bash stands between the task and the engine, and
 * the optional tag argument reaches the script verbatim.
 */
export class LocalImageTasks extends Component {
  /** Builds every image, passing its argument (a tag) to each build. */
  public readonly buildAll: Task;

  constructor(public readonly platform: PlatformView) {
    super(platform, 'local-image-tasks');
    new LocalTaskScript(this);
    this.buildAll = this.project.addTask('build-images', {
      description: 'Build every image locally (CONTAINER_ENGINE: docker, podman or buildah); optional argument: the tag',
      env: KEEP_PATH,
    });
  }

  /** Adds the tasks of one image. */
  public addImage(image: ContainerImage): void {
    const task = (action: string, description: string) => this.project.addTask(`${action}-image:${image.imageId}`, {
      description: `${description}; optional argument: the tag, else the tag CI would give this commit`,
      execArgs: ['bash', LOCAL_SCRIPT_PATH, action, image.imageId],
      receiveArgs: true,
      env: KEEP_PATH,
    });
    const build = task('build', `Build ${image.repository} from ${image.dockerfile} with $CONTAINER_ENGINE (docker, podman or buildah; default docker)`);
    task('test', `Run the smoke test (import every Python dependency) inside the local ${image.repository} image`);
    task('push', `Push the local ${image.repository} image to $IMAGE_REGISTRY (default ${image.platform.registry.host})`);
    this.buildAll.spawn(build, { receiveArgs: true });
  }
}

class LocalTaskScript extends FileBase {
  constructor(private readonly tasks: LocalImageTasks) {
    super(tasks, LOCAL_SCRIPT_PATH, { readonly: true, marker: true, executable: true });
  }

  protected synthesizeContent(): string {
    const platform = this.tasks.platform;
    return renderLocalScript(platform, platform.images, LOCAL_SCRIPT_PATH, this.marker ?? '');
  }
}
