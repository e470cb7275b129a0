// OpenSSL's libcrypto (Debian libssl-dev): message digests through EVP, HMAC, CRYPTO_memcmp and
// the CSPRNG. Only libcrypto is linked; libssl (TLS) is the transport's business.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
