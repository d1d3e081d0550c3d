// SHA-256 from the system's libcrypto (Debian's libssl-dev), through OpenSSL's EVP digest API.
#include <openssl/evp.h>
