# shellcheck shell=bash
# The decision a promotion takes on the source image's build provenance: an
# SLSA provenance v1 statement in a Sigstore bundle, as `actions/attest`
# writes it and `gh attestation verify --format json` returns it. Checking
# the bundle's signature and certificate is the verifier's job (Sigstore's
# trust root, online); this is the policy applied to what it verified, and it
# fails closed: anything it cannot read is a refusal.
#
# `provenance_decision BUNDLE DIGEST REPOSITORY WORKFLOW MAIN_REF` reads the
# bundle file BUNDLE and accepts (status 0, one line naming the commit) only
# a statement about DIGEST, built by REPOSITORY's (owner/name) workflow file
# WORKFLOW (e.g. .github/workflows/x.yaml), from a commit that is in
# MAIN_REF's history in the current git checkout; otherwise it prints one
# `::error` line naming what failed and returns 1.
#
# https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto
# https://slsa.dev/spec/v1.0/provenance
# https://github.com/actions/attest-build-provenance

provenance_refuse() {
  printf '::error title=Provenance::refusing to promote %s: %s\n' "$1" "$2" >&2
  return 1
}

provenance_decision() {
  local bundle=$1 digest=$2 repository=$3 workflow=$4 main_ref=$5 statement facts commit
  local subject_repository subject_workflow predicate_type statement_type payload_type in_subject
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { provenance_refuse "$digest" 'it is not a sha256 digest'; return 1; }
  payload_type=$(jq -r '.dsseEnvelope.payloadType // empty' "$bundle" 2>/dev/null) || payload_type=""
  [[ "$payload_type" == application/vnd.in-toto+json ]] \
    || { provenance_refuse "$digest" 'the attestation is not a Sigstore bundle of an in-toto statement'; return 1; }
  statement=$(jq -r '.dsseEnvelope.payload' "$bundle" | base64 -d 2>/dev/null) \
    || { provenance_refuse "$digest" 'the statement is not base64'; return 1; }
  facts=$(jq -r --arg hex "${digest#sha256:}" '[
      ._type, .predicateType, ([.subject[]?.digest.sha256] | index($hex) != null | tostring),
      .predicate.buildDefinition.externalParameters.workflow.repository,
      .predicate.buildDefinition.externalParameters.workflow.path,
      (.predicate.buildDefinition.resolvedDependencies[0].digest.gitCommit // "")
    ] | map(tostring | gsub("[^A-Za-z0-9:/._@+-]"; "?")) | join(" ")' <<<"$statement" 2>/dev/null) \
    || { provenance_refuse "$digest" 'the statement is not JSON'; return 1; }
  read -r statement_type predicate_type in_subject subject_repository subject_workflow commit <<<"$facts"
  [[ "$statement_type" == https://in-toto.io/Statement/v1 && "$predicate_type" == https://slsa.dev/provenance/v1 ]] \
    || { provenance_refuse "$digest" "the statement is $predicate_type, not SLSA provenance v1"; return 1; }
  [[ "$in_subject" == true ]] || { provenance_refuse "$digest" 'the attestation is about another image'; return 1; }
  [[ "$subject_repository" == "https://github.com/$repository" ]] \
    || { provenance_refuse "$digest" "it was built by $subject_repository, not https://github.com/$repository"; return 1; }
  [[ "$subject_workflow" == "$workflow" ]] \
    || { provenance_refuse "$digest" "it was built by the workflow $subject_workflow, not $workflow"; return 1; }
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { provenance_refuse "$digest" 'the statement names no source commit'; return 1; }
  git merge-base --is-ancestor "$commit" "$main_ref" 2>/dev/null \
    || { provenance_refuse "$digest" "its source commit $commit is not in the history of $main_ref"; return 1; }
  echo "Provenance of $digest verified: built by $workflow of $repository from $commit, in the history of $main_ref"
}
