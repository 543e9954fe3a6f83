#!/usr/bin/env bash
# Regenerates the TEST-ONLY certificate authority and server certificate used by the loopback
# simulators. Nothing here is trusted anywhere but in tests (via NODE_EXTRA_CA_CERTS / `ca:`).
# The CA key is thrown away, so the CA can sign nothing else.
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

days=3650

openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca-key.pem"
openssl req -x509 -new -key "$work/ca-key.pem" -sha256 -days "$days" \
  -subj "/O=mondoo-aws-auth tests/CN=mondoo-aws-auth TEST-ONLY CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out ca.pem

openssl ecparam -name prime256v1 -genkey -noout -out "$work/server-key.sec1.pem"
openssl pkcs8 -topk8 -nocrypt -in "$work/server-key.sec1.pem" -out server-key.pem
openssl req -new -key server-key.pem -subj "/O=mondoo-aws-auth tests/CN=localhost" -out "$work/server.csr"
cat > "$work/server.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=DNS:localhost,DNS:*.test,DNS:mondoo.test,DNS:sts.test,DNS:oidc.test,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in "$work/server.csr" -CA ca.pem -CAkey "$work/ca-key.pem" -CAserial "$work/ca.srl" -CAcreateserial \
  -sha256 -days "$days" -extfile "$work/server.ext" -out server.pem

openssl verify -CAfile ca.pem server.pem
