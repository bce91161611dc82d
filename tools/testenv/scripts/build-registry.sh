#!/usr/bin/env bash
# Builds the reference OCI registry (github.com/distribution/distribution/v3, the one Docker Hub,
# GitLab and Harbor run) from its Go module, as the Go module proxy serves it, and caches the binary
# by version outside the repo. Idempotent: a version already in the cache is not rebuilt.
#
# Usage: build-registry.sh
# Env:   FERRY_CACHE_DIR (default ~/.cache/ferry), FERRY_REGISTRY_VERSION (default 3.1.2),
#        FERRY_BUILD_PARALLELISM (default 2)
set -euo pipefail

VERSION="${FERRY_REGISTRY_VERSION:-3.1.2}"
CACHE="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
DIR="$CACHE/registry/v$VERSION"

command -v go >/dev/null || { echo "build-registry: Go is not installed; install Go 1.21+ (https://go.dev/dl)" >&2; exit 1; }
log() { echo "build-registry: $*" >&2; }
if [[ -x "$DIR/registry" ]]; then log "registry v$VERSION cached in $DIR"; exit 0; fi
mkdir -p "$CACHE"

# One build at a time per cache; its own lock, so it does not wait on a control-plane build.
exec 9>"$CACHE/.registry-build.lock"
flock 9
if [[ -x "$DIR/registry" ]]; then log "registry v$VERSION cached in $DIR"; exit 0; fi
rm -rf "$CACHE"/.registry-build.*

# Static (no cgo), small, reproducible. The module has no replace directives, so `go install
# module/cmd@version` builds it exactly as released; GOTOOLCHAIN stays auto (the module asks for go 1.26).
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
work="$(mktemp -d "$CACHE/.registry-build.XXXXXX")"
start=$(date +%s)
log "building registry v$VERSION in $work"
GOBIN="$work" go install -p "${FERRY_BUILD_PARALLELISM:-2}" -ldflags "-s -w" \
  "github.com/distribution/distribution/v3/cmd/registry@v$VERSION"
mkdir -p "$DIR"
# Moved into the cache only once built: present means complete.
mv "$work/registry" "$DIR/registry"
rm -rf "$work"
log "done in $(( $(date +%s) - start ))s"
