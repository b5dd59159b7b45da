#include "config/secret_box.h"

#include "common/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace aegis::config {
namespace {

constexpr std::string_view kPrefix = "aes256gcm:";
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

std::string base64(const unsigned char *data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data,
                                        static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> unbase64(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(3 * text.size() / 4, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                        reinterpret_cast<const unsigned char *>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t padding = 0;
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
        ++padding;
    }
    out.resize(static_cast<std::size_t>(written) - padding);
    return out;
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// What the fingerprint key is derived for; a new purpose would use a new label.
constexpr std::string_view kFingerprintLabel = "aegis config fingerprint v1";

std::array<unsigned char, 32> hmacSha256(const std::array<unsigned char, 32> &key,
                                         std::string_view data) {
    std::array<unsigned char, 32> out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(data.data()), data.size(), out.data(), &length);
    return out;
}

} // namespace

SecretBox::SecretBox(const std::array<unsigned char, 32> &key)
    : m_key(key)
    , m_fingerprintKey(hmacSha256(key, kFingerprintLabel)) {}

std::string SecretBox::fingerprint(std::string_view plaintext) const {
    return hmacSha256Hex(std::string_view(reinterpret_cast<const char *>(m_fingerprintKey.data()),
                                          m_fingerprintKey.size()),
                         plaintext);
}

std::string SecretBox::derivedKey(std::string_view label) const {
    const auto key = hmacSha256(m_key, label);
    return std::string(reinterpret_cast<const char *>(key.data()), key.size());
}

StatusOr<std::unique_ptr<SecretBox>> SecretBox::openOrCreate(const std::filesystem::path &keyFile) {
    std::array<unsigned char, 32> key{};
    std::ifstream in(keyFile, std::ios::binary);
    if (in) {
        in.read(reinterpret_cast<char *>(key.data()), key.size());
        if (in.gcount() != static_cast<std::streamsize>(key.size())) {
            return Status(StatusCode::DataLoss,
                          keyFile.string() + " is not a 32-byte key; secrets cannot be read");
        }
        return std::unique_ptr<SecretBox>(new SecretBox(key));
    }
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        return internalError("no randomness for the configuration key");
    }
    const int fd = ::open(keyFile.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        return unavailable("cannot create " + keyFile.string());
    }
    const bool written =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        return unavailable("cannot write " + keyFile.string());
    }
    return std::unique_ptr<SecretBox>(new SecretBox(key));
}

std::unique_ptr<SecretBox> SecretBox::withKey(const std::array<unsigned char, 32> &key) {
    return std::unique_ptr<SecretBox>(new SecretBox(key));
}

bool SecretBox::isSealed(std::string_view value) {
    return value.rfind(kPrefix, 0) == 0;
}

std::string SecretBox::seal(std::string_view plaintext) const {
    std::string raw(kNonceBytes + plaintext.size() + kTagBytes, '\0');
    auto *bytes = reinterpret_cast<unsigned char *>(raw.data());
    RAND_bytes(bytes, kNonceBytes);
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int length = 0;
    EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, m_key.data(), bytes);
    EVP_EncryptUpdate(context.get(), bytes + kNonceBytes, &length,
                      reinterpret_cast<const unsigned char *>(plaintext.data()),
                      static_cast<int>(plaintext.size()));
    EVP_EncryptFinal_ex(context.get(), bytes + kNonceBytes + length, &length);
    EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                        bytes + kNonceBytes + plaintext.size());
    return std::string(kPrefix) + base64(bytes, raw.size());
}

StatusOr<std::string> SecretBox::open(std::string_view sealed) const {
    const Status damaged(StatusCode::DataLoss,
                         "a secret could not be decrypted (wrong key file, or altered)");
    if (!isSealed(sealed)) {
        return damaged;
    }
    const auto raw = unbase64(sealed.substr(kPrefix.size()));
    if (!raw || raw->size() < kNonceBytes + kTagBytes) {
        return damaged;
    }
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw->data());
    const std::size_t size = raw->size() - kNonceBytes - kTagBytes;
    std::string plaintext(size, '\0');
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int length = 0;
    EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, m_key.data(), bytes);
    EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char *>(plaintext.data()), &length,
                      bytes + kNonceBytes, static_cast<int>(size));
    EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                        const_cast<unsigned char *>(bytes + kNonceBytes + size));
    if (EVP_DecryptFinal_ex(context.get(),
                            reinterpret_cast<unsigned char *>(plaintext.data()) + length,
                            &length) != 1) {
        return damaged;
    }
    return plaintext;
}

} // namespace aegis::config
