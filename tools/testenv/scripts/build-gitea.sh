#!/usr/bin/env bash
# Builds Gitea (code.gitea.io/gitea) from its Go module, as the Go module proxy serves it, and caches
# the binary by version outside the repo, together with the module source (Gitea reads its locales and
# templates from STATIC_ROOT_PATH at run time when built without the `bindata` tag). Idempotent: a
# version already in the cache is not rebuilt.
#
# Usage: build-gitea.sh
# Env:   FERRY_CACHE_DIR (default ~/.cache/ferry), FERRY_GITEA_VERSION (default 1.27.3),
#        FERRY_BUILD_PARALLELISM (default 2)
set -euo pipefail

VERSION="${FERRY_GITEA_VERSION:-1.27.3}"
CACHE="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
DIR="$CACHE/gitea/v$VERSION"

command -v go >/dev/null || { echo "build-gitea: Go is not installed; install Go 1.21+ (https://go.dev/dl)" >&2; exit 1; }
log() { echo "build-gitea: $*" >&2; }
if [[ -x "$DIR/gitea" && -d "$DIR/src/options" ]]; then log "gitea v$VERSION cached in $DIR"; exit 0; fi
mkdir -p "$CACHE"

# One build at a time per cache; its own lock, so it does not wait on another server's build.
exec 9>"$CACHE/.gitea-build.lock"
flock 9
if [[ -x "$DIR/gitea" && -d "$DIR/src/options" ]]; then log "gitea v$VERSION cached in $DIR"; exit 0; fi
rm -rf "$CACHE"/.gitea-build.*

# The module's go.mod names itself gitea.dev and has replace directives, which `go install
# module@version` refuses: build inside a writable copy of the downloaded module directory instead.
# Static (no cgo): Gitea carries the pure-Go SQLite driver (modernc.org/sqlite).
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
work="$(mktemp -d "$CACHE/.gitea-build.XXXXXX")"
start=$(date +%s)
log "downloading code.gitea.io/gitea@v$VERSION"
moddir="$(cd "$work" && go mod download -json "code.gitea.io/gitea@v$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$moddir" ]] || { log "go mod download gave no module directory"; exit 1; }
cp -r "$moddir" "$work/src"
chmod -R u+w "$work/src"
log "building gitea v$VERSION in $work/src"
# main.Version is what the Makefile sets: the API reports it (GET /api/v1/version), clients check it.
(cd "$work/src" && go build -p "${FERRY_BUILD_PARALLELISM:-2}" -ldflags "-s -w -X main.Version=$VERSION" -o "$work/gitea" .)
# Only what the server reads at run time stays beside the binary: locales, templates, public assets.
mkdir -p "$work/keep"
for d in options templates public; do [[ -d "$work/src/$d" ]] && mv "$work/src/$d" "$work/keep/$d"; done
rm -rf "$DIR.tmp"; mkdir -p "$DIR.tmp"
mv "$work/keep" "$DIR.tmp/src"
mv "$work/gitea" "$DIR.tmp/gitea"
rm -rf "$DIR"
# Moved into the cache only once complete: present means built.
mv "$DIR.tmp" "$DIR"
rm -rf "$work"
log "done in $(( $(date +%s) - start ))s"
