// Generates the HTML report of the fixture run with `dream-eval report` and checks it in headless Chromium
// (tests/reports/browser_test.mjs: charts hold their points, filters work, hostile strings stay text, no
// console errors). Screenshots are left in <build>/tests/reports/artifacts/ for people to look at.
#include <gtest/gtest.h>

#include "report_test_support.h"

namespace dream::reports {
namespace {

std::string chromium_path() {
  const char* env = std::getenv("CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

TEST(ReportBrowser, HtmlReportWorksInHeadlessChromium) {
  const auto playwright = dream::test::source_dir() / "node_modules/playwright-core/package.json";
  if (!std::filesystem::exists(chromium_path())) GTEST_SKIP() << "no Chromium at " << chromium_path() << " (apt package chromium; scripts/setup.sh)";
  if (!std::filesystem::exists(playwright)) GTEST_SKIP() << "no " << playwright << " (run scripts/setup.sh or npm ci)";
  if (test::run_command("node --version").exit_code != 0) GTEST_SKIP() << "no node on PATH (scripts/setup.sh)";

  const auto artifacts = std::filesystem::path(DREAM_BINARY_DIR) / "tests/reports/artifacts";
  std::filesystem::create_directories(artifacts);
  const auto html = artifacts / "report.html";
  std::filesystem::remove(html);
  const auto report = test::run_command(test::dream_eval() + " report " + test::shell_quote(test::fixture_run().string()) +
                                        " --html " + test::shell_quote(html.string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;

  const auto script = dream::test::source_dir() / "tests/reports/browser_test.mjs";
  const auto browser = test::run_command("CHROMIUM=" + test::shell_quote(chromium_path()) + " node " +
                                         test::shell_quote(script.string()) + " --html " + test::shell_quote(html.string()) +
                                         " --results " + test::shell_quote(test::fixture_run().string()) +
                                         " --screenshot-dir " + test::shell_quote(artifacts.string()));
  EXPECT_EQ(browser.exit_code, 0) << browser.output;
  EXPECT_TRUE(std::filesystem::exists(artifacts / "report_full.png")) << browser.output;
  std::cout << "screenshots: " << artifacts.string() << "\n";
}

}  // namespace
}  // namespace dream::reports
