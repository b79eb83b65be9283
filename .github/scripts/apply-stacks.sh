#!/usr/bin/env bash
# deploy.yml's apply, per stack in the order given (a network before the workloads that read its
# contract): terraform plan to a file, the egress-path guard on that plan (egress-guard.js: refused
# unless CONFIRMED names the stack), then `terraform apply` of that very plan, so what is checked is
# what is applied.
#   bash .github/scripts/apply-stacks.sh STACK ...                  (CONFIRMED: stacks a person confirmed)
#   bash .github/scripts/apply-stacks.sh --check-backend STACK ...  refuse runner-local state
# Run from the repository root after `npm run synth`.
set -euo pipefail
here=$(dirname "$0")
if [ "${1:-}" = "--check-backend" ]; then
  shift
  for stack in "$@"; do
    # A runner has no state: an apply against none would create every resource again.
    if grep -l '"local"' "cdktf.out/stacks/$stack/cdk.tf.json"; then
      echo "::error::$stack uses the local backend; set \"backend\" in its config file to cloud or s3 before deploying from CI"
      exit 1
    fi
  done
  exit 0
fi
for stack in "$@"; do
  dir="cdktf.out/stacks/$stack"
  echo "::group::$stack"
  terraform -chdir="$dir" init -no-color -input=false
  terraform -chdir="$dir" plan -no-color -input=false -out=deploy.tfplan
  terraform -chdir="$dir" show -json deploy.tfplan > "$dir/deploy.plan.json"
  echo "::endgroup::"
  # Exits 1 (with its ::error::) when the plan cuts an egress path no one confirmed: nothing applied.
  node "$here/egress-guard.js" "$stack" "$dir/deploy.plan.json"
  echo "::group::$stack: apply"
  terraform -chdir="$dir" apply -no-color -input=false deploy.tfplan
  echo "::endgroup::"
done
