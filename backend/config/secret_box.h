#pragma once

#include "common/status.h"

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace aegis::config {

// Encrypts secret configuration at rest with AES-256-GCM (OpenSSL). The 256-bit key lives in a
// file of its own (mode 0600) beside the database, so a copy of the database alone reveals no
// secret. Each value gets a fresh 96-bit nonce; the stored form is "aes256gcm:" + base64(nonce |
// ciphertext | tag), and a tampered value fails to decrypt. A secret's fingerprint (for change
// detection) is an HMAC-SHA256 under a key derived from the same key, so a copied database
// allows no offline guessing of weak secrets through their hashes either. Thread-safe.
class SecretBox {
public:
    // Reads the key file, creating it with a random key when it does not exist.
    static StatusOr<std::unique_ptr<SecretBox>> openOrCreate(const std::filesystem::path &keyFile);
    // For tests: a box with the given key.
    static std::unique_ptr<SecretBox> withKey(const std::array<unsigned char, 32> &key);

    std::string seal(std::string_view plaintext) const;
    // DATA_LOSS when the value is not one this key sealed (wrong key, or altered).
    StatusOr<std::string> open(std::string_view sealed) const;
    static bool isSealed(std::string_view value);
    // Hex HMAC-SHA256 of `plaintext` under the fingerprint key: equal plaintexts give equal
    // fingerprints with the same key file, and nothing is learnt from one without it.
    std::string fingerprint(std::string_view plaintext) const;
    // A 32-byte key for another purpose, derived from this one (HMAC-SHA256 of `label` under
    // it): the same on every replica that shares the key file, and it reveals nothing of it.
    // Each purpose has a label of its own ("aegis replica forwarding v1").
    std::string derivedKey(std::string_view label) const;

private:
    explicit SecretBox(const std::array<unsigned char, 32> &key);
    std::array<unsigned char, 32> m_key;
    // Derived from m_key, so the encryption key itself never keys a hash.
    std::array<unsigned char, 32> m_fingerprintKey{};
};

} // namespace aegis::config
