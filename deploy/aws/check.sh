#!/usr/bin/env bash
# Checks the deployment code offline: no AWS account, no credentials, no Docker, no network but
# the npm registry for the first install. Run by `make test` (ctest's deploy_aws), or by hand:
#
#   deploy/aws/check.sh
#
#  1. npm ci, when node_modules is missing or older than package-lock.json;
#  2. tsc: type-checks and compiles bin/, lib/ and test/ into dist/;
#  3. `cdk synth` with dummy context (account-agnostic, region us-east-1, a dummy certificate),
#     in a network namespace of its own where `unshare` allows one (so it provably calls nothing),
#     with cdk-nag's AwsSolutions rules: any finding not acknowledged with a reason fails it.
#     The image is the repository's Containerfile, as in a real deployment; `docker`, `podman`
#     and `finch` are replaced by stubs that fail the check if synth ever calls them;
#  4. the tests (node --test): the template's properties, the Bedrock policy, the settings, and
#     the Kubernetes manifests and systemd unit of deploy/kubernetes and deploy/systemd.
#
# Exit status: 0 all passed; 1 a check failed; 77 Node.js 20+ or the npm packages are missing
# and could not be had (ctest reports the test as skipped).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

say() { echo "deploy/aws: $*"; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "Node.js and npm are needed (scripts/install-deps.sh installs them); skipped" >&2
  exit 77
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  say "Node.js $(node --version) is too old: aws-cdk-lib needs 20 or newer; skipped" >&2
  exit 77
fi

# npm writes node_modules/.package-lock.json on every install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error || {
    say "npm ci failed (is the npm registry reachable?); skipped" >&2
    exit 77
  }
fi

say "tsc"
rm -rf dist
./node_modules/.bin/tsc -p .

work="$(mktemp -d "${TMPDIR:-/tmp}/askdb-deploy-aws.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Stubs for every container tool the CDK could call: synth must never build an image.
mkdir -p "$work/bin"
for tool in docker podman finch; do
  printf '#!/bin/sh\necho "$0 $*" >> "%s/container-tool-calls"\nexit 1\n' "$work" > "$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done

context=(
  -c region=us-east-1
  -c certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000
)
if [ ! -f "$repo/Containerfile" ]; then
  say "no Containerfile at the repository root: synthesizing with a pushed image instead" >&2
  context+=(-c imageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/askdb:check)
fi

# No credentials, no profile, no instance metadata: nothing to call AWS with.
synth=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE
  -u AWS_REGION -u AWS_DEFAULT_REGION -u CDK_DEFAULT_ACCOUNT -u CDK_DEFAULT_REGION
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  CDK_DISABLE_CLI_TELEMETRY=true CDK_DOCKER="$work/bin/docker" PATH="$work/bin:$PATH")
isolation="with network access (unshare is not permitted here)"
if unshare -rn true 2>/dev/null; then
  synth=(unshare -rn "${synth[@]}")
  isolation="without network (own network namespace)"
fi

say "cdk synth $isolation"
"${synth[@]}" ./node_modules/.bin/cdk synth --quiet --no-notices --app "node dist/bin/askdb.js" \
  --output "$work/cdk.out" "${context[@]}"

if [ -s "$work/container-tool-calls" ]; then
  say "cdk synth called a container tool, which it must never do:" >&2
  cat "$work/container-tool-calls" >&2
  exit 1
fi
templates=("$work"/cdk.out/*.template.json)
resources="$(node -e 'const t=require(process.argv[1]); console.log(Object.keys(t.Resources).length)' "${templates[0]}")"
say "synthesized ${templates[0]##*/}: $resources resources; cdk-nag AwsSolutions: no unacknowledged finding"

say "tests"
node --test dist/test/*.test.js
