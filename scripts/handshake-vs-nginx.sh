#!/usr/bin/env bash
# Full mutual-TLS handshakes per second against webra2 (mock-ra) and against
# nginx set up with the same kind of certificates (P-256 server certificate
# under a web root, a client certificate expired 10 days ago under the
# client-CA root and its issuing CA, client-certificate verification with the
# issuing CA's CRL), side by side in one run, with `openssl s_time -new
# -www /`; prints both rates and their ratio. Not run by CI.
#
#   cargo build --release -p mock-ra -p certs-gen
#   scripts/handshake-vs-nginx.sh            # SECS=10 per server by default
#
# Needs openssl and nginx (Debian: apt-get install nginx-light).
set -euo pipefail

secs=${SECS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/target/release}
work=$(mktemp -d)
mock_pid=
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for tool in openssl nginx python3; do
    command -v "$tool" >/dev/null || { echo "handshake-vs-nginx: $tool is not installed" >&2; exit 2; }
done
for b in mock-ra certs-gen; do
    [ -x "$bin/$b" ] || { echo "handshake-vs-nginx: $bin/$b missing: cargo build --release -p $b" >&2; exit 2; }
done

# webra2: the demo world (one customer, certificate expired 10 days ago).
"$bin/mock-ra" serve --state-dir "$work/ra" >"$work/ready.json" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 1 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
read -r webra2_port demo_dir web_root < <(python3 - "$work/ready.json" <<'PY'
import json, sys
line = json.loads(open(sys.argv[1]).readline())
print(line["webra2"].rsplit(":", 1)[1], line["demo"]["identity"], line["web_root_pem"])
PY
)

# nginx: a PKI of the same kind from certs-gen.
"$bin/certs-gen" --out "$work/pki" --client alice=-10d >/dev/null
pki=$work/pki
cat "$pki/client-ca/issuing.pem" "$pki/client-ca/root.pem" >"$work/client-cas.pem"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/tmp;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        ssl_certificate $pki/web/webra2.pem;
        ssl_certificate_key $pki/web/webra2.key.pem;
        ssl_client_certificate $work/client-cas.pem;
        ssl_crl $pki/client-ca/issuing-crl.pem;
        ssl_verify_client optional;
        ssl_verify_depth 2;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / { return 200 "ok\n"; }
    }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.err"
for _ in $(seq 1 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done

rate() { # port cert key cafile -> connections per second
    openssl s_time -connect "127.0.0.1:$1" -new -www / -time "$secs" \
        -cert "$2" -key "$3" -CAfile "$4" 2>/dev/null |
        awk '/connections in [0-9]+ real seconds/ { if ($4 > 0) printf "%.1f\n", $1 / $4 }' |
        head -1
}

ra=$(rate "$webra2_port" "$demo_dir/cert.pem" "$demo_dir/key.pem" "$web_root")
ng=$(rate "$nginx_port" "$pki/clients/alice/cert.pem" "$pki/clients/alice/key.pem" "$pki/web/root.pem")
echo "full handshakes + GET / per wall second (openssl s_time -new, ${secs}s each, one client process)"
echo "  webra2 (mock-ra)  ${ra:-?}"
echo "  nginx             ${ng:-?}"
python3 - "${ra:-0}" "${ng:-0}" <<'PY'
import sys
ra, ng = float(sys.argv[1]), float(sys.argv[2])
print(f"  ratio webra2/nginx {ra / ng:.2f}" if ng else "  ratio: nginx gave no figure")
PY
