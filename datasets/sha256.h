#pragma once
// SHA-256 through OpenSSL's libcrypto (EVP), as lowercase hex: file checksums in the dataset registry and
// prompt hashes in tasks and results.
#include <filesystem>
#include <string>
#include <string_view>

namespace dream::datasets {

std::string sha256_hex(std::string_view bytes);
// Streams the file; throws DataError when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace dream::datasets
