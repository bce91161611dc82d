#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from Go modules (as the Go module proxy
# serves them) with the machine's Go, and caches them by version outside the repo, so CI on the same
# machine reuses them. Idempotent: a version already in the cache is not rebuilt.
#
# Why from modules: there is no Docker and no Kubernetes server package here (see docs/test-environment.md).
# Usage: build-kube.sh            (prints the cache directory of each binary when done)
# Env:   FERRY_CACHE_DIR (default ~/.cache/ferry), FERRY_K8S_VERSION, FERRY_ETCD_VERSION
set -euo pipefail

K8S_VERSION="${FERRY_K8S_VERSION:-1.35.4}"
ETCD_VERSION="${FERRY_ETCD_VERSION:-3.6.16}"
CACHE="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
KUBE_DIR="$CACHE/kube/v$K8S_VERSION"
ETCD_DIR="$CACHE/etcd/v$ETCD_VERSION"

command -v go >/dev/null || { echo "build-kube: Go is not installed; install Go 1.25+ (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"

# One build at a time per cache (two CI jobs or a test and a manual run may race).
exec 9>"$CACHE/.build.lock"
flock 9

# Reproducible, small binaries; static (no cgo) so they do not depend on the machine's libc.
# GOTOOLCHAIN is left as configured (default auto): a Go older than the modules need (1.21+) fetches
# the right toolchain itself.
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
# Two cores are shared with other work: keep the compile parallelism at 2.
PAR="${FERRY_BUILD_PARALLELISM:-2}"

log() { echo "build-kube: $*" >&2; }

build_etcd() {
  if [[ -x "$ETCD_DIR/etcd" && -f "$ETCD_DIR/.complete" ]]; then log "etcd v$ETCD_VERSION cached in $ETCD_DIR"; return; fi
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
  touch "$ETCD_DIR/.complete"
  rm -rf "$work"
}

build_kube() {
  if [[ -x "$KUBE_DIR/kube-apiserver" && -x "$KUBE_DIR/kube-controller-manager" && -f "$KUBE_DIR/.complete" ]]; then
    log "kube v$K8S_VERSION cached in $KUBE_DIR"; return
  fi
  local work; work="$(mktemp -d "$CACHE/.kube-build.XXXXXX")"
  log "building kube-apiserver and kube-controller-manager v$K8S_VERSION in $work"
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
    go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION"
    go build -p "$PAR" -ldflags "$ld" -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    go build -p "$PAR" -ldflags "$ld" -o "$work/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
  )
  mkdir -p "$KUBE_DIR"
  mv "$work/kube-apiserver" "$work/kube-controller-manager" "$KUBE_DIR/"
  touch "$KUBE_DIR/.complete"
  rm -rf "$work"
}

start=$(date +%s)
build_etcd
build_kube
log "done in $(( $(date +%s) - start ))s"
echo "$ETCD_DIR/etcd"
echo "$KUBE_DIR/kube-apiserver"
echo "$KUBE_DIR/kube-controller-manager"
