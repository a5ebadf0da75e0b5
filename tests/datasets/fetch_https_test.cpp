// Dataset fetch over real https, against a local TLS server (python3's http.server) whose certificate the test
// makes with the openssl program: peers are verified (an unknown CA is refused, naming the URL), a private CA
// given the curl way is used, and HTTP errors name the URL and status. No network beyond 127.0.0.1.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "datasets/fetch.h"
#include "datasets/registry.h"
#include "datasets/sha256.h"

namespace fs = std::filesystem;
using namespace dream::datasets;

namespace {

constexpr const char* kServer = R"(import http.server, os, ssl, sys
root, cert, key = sys.argv[1:4]
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], os.getpid(), flush=True)
server.serve_forever()
)";

// Sets or clears an environment variable for one scope and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1); else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1); else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Clears every variable through which a CA could reach libcurl, so each test states its own.
struct NoCaFromEnvironment {
  ScopedEnv bundle{"CURL_CA_BUNDLE", nullptr}, file{"SSL_CERT_FILE", nullptr}, dir{"SSL_CERT_DIR", nullptr};
};

class FetchHttps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dream_fetch_https_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "www");
    cert_ = dir_ / "cert.pem";
    const std::string make_cert =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1"
        " -addext subjectAltName=IP:127.0.0.1 -keyout '" + (dir_ / "key.pem").string() + "' -out '" +
        cert_.string() + "' > '" + (dir_ / "openssl.log").string() + "' 2>&1";
    // scripts/setup.sh installs openssl and python3: a machine without them fails here rather than skipping.
    ASSERT_EQ(std::system(make_cert.c_str()), 0) << "the openssl program could not make a certificate (see "
                                                 << (dir_ / "openssl.log").string() << ")";
    std::ofstream(dir_ / "server.py") << kServer;
    const std::string serve = "python3 '" + (dir_ / "server.py").string() + "' '" + (dir_ / "www").string() +
                              "' '" + cert_.string() + "' '" + (dir_ / "key.pem").string() + "'";
    server_ = ::popen(serve.c_str(), "r");
    ASSERT_NE(server_, nullptr);
    int port = 0;
    ASSERT_EQ(std::fscanf(server_, "%d %d", &port, &server_pid_), 2) << "python3's https server did not start";
    base_url_ = "https://127.0.0.1:" + std::to_string(port) + "/";
  }

  void TearDown() override {
    if (server_pid_ > 0) ::kill(server_pid_, SIGTERM);
    if (server_) ::pclose(server_);
    fs::remove_all(dir_);
  }

  // A one-file dataset served by the test server, with the file's real checksum.
  DatasetInfo served_dataset(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / "www" / name, std::ios::binary) << content;
    DatasetInfo info;
    info.name = "served";
    info.files.push_back({name, static_cast<uint64_t>(content.size()), sha256_file(dir_ / "www" / name),
                          FileOrigin::upstream, base_url_ + name, "", true});
    return info;
  }

  fs::path dir_, cert_;
  std::string base_url_;
  std::FILE* server_ = nullptr;
  int server_pid_ = 0;
};

TEST_F(FetchHttps, PrivateCaFromEitherVariableIsTrusted) {
  const std::string content = "{\"question\": \"1+1\", \"answer\": \"2\"}\n";
  const DatasetInfo info = served_dataset("test.jsonl", content);
  for (const char* variable : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    SCOPED_TRACE(variable);
    NoCaFromEnvironment clean;
    ScopedEnv ca(variable, cert_.c_str());
    const fs::path root = dir_ / (std::string("data_") + variable);
    const FetchReport report = fetch_dataset(root, info);
    ASSERT_EQ(report.downloaded, std::vector<std::string>{"test.jsonl"});
    std::ifstream in(root / "served" / "test.jsonl", std::ios::binary);
    std::stringstream got;
    got << in.rdbuf();
    EXPECT_EQ(got.str(), content);
  }
}

TEST_F(FetchHttps, UnknownCaIsRefusedNamingTheUrl) {
  const DatasetInfo info = served_dataset("test.jsonl", "data\n");
  NoCaFromEnvironment clean;
  const fs::path root = dir_ / "data";
  try {
    fetch_dataset(root, info);
    FAIL() << "a self-signed server was trusted";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(base_url_ + "test.jsonl"), std::string::npos) << message;
    EXPECT_NE(message.find("CURL_CA_BUNDLE"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(root / "served" / "test.jsonl"));
  EXPECT_FALSE(fs::exists(root / "served" / "test.jsonl.part"));
}

TEST_F(FetchHttps, HttpErrorNamesUrlAndStatus) {
  NoCaFromEnvironment clean;
  ScopedEnv ca("CURL_CA_BUNDLE", cert_.c_str());
  const std::string url = base_url_ + "missing.jsonl";
  try {
    download_url(url, dir_ / "missing.jsonl", 30);
    FAIL() << "a 404 was accepted";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(url), std::string::npos) << message;
    EXPECT_NE(message.find("404"), std::string::npos) << message;
  }
}

}  // namespace
