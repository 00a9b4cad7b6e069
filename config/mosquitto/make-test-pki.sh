#!/usr/bin/env bash
# Creates TEST TLS material in DIR (default: ./secrets next to this script): a CA, the broker's certificate for
# localhost / 127.0.0.1 (the client verifies the host name against it), and a client certificate as PKCS#12.
# For production use your own PKI; never commit the keys.
# Usage: make-test-pki.sh [DIR] [P12_PASSWORD]
set -euo pipefail
dir=${1:-"$(dirname "$0")/secrets"}
p12pass=${2:-changeit}
mkdir -p "$dir" && cd "$dir"
days=825
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days $days -subj "/CN=HybridFog test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > broker.ext
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt -days $days -extfile broker.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=hybridfog-gateway" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days $days -extfile client.ext 2>/dev/null
openssl pkcs12 -export -in client.crt -inkey client.key -certfile ca.crt -out client.p12 -passout "pass:$p12pass"
rm -f ./*.csr ./*.ext ca.srl
chmod 600 ./*.key
echo "test PKI in $dir: ca.crt, broker.crt/.key, client.p12 (password $p12pass)"
