# shellcheck shell=bash
# Build provenance of the images, when the registry declaration enables it
# (`Registry.ecr({ ..., provenance: true })`): every newly built digest gets a
# signed SLSA provenance attestation from `actions/attest` (an OCI referrer in
# ECR), and a promotion first verifies the source image's attestation here.
#
# `gh attestation verify --bundle-from-oci --format json` checks the Sigstore
# signature, the certificate's chain and transparency log entry, the
# repository and the signer workflow (the reusable image workflow, whose
# `job_workflow_ref` is the certificate's identity); it prints an array of
# {verificationResult: {statement, signature: {certificate}}, attestation:
# {bundle}}. `provenance_decision` is the policy applied to what it verified,
# and it fails closed: anything it cannot read is a refusal.
#
# https://cli.github.com/manual/gh_attestation_verify
# https://slsa.dev/spec/v1.0/provenance
# https://github.com/actions/attest

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"

# The seconds `gh attestation verify` may take: it reads the referrers from
# ECR and Sigstore's trust root.
provenance_verify_timeout=180

provenance_refuse() {
  printf '::error title=Provenance::refusing to promote %s: %s\n' "$1" "$2" >&2
  return 1
}

# provenance_entry VERIFIED INDEX DIGEST REPOSITORY SIGNER WORKFLOW MAIN_REF:
# the INDEX-th verified attestation of VERIFIED, checked against the policy.
# Prints the acceptance line (status 0) or the reason it fails (status 1).
provenance_entry() {
  local verified=$1 index=$2 digest=$3 repository=$4 signer=$5 workflow=$6 main_ref=$7 facts
  local statement_type predicate_type in_subject subject_repository subject_workflow commit signer_uri signer_commit
  # Every value is reduced to a safe alphabet, so none can open a workflow command or split the line.
  facts=$(jq -r --argjson i "$index" --arg hex "${digest#sha256:}" '.[$i].verificationResult as $r | $r.statement as $s | [
      $s._type, $s.predicateType, ([$s.subject[]?.digest.sha256] | index($hex) != null),
      $s.predicate.buildDefinition.externalParameters.workflow.repository,
      $s.predicate.buildDefinition.externalParameters.workflow.path,
      $s.predicate.buildDefinition.resolvedDependencies[0]?.digest.gitCommit,
      $r.signature.certificate.buildSignerURI, $r.signature.certificate.sourceRepositoryDigest
    ] | map(if . == null or . == "" then "-" else tostring | gsub("[^A-Za-z0-9:/._@+-]"; "?") end) | join(" ")' \
    "$verified" 2>/dev/null) || { echo "gh's result #$index is not a verified attestation"; return 1; }
  read -r statement_type predicate_type in_subject subject_repository subject_workflow commit signer_uri signer_commit <<<"$facts"
  [[ "$statement_type" == https://in-toto.io/Statement/v1 && "$predicate_type" == https://slsa.dev/provenance/v1 ]] \
    || { echo "the statement is $predicate_type, not SLSA provenance v1"; return 1; }
  [[ "$in_subject" == true ]] || { echo 'the attestation is about another image'; return 1; }
  [[ "$subject_repository" == "https://github.com/$repository" ]] \
    || { echo "it was built by $subject_repository, not https://github.com/$repository"; return 1; }
  [[ "$signer_uri" == "https://github.com/$repository/$signer@"* ]] \
    || { echo "it was signed by $signer_uri, not this repository's $signer"; return 1; }
  [[ "$subject_workflow" == "$workflow" ]] \
    || { echo "it was built by the workflow $subject_workflow, not $workflow"; return 1; }
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { echo 'the statement names no source commit'; return 1; }
  [[ "$commit" == "$signer_commit" ]] \
    || { echo "the statement's commit $commit is not the commit $signer_commit the signer ran on"; return 1; }
  git merge-base --is-ancestor "$commit" "$main_ref" 2>/dev/null \
    || { echo "its source commit $commit is not in the history of $main_ref"; return 1; }
  echo "Provenance of $digest verified: built by $workflow of $repository (signed by $signer) from $commit, in the history of $main_ref"
}

# `provenance_decision VERIFIED DIGEST REPOSITORY SIGNER WORKFLOW MAIN_REF`
# reads VERIFIED, the output of `gh attestation verify --format json`, and
# accepts (status 0, one line naming the commit) when one of its attestations
# is SLSA provenance v1 about DIGEST, signed by REPOSITORY's (owner/name)
# reusable workflow SIGNER, built by its workflow file WORKFLOW (the caller,
# e.g. .github/workflows/x.yaml) from a commit in MAIN_REF's history in the
# current git checkout; otherwise it prints one `::error` line naming what
# failed (for the first attestation) and returns 1.
provenance_decision() {
  local verified=$1 digest=$2 repository=$3 signer=$4 workflow=$5 main_ref=$6 count index reason first=""
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { provenance_refuse "$digest" 'it is not a sha256 digest'; return 1; }
  count=$(jq -r 'if type == "array" then length else error("not a list") end' "$verified" 2>/dev/null) \
    || { provenance_refuse "$digest" "gh's output is not a JSON list of verified attestations"; return 1; }
  (( count > 0 )) || { provenance_refuse "$digest" 'gh verified no attestation'; return 1; }
  for (( index = 0; index < count; index++ )); do
    if reason=$(provenance_entry "$verified" "$index" "$digest" "$repository" "$signer" "$workflow" "$main_ref"); then
      echo "$reason"
      return 0
    fi
    first=${first:-$reason}
  done
  provenance_refuse "$digest" "$first$( (( count == 1 )) || echo " (and $((count - 1)) more attestations failed too)")"
}

# The step a promotion runs first when provenance is enabled: verifies the
# attestation of the image the inputs tag names (IMAGE_DIGEST, in
# IMAGE_REPOSITORY, the ECR image name without tag) with `gh` (GH_TOKEN),
# signed by SIGNER_WORKFLOW of GITHUB_REPOSITORY and built by the caller
# workflow of CALLER_WORKFLOW_REF (`github.workflow_ref`), from a commit of the
# latest branch, which the checkout holds (fetch-depth 0). Fails the job on a
# refusal, so nothing is promoted; the job summary says what was verified or
# why it refused.
provenance_step() {
  local main="refs/remotes/origin/$image_build_latest_branch" workflow verified errors status=0 line
  local repository_pattern='^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' workflow_pattern='^\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml$'
  local image_pattern='^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$'
  workflow=${CALLER_WORKFLOW_REF#"${GITHUB_REPOSITORY:-}/"}
  workflow=${workflow%%@*}
  if [[ ! "${GITHUB_REPOSITORY:-}" =~ $repository_pattern || ! "$SIGNER_WORKFLOW" =~ $workflow_pattern
        || ! "$workflow" =~ $workflow_pattern || "$CALLER_WORKFLOW_REF" != "$GITHUB_REPOSITORY/$workflow@"*
        || ! "$IMAGE_REPOSITORY" =~ $image_pattern ]]; then
    printf '::error title=Provenance::cannot verify: repository %q, signer %q, caller workflow %q or image %q is malformed\n' \
      "${GITHUB_REPOSITORY:-}" "$SIGNER_WORKFLOW" "${CALLER_WORKFLOW_REF:0:200}" "$IMAGE_REPOSITORY" >&2
    return 1
  fi
  if [[ ! "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    provenance_refuse "${IMAGE_DIGEST:0:80}" 'it is not a sha256 digest'
    return 1
  fi
  verified=$(mktemp) errors=$(mktemp)
  timeout "$provenance_verify_timeout" gh attestation verify "oci://$IMAGE_REPOSITORY@$IMAGE_DIGEST" --bundle-from-oci \
    --repo "$GITHUB_REPOSITORY" --signer-workflow "$GITHUB_REPOSITORY/$SIGNER_WORKFLOW" --format json \
    >"$verified" 2>"$errors" || status=$?
  if (( status != 0 )); then
    # gh's reason, on one line of a safe alphabet.
    line=$(tr -s '\n\r' '  ' <"$errors" | LC_ALL=C tr -c 'A-Za-z0-9 :/._@+=,()-' '?' | sed 's/ *$//' | cut -c1-300)
    provenance_refuse "$IMAGE_DIGEST" \
      "gh attestation verify found no valid attestation signed by $GITHUB_REPOSITORY/$SIGNER_WORKFLOW (exit $status: ${line:-no message})" 2>"$errors" || true
    cat "$errors" >&2
  elif line=$(provenance_decision "$verified" "$IMAGE_DIGEST" "$GITHUB_REPOSITORY" "$SIGNER_WORKFLOW" "$workflow" "$main" 2>"$errors"); then
    rm -f "$verified" "$errors"
    echo "$line"
    { echo; echo "$line."; } >> "$GITHUB_STEP_SUMMARY"
    return 0
  else
    cat "$errors" >&2
  fi
  line=$(sed 's/^::error title=Provenance:://' "$errors")
  rm -f "$verified" "$errors"
  { echo; echo "Not promoted: ${line^}. Dispatch with \`rebuild: true\` to build and attest the image again."; } >> "$GITHUB_STEP_SUMMARY"
  return 1
}
