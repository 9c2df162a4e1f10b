#!/bin/sh
# modsig.sh MODULE CERT.der -- verify a kernel module's appended signature
# against a certificate, the way the kernel would with that key enrolled:
# the PKCS#7 blob covers the module bytes before it. Exit 0 if it verifies.
#   module | PKCS#7 (DER) | struct module_signature (12 bytes, sig_len is
#   its big-endian last 4) | "~Module signature appended~\n" (28 bytes)
set -eu
ko=$1 cert=$2
t=$(mktemp -d "${TMPDIR:-/tmp}/modsig.XXXXXX")
trap 'rm -rf "$t"' EXIT
len=$(stat -c %s "$ko")
[ "$(tail -c 28 "$ko")" = "~Module signature appended~" ] || { echo "modsig: $ko is not signed" >&2; exit 1; }
siglen=$(tail -c 40 "$ko" | head -c 12 | od -An -tu1 | awk '{print (($9*256+$10)*256+$11)*256+$12}')
body=$((len - 40 - siglen))
[ "$siglen" -gt 0 ] && [ "$body" -gt 0 ] || { echo "modsig: bad signature length $siglen" >&2; exit 1; }
head -c "$body" "$ko" >"$t/body"
tail -c $((siglen + 40)) "$ko" | head -c "$siglen" >"$t/sig"
openssl x509 -inform DER -in "$cert" -out "$t/cert.pem"
# -noverify: the throwaway cert has no CA chain; the signature itself is
# still checked against the certificate's key.
openssl cms -verify -binary -inform DER -in "$t/sig" -content "$t/body" \
	-certfile "$t/cert.pem" -nointern -noverify -out /dev/null
