#!/usr/bin/env bash
# Regenerates the TEST-ONLY self-signed certificate for the name `localhost` only (no IP address in it), used
# to show that a certificate is checked against the destination, not the proxy's name, through a tunnel.
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.sec1.pem"
openssl pkcs8 -topk8 -nocrypt -in "$work/key.sec1.pem" -out name-only-key.pem
openssl req -x509 -new -key name-only-key.pem -sha256 -days 3650 \
  -subj "/O=mondoo-aws-auth tests/CN=localhost" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature" \
  -addext "extendedKeyUsage=serverAuth" \
  -addext "subjectAltName=DNS:localhost" \
  -out name-only.pem
