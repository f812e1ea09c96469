import { ECR_CONNECT_TIMEOUT_SECONDS, ECR_READ_TIMEOUT_SECONDS } from './size-script';
import { movingTags, TagPolicy } from '../declaration/tagging';
import { quote } from '../shell/quote';

/**
 * The step that refuses, before anything is built, a run whose tag already
 * names an image in ECR and is immutable there (`ecr:ensure` makes every tag
 * immutable except the ones the workflows move). ECR would refuse the push
 * anyway, after the whole build, even for an identical image.
 *
 * Reads IMAGE_TAG (already checked by the tag step), ECR_REPOSITORY,
 * ECR_REGISTRY_ID and ECR_REGION from the environment; asks ECR with the AWS
 * CLI of the runner, with connect and read timeouts.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
 */
export function renderReleaseTagScript(policy: TagPolicy): string {
  const moving = movingTags(policy);
  const casePattern = moving.map((t) => t.pattern.split('*').map((part) => (part === '' ? '' : quote(part))).join('*')).join('|');
  return [
    'set -uo pipefail',
    // GitHub reads a workflow command up to the line end: ECR's words go on one line.
    'one_line() { printf \'%s\' "$1" | tr -s \'\\r\\n\' \'  \' | sed \'s/^ *//; s/ *$//; s/%/%25/g\'; }',
    `# Tags a later run moves again: ${moving.map((t) => t.pattern).join(', ')}. ECR lets only these move.`,
    'case "$IMAGE_TAG" in',
    `  ${casePattern})`,
    '    echo "Tag $IMAGE_TAG moves with later runs: nothing to check"',
    '    exit 0 ;;',
    'esac',
    'if answer=$(aws ecr describe-images --registry-id "$ECR_REGISTRY_ID" --region "$ECR_REGION" \\',
    '    --repository-name "$ECR_REPOSITORY" --image-ids "imageTag=$IMAGE_TAG" \\',
    '    --query \'imageDetails[0].imageDigest\' --output text \\',
    `    --cli-connect-timeout ${ECR_CONNECT_TIMEOUT_SECONDS} --cli-read-timeout ${ECR_READ_TIMEOUT_SECONDS} 2>&1); then`,
    '  printf \'::error title=Tag already in ECR::%s:%s already names image %s, and ECR never moves this tag: use a new tag (a new git tag, or dispatch with -f tag=<new tag>); to replace the image on purpose, delete the tag in ECR first\\n\' \\',
    '    "$ECR_REPOSITORY" "$IMAGE_TAG" "$(one_line "$answer")" >&2',
    '  exit 1',
    'fi',
    'case "$answer" in',
    '  *"(ImageNotFoundException)"*)',
    '    echo "Tag $IMAGE_TAG is new in $ECR_REPOSITORY; once pushed it names this image for good" ;;',
    '  *"(RepositoryNotFoundException)"*)',
    '    printf \'::error title=Repository missing::%s does not exist in ECR account %s: run npx projen ecr:ensure\\n\' "$ECR_REPOSITORY" "$ECR_REGISTRY_ID" >&2',
    '    exit 1 ;;',
    '  *)',
    '    printf \'::error title=Cannot check the tag::could not ask ECR whether %s:%s exists: %s\\n\' "$ECR_REPOSITORY" "$IMAGE_TAG" "$(one_line "$answer")" >&2',
    '    exit 1 ;;',
    'esac',
    '',
  ].join('\n');
}
