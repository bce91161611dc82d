#!/bin/sh
# The tightest native-git baseline: a shallow partial clone (no blobs: --filter=blob:none, the
# server must allow it) with only the edited file checked out, so git fetches that one blob.
# Usage: native-promote-sparse.sh URL FILE IMAGE WORKDIR
set -eu
url=$1 file=$2 image=$3 work=$4
git clone --quiet --depth 1 --filter=blob:none --single-branch --branch main --no-checkout "$url" "$work"
cd "$work"
git sparse-checkout set --no-cone "/$file"
git checkout --quiet main
sed -i "s|image: .*|image: $image|" "$file"
git -c user.name=bench -c user.email=bench@ferry.invalid commit --quiet -am "promote web to dev: $image"
git push --quiet origin HEAD:main
