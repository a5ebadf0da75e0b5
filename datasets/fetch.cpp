#include "fetch.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "data_dir.h"
#include "records.h"
#include "sha256.h"

namespace dream::datasets {

namespace fs = std::filesystem;

namespace {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t write_to_file(char* data, size_t size, size_t n, void* user) {
  return std::fwrite(data, size, n, static_cast<std::FILE*>(user)) * size;
}

const char* env_value(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

// A private CA the way the curl program takes one: clusters behind TLS-inspecting proxies need it, and libcurl
// itself reads none of these variables (Debian's libcurl has its bundle path compiled in, so OpenSSL's own
// SSL_CERT_FILE handling never runs either). Verification is never turned off.
void use_ca_from_environment(CURL* curl) {
  if (const char* bundle = env_value("CURL_CA_BUNDLE"); bundle) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, bundle);
  } else if (const char* file = env_value("SSL_CERT_FILE"); file) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, file);
  }
  if (const char* dir = env_value("SSL_CERT_DIR"); dir) curl_easy_setopt(curl, CURLOPT_CAPATH, dir);
}

fs::path temp_name_for(const fs::path& dest) { return fs::path(dest.string() + ".part"); }

// Verifies `tmp` against the registry entry and moves it to `dest`; removes it on mismatch.
void install_verified(const fs::path& tmp, const fs::path& dest, const DatasetFile& file) {
  const std::string actual = sha256_file(tmp);
  if (actual != file.sha256) {
    fs::remove(tmp);
    throw ChecksumError(checksum_mismatch_message(dest, file.sha256, actual));
  }
  fs::rename(tmp, dest);
}

}  // namespace

void download_url(const std::string& url, const fs::path& dest, long timeout_seconds) {
  ensure_curl_initialised();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(dest.c_str(), "wb"), std::fclose);
  if (!out) throw std::runtime_error(dest.string() + ": cannot open for writing");
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "dream-eval/0.1 (datasets fetch)");
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, out.get());
  use_ca_from_environment(curl.get());
  CURLcode rc = curl_easy_perform(curl.get());
  if (std::fflush(out.get()) != 0) throw std::runtime_error(dest.string() + ": write failed");
  if (rc != CURLE_OK) {
    std::string message = "download " + url + " failed: " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
      message += " (a private CA: point CURL_CA_BUNDLE or SSL_CERT_FILE at its PEM bundle)";
    throw std::runtime_error(message);
  }
}

FetchReport fetch_dataset(const fs::path& data_dir, const DatasetInfo& dataset, const FetchOptions& options) {
  FetchReport report;
  const fs::path folder = data_dir / dataset.name;
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  // Upstream files first, so gunzip sources exist when the derived copies are made.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& file : dataset.files) {
      const bool this_pass = pass == 0 ? file.origin == FileOrigin::upstream : file.origin != FileOrigin::upstream;
      if (!this_pass) continue;
      const fs::path dest = folder / file.path;
      if (file.origin == FileOrigin::derived) {
        report.not_fetchable.push_back(file.path + " (" + file.note + ")");
        log(dataset.name + "/" + file.path + ": not downloadable (" + file.note + ")");
        continue;
      }
      if (!options.force && fs::is_regular_file(dest) && sha256_file(dest) == file.sha256) {
        report.already_ok.push_back(file.path);
        log(dataset.name + "/" + file.path + ": present, sha256 ok");
        continue;
      }
      fs::create_directories(dest.parent_path());
      const fs::path tmp = temp_name_for(dest);
      if (file.origin == FileOrigin::upstream) {
        log(dataset.name + "/" + file.path + ": downloading " + file.url);
        try {
          download_url(file.url, tmp, options.timeout_seconds);
        } catch (...) {
          fs::remove(tmp);
          throw;
        }
      } else {  // gunzip of a file of the same folder
        const std::string bytes = read_text(folder / file.note);
        std::ofstream out(tmp, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush()) throw std::runtime_error(tmp.string() + ": write failed");
      }
      install_verified(tmp, dest, file);
      report.downloaded.push_back(file.path);
      log(dataset.name + "/" + file.path + ": ok");
    }
  }
  return report;
}

}  // namespace dream::datasets
