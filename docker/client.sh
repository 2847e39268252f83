#!/bin/sh
# The compose file's client: waits for mock-ra's ready line, installs the demo
# customer's expired identity, runs the access check (D3.1) and one complete
# renewal with no host mapping at all (the real hostnames resolve to the mock
# through the compose network's aliases), and exits with certrenew's code.
set -eu
STATE=${STATE:-/state}
STORE=${STORE:-/home/certrenew/store}
for _ in $(seq 1 300); do
    [ -s "$STATE/ready.json" ] && break
    sleep 0.1
done
[ -s "$STATE/ready.json" ] || { echo "certrenew-demo: no ready line in $STATE/ready.json" >&2; exit 3; }
# The ready line is one JSON object on one line; sed is enough to read two fields.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$STATE/ready.json"; }
ROOT_SHA1=$(field client_root_sha1)
PASSWORD=$(sed -n 's/.*"demo":{[^}]*"password":"\([^"]*\)".*/\1/p' "$STATE/ready.json")
ID="$STATE/identities/demo"
set -- --store "$STORE" --server-ca "$STATE/web-root.pem" --root-sha1 "$ROOT_SHA1"
certrenew "$@" import --cert "$ID/cert.pem" --key "$ID/key.pem" --chain "$ID/chain.pem"
certrenew "$@" check
printf '%s\n' "$PASSWORD" | certrenew "$@" renew --password-stdin --yes
exec certrenew "$@" verify
