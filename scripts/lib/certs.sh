#!/usr/bin/env bash
# The test rig's TLS material: a local CA and the certificates the broker, the registry proxy and
# the test clients use, generated with openssl (never committed; they live under .lab/).
#
#   scripts/lib/certs.sh DIR KEY_PASSWORD
#
# Writes into DIR (idempotent: kept while the CA is valid for 30 more days and the inputs match):
#   ca.crt                   the rig's CA (what a client trusts)
#   other-ca.crt             a CA nobody uses to sign the broker: "untrusted CA" tests trust only it
#   server.crt, server.key   broker / registry proxy, SAN IP:127.0.0.1 and DNS:localhost
#   server.pem               the same key (PKCS#8) followed by the chain: Kafka's PEM keystore
#   expired.pem              a server certificate whose validity ended before it began (expired)
#   wronghost.pem            a server certificate for wrong-host.invalid only (hostname mismatch)
#   client.crt, client.key   a client certificate for the mTLS listener (key not encrypted)
#   client-encrypted.key     the same client key, PKCS#8 encrypted (AES-256) with KEY_PASSWORD
set -euo pipefail

DIR=${1:?usage: certs.sh DIR KEY_PASSWORD}
KEY_PASSWORD=${2:?usage: certs.sh DIR KEY_PASSWORD}
VERSION=1

command -v openssl >/dev/null 2>&1 || { echo "certs: openssl not found on PATH (apt-get install -y openssl)" >&2; exit 1; }

mkdir -p "$DIR"
marker="$DIR/.generated"
want="$VERSION $(printf '%s' "$KEY_PASSWORD" | sha256sum | cut -d' ' -f1)"
if [[ -f $marker && $(<"$marker") == "$want" && -f $DIR/ca.crt ]] &&
  openssl x509 -in "$DIR/ca.crt" -noout -checkend $((30 * 86400)) >/dev/null 2>&1; then
  exit 0
fi

tmp=$(mktemp -d "$DIR/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
ssl() { openssl "$@" 2>>"$tmp/openssl.log" || { echo "certs: openssl $1 failed: $(tail -1 "$tmp/openssl.log")" >&2; exit 1; }; }

ca() { # name subject
  ssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 825 -subj "$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

# Signs a leaf certificate with the rig's CA. days may be -1: an expired certificate.
leaf() { # name subject san extendedKeyUsage days
  ssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
  ssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
    "$4" "${3:+subjectAltName=$3}" >"$1.ext"
  ssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$5" -sha256 -extfile "$1.ext" -out "$1.crt"
  cat "$1.key" "$1.crt" ca.crt >"$1.pem"
}

ca ca "/CN=Kafka Consumer Lab test CA"
ca other-ca "/CN=Kafka Consumer Lab untrusted CA"
leaf server "/CN=localhost" "IP:127.0.0.1,DNS:localhost" serverAuth 825
leaf expired "/CN=localhost" "IP:127.0.0.1,DNS:localhost" serverAuth -1
leaf wronghost "/CN=wrong-host.invalid" "DNS:wrong-host.invalid" serverAuth 825
leaf client "/CN=lab-client" "" clientAuth 825
ssl pkcs8 -topk8 -in client.key -v2 aes-256-cbc -passout "pass:$KEY_PASSWORD" -out client-encrypted.key

chmod 600 ./*.key ./*.pem
for f in ca.crt other-ca.crt server.crt server.key server.pem expired.pem wronghost.pem client.crt client.key client-encrypted.key; do
  mv -f "$f" "$DIR/$f"
done
echo "$want" >"$marker"
