#!/bin/sh
# The native-git baseline of `ferry promote --push direct`: shallow single-branch clone, edit one
# image line, commit, push. Usage: native-promote.sh URL FILE IMAGE WORKDIR
set -eu
url=$1 file=$2 image=$3 work=$4
git clone --quiet --depth 1 --single-branch --branch main "$url" "$work"
cd "$work"
sed -i "s|image: .*|image: $image|" "$file"
git -c user.name=bench -c user.email=bench@ferry.invalid commit --quiet -am "promote web to dev: $image"
git push --quiet origin HEAD:main
