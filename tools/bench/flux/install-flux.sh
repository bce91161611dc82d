#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from their Go modules, as the Go module
# proxy serves them, with their CRDs, into ~/.cache/ferry/flux/v<VERSION> (`npm run bench` runs it
# before the flux scenario; npm test, npm ci and testenv:install never do, so CI does not pay for it).
# Idempotent: a version already in the cache is not rebuilt. About 2.5 min per controller on 2 cores.
#
# Usage: install-flux.sh
# Env:   FERRY_CACHE_DIR (default ~/.cache/ferry), FERRY_FLUX_VERSION (default 1.9.6: v1.10 needs Go 1.27),
#        FERRY_BUILD_PARALLELISM (default 2)
# On failure the last line on stderr says why ("install-flux: ..."); the bench prints it.
set -euo pipefail

VERSION="${FERRY_FLUX_VERSION:-1.9.6}"
CACHE="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
DIR="$CACHE/flux/v$VERSION"
log() { echo "install-flux: $*" >&2; }
fail() { log "$*"; exit 1; }

complete() { [[ -x "$DIR/source-controller" && -x "$DIR/kustomize-controller" && -d "$DIR/crds" ]]; }
command -v go >/dev/null || fail "Go is not installed; install Go 1.26+ (https://go.dev/dl)"
if complete; then log "Flux v$VERSION cached in $DIR"; exit 0; fi
mkdir -p "$CACHE/flux"

exec 9>"$CACHE/.flux-build.lock"
flock 9
if complete; then log "Flux v$VERSION cached in $DIR"; exit 0; fi
rm -rf "$CACHE"/flux/.build.*

export CGO_ENABLED=0
work="$(mktemp -d "$CACHE/flux/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out/crds"

build() { # name, extra go mod edit arguments...
  local name="$1"; shift
  local start mod src
  start=$(date +%s)
  log "downloading github.com/fluxcd/$name@v$VERSION"
  local json why
  if ! json="$(go mod download -json "github.com/fluxcd/$name@v$VERSION" 2>&1)"; then
    why="$(sed -n 's/^\s*"Error": "\(.*\)",\?$/\1/p' <<<"$json" | head -1)"
    fail "go mod download github.com/fluxcd/$name@v$VERSION failed: ${why:-$(tail -1 <<<"$json")}"
  fi
  mod="$(sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p' <<<"$json")"
  [[ -n "$mod" && -d "$mod" ]] || fail "go mod download github.com/fluxcd/$name@v$VERSION gave no module directory"
  # The module cache is read-only, and its go.mod replaces ./api, which the module zip lacks: build a
  # writable copy that takes the api module the proxy serves at the required version.
  src="$work/$name"
  cp -r "$mod" "$src"
  chmod -R u+w "$src"
  (cd "$src" && go mod edit -dropreplace "github.com/fluxcd/$name/api" "$@")
  log "building $name v$VERSION"
  if ! (cd "$src" && GOFLAGS=-mod=mod go build -p "${FERRY_BUILD_PARALLELISM:-2}" -trimpath -buildvcs=false \
    -ldflags "-s -w" -o "$work/out/$name" . 2>&1 | tee "$work/$name-build.log" >&2; exit "${PIPESTATUS[0]}"); then
    fail "go build of $name v$VERSION failed: $(grep -v '^go: downloading' "$work/$name-build.log" | tail -3 | tr '\n' ' ')"
  fi
  cp "$src"/config/crd/bases/*.yaml "$work/out/crds/"
  log "$name built in $(( $(date +%s) - start ))s"
}

# pkg/artifact v0.18.3, which source-controller v1.9.6 requires, is refused by the module proxy here.
build source-controller -replace github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0
build kustomize-controller

rm -rf "$DIR"
# Moved into the cache only once both are built: present means complete.
mv "$work/out" "$DIR"
log "Flux v$VERSION in $DIR"
