#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from Go modules (as the Go module proxy
# serves them) with the machine's Go, and caches them by version outside the repo, so CI on the same
# machine reuses them. Idempotent: a version already in the cache is not rebuilt.
#
# Why from modules: there is no Docker and no Kubernetes server package here (see docs/test-environment.md).
# Usage: build-kube.sh
# Env:   FERRY_CACHE_DIR (default ~/.cache/ferry), FERRY_K8S_VERSION, FERRY_ETCD_VERSION,
#        FERRY_BUILD_NODES=1 (also kube-scheduler and kwok), FERRY_KWOK_VERSION
set -euo pipefail

K8S_VERSION="${FERRY_K8S_VERSION:-1.35.4}"
ETCD_VERSION="${FERRY_ETCD_VERSION:-3.6.16}"
CACHE="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
KUBE_DIR="$CACHE/kube/v$K8S_VERSION"
ETCD_DIR="$CACHE/etcd/v$ETCD_VERSION"
KWOK_VERSION="${FERRY_KWOK_VERSION:-0.7.0}"
KWOK_DIR="$CACHE/kwok/v$KWOK_VERSION"

command -v go >/dev/null || { echo "build-kube: Go is not installed; install Go 1.25+ (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"

# One build at a time per cache (two CI jobs or a test and a manual run may race).
exec 9>"$CACHE/.build.lock"
flock 9
# Work directories of an interrupted or failed build (we hold the lock, so none is in use).
rm -rf "$CACHE"/.etcd-build.* "$CACHE"/.kube-build.* "$CACHE"/.kwok-build.*

# Reproducible, small binaries; static (no cgo) so they do not depend on the machine's libc.
# GOTOOLCHAIN is left as configured (default auto): a Go older than the modules need (1.21+) fetches
# the right toolchain itself.
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
# Two cores are shared with other work: keep the compile parallelism at 2.
PAR="${FERRY_BUILD_PARALLELISM:-2}"

log() { echo "build-kube: $*" >&2; }

build_etcd() {
  if [[ -x "$ETCD_DIR/etcd" ]]; then log "etcd v$ETCD_VERSION cached in $ETCD_DIR"; return; fi
  local work; work="$(mktemp -d "$CACHE/.etcd-build.XXXXXX")"
  log "building etcd v$ETCD_VERSION in $work"
  cat >"$work/main.go" <<'GO'
// Throwaway main: etcd's own binary is just etcdmain.Main.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "$work"
    go mod init ferry.local/etcd-build >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
    go mod tidy
    go build -p "$PAR" -ldflags "-s -w" -o "$work/etcd" .
  )
  mkdir -p "$ETCD_DIR"
  mv "$work/etcd" "$ETCD_DIR/etcd"
  rm -rf "$work"
}

# Builds whichever of the given k8s.io/kubernetes commands are not cached yet. A binary is moved into
# the cache only once built, so its presence means it is complete.
build_kube() {
  local missing=()
  for cmd in "$@"; do [[ -x "$KUBE_DIR/$cmd" ]] || missing+=("$cmd"); done
  if ((${#missing[@]} == 0)); then log "kube v$K8S_VERSION ($*) cached in $KUBE_DIR"; return; fi
  local work; work="$(mktemp -d "$CACHE/.kube-build.XXXXXX")"
  log "building ${missing[*]} v$K8S_VERSION in $work"
  local staging="0.${K8S_VERSION#1.}"
  # k8s.io/kubernetes replaces its staging modules with ./staging/...; a dependency's replace
  # directives are ignored, so this module pins each staging module to the matching v0.N.P itself.
  local gomod; gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || { log "could not download k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
  {
    echo "module ferry.local/kube-build"
    echo
    echo "go 1.25"
    echo
    echo "replace ("
    sed -n 's#^\s*\(k8s\.io/[A-Za-z0-9_.-]*\) => \./staging/src/k8s\.io/.*$#\t\1 => \1 v'"$staging"'#p' "$gomod"
    echo ")"
  } >"$work/go.mod"
  grep -q 'k8s.io/api =>' "$work/go.mod" || { log "no staging replaces found in $gomod"; exit 1; }
  local pkg="k8s.io/component-base/version"
  local ld="-s -w -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
  (
    cd "$work"
    local pkgs=()
    for cmd in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd@v$K8S_VERSION"); done
    go get "${pkgs[@]}"
    for cmd in "${missing[@]}"; do
      go build -p "$PAR" -ldflags "$ld" -o "$work/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
  )
  mkdir -p "$KUBE_DIR"
  for cmd in "${missing[@]}"; do mv "$work/$cmd" "$KUBE_DIR/$cmd"; done
  rm -rf "$work"
}

# kwok simulates nodes (and the kubelet's pod status updates), so pods become Ready without a kubelet.
build_kwok() {
  if [[ -x "$KWOK_DIR/kwok" ]]; then log "kwok v$KWOK_VERSION cached in $KWOK_DIR"; return; fi
  local work; work="$(mktemp -d "$CACHE/.kwok-build.XXXXXX")"
  log "building kwok v$KWOK_VERSION in $work"
  (
    cd "$work"
    go mod init ferry.local/kwok-build >/dev/null 2>&1
    go get "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
    go build -p "$PAR" -ldflags "-s -w" -o "$work/kwok" sigs.k8s.io/kwok/cmd/kwok
  )
  mkdir -p "$KWOK_DIR"
  mv "$work/kwok" "$KWOK_DIR/kwok"
  rm -rf "$work"
}

start=$(date +%s)
build_etcd
build_kube kube-apiserver kube-controller-manager
# Optional parts (pods that become Ready): FERRY_BUILD_NODES=1.
if [[ "${FERRY_BUILD_NODES:-0}" == 1 ]]; then
  build_kube kube-apiserver kube-controller-manager kube-scheduler
  build_kwok
fi
log "done in $(( $(date +%s) - start ))s"
