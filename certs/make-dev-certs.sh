#!/usr/bin/env bash
# Development certificates into certs/dev/ (see certs/README.md). openssl when present, else
# node-forge through Node (certs/make-dev-certs.ts). Never for production.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/dev"
if [ "$#" -eq 0 ]; then set -- localhost '*.localhost' example.test '*.example.test'; fi
mkdir -p "$out"
umask 077

if ! command -v openssl >/dev/null 2>&1; then
  node_bin="$here/../node_modules/.bin/node"
  [ -x "$node_bin" ] || node_bin=node
  exec "$node_bin" "$here/make-dev-certs.ts" "$out" "$@"
fi

san=""
for n in "$@"; do san="${san:+$san,}DNS:$n"; done
cn="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
  -subj "/CN=Portico Development CA/O=Portico development" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$cn/O=Portico development" \
  -keyout "$out/tls.key" -out "$tmp/leaf.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" > "$tmp/ext.cnf"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$tmp/ca.srl" -days 90 -sha256 -extfile "$tmp/ext.cnf" -out "$tmp/leaf.crt" 2>/dev/null
cat "$tmp/leaf.crt" "$out/ca.crt" > "$out/tls.crt"

b64() { base64 < "$1" | tr -d '\n'; }
cat > "$out/secret.yaml" <<YAML
# Development certificate for: $*. Made by certs/make-dev-certs.sh; never commit.
apiVersion: v1
kind: Secret
metadata:
  name: dev-tls
  namespace: default
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
YAML
echo "wrote $out/{ca.crt,ca.key,tls.crt,tls.key,secret.yaml} for: $*"
