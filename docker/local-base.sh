#!/usr/bin/env bash
# Makes the local runtime base for Dockerfile when no image registry is
# reachable: a debootstrapped Debian bookworm (minbase, plus openssl and
# ca-certificates, which the runtime stage would otherwise install), imported
# into podman as localhost/certrenew-base:KEY. Prints that image reference.
#
#   docker/local-base.sh            # once; later runs reuse the cache
#
# KEY is a hash of this script (suite, variant, package list): the rootfs
# tarball is cached as target/ci-tools/base/bookworm-KEY.tar, so a change here
# makes a new base and an unchanged script reuses the old one. Needs root (or
# fakeroot-free debootstrap rights), debootstrap and podman.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
VARIANT=minbase
INCLUDE=openssl,ca-certificates
KEY=$(sha256sum "docker/local-base.sh" | cut -c1-12)
IMAGE="localhost/certrenew-base:$KEY"
CACHE="${CARGO_TARGET_DIR:-target}/ci-tools/base"
TAR="$CACHE/$SUITE-$KEY.tar"

say() { printf 'local-base: %s\n' "$*" >&2; }

if podman image exists "$IMAGE"; then
    say "$IMAGE already there"
    echo "$IMAGE"
    exit 0
fi
if [ ! -s "$TAR" ]; then
    command -v debootstrap >/dev/null || { say "debootstrap is required (apt-get install debootstrap)"; exit 1; }
    mkdir -p "$CACHE"
    root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    say "debootstrap --variant=$VARIANT --include=$INCLUDE $SUITE (about 30 s)"
    start=$SECONDS
    debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$root" >"$CACHE/debootstrap.log" 2>&1 \
        || { say "debootstrap failed; see $CACHE/debootstrap.log"; tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    # Nothing of the package lists or caches in the image.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$root" -cf "$TAR.part" .
    mv "$TAR.part" "$TAR"
    say "rootfs cached in $TAR ($((SECONDS - start)) s)"
fi
podman import --quiet "$TAR" "$IMAGE" >/dev/null
say "imported $IMAGE"
echo "$IMAGE"
