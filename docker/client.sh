#!/bin/sh
# The compose file's client (certrenew-demo in the image): waits for
# mock-ra's ready line, installs the demo customer's expired identity, runs
# the access check (D3.1), one complete renewal and the confirmation page
# (D5.1) with no host mapping at all (the real hostnames resolve to the mock
# through the compose network's aliases), and exits with certrenew's code.
# STATE: mock-ra's state directory (read only); STORE: the certificate store.
set -eu
STATE=${STATE:-/state}
STORE=${STORE:-/home/certrenew/store}
READY="$STATE/ready.json"
for _ in $(seq 1 300); do
    grep -q '"event":"ready"' "$READY" 2>/dev/null && break
    sleep 0.1
done
grep -q '"event":"ready"' "$READY" 2>/dev/null \
    || { echo "certrenew-demo: no ready line in $READY" >&2; exit 3; }
# The ready line is one JSON object on one line; sed is enough for its fields.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$READY"; }
ROOT_SHA1=$(field client_root_sha1)
PASSWORD=$(sed -n 's/.*"demo":{[^}]*"password":"\([^"]*\)".*/\1/p' "$READY")
if [ -z "$PASSWORD" ]; then
    echo "certrenew-demo: the mock does not serve the demo world (CASE is set?); this client renews the demo customer only: start the mock alone (docker compose up mock)" >&2
    exit 2
fi
ID="$STATE/identities/demo"
set -- --store "$STORE" --server-ca "$STATE/web-root.pem" --root-sha1 "$ROOT_SHA1"
certrenew "$@" import --cert "$ID/cert.pem" --key "$ID/key.pem" --chain "$ID/chain.pem"
certrenew "$@" check
printf '%s\n' "$PASSWORD" | certrenew "$@" renew --password-stdin --yes
exec certrenew "$@" verify
