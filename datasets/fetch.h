#pragma once
// Downloads a dataset's files from upstream into a data directory (libcurl; any scheme it supports, so
// tests can use file:// URLs and never the network). Each file is written to a temporary name, checked
// against the registry's sha256 and only then renamed into place, so a folder never holds a partial or
// wrong file under a registry name.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "registry.h"

namespace dream::datasets {

struct FetchOptions {
  bool force = false;                          // re-download files that are already present and correct
  long timeout_seconds = 600;                  // per file
  std::function<void(const std::string&)> log; // one line per file; may be empty
};

struct FetchReport {
  std::vector<std::string> downloaded;     // fetched (or gunzipped) and verified
  std::vector<std::string> already_ok;     // present with the right sha256
  std::vector<std::string> not_fetchable;  // derived files: "path (note)"
};

// Throws ChecksumError (file and both hashes) when a download's bytes differ from the registry, and
// std::runtime_error naming the URL when a transfer fails. Files fetched before a failure stay.
FetchReport fetch_dataset(const std::filesystem::path& data_dir, const DatasetInfo& dataset,
                          const FetchOptions& options = {});

// Downloads `url` to `dest` (no checksum); throws std::runtime_error with the URL and curl's message. TLS
// peers are always verified; CURL_CA_BUNDLE or SSL_CERT_FILE (a PEM bundle) and SSL_CERT_DIR name a private CA,
// as for the curl program. Proxies come from libcurl's usual https_proxy / no_proxy variables.
void download_url(const std::string& url, const std::filesystem::path& dest, long timeout_seconds);

}  // namespace dream::datasets
