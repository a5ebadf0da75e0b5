// The HTML page as text: escaping of embedded data, the script elements, the policy that keeps it offline.
#include "reports/html_report.h"

#include <gtest/gtest.h>

#include <regex>

#include "report_test_support.h"

namespace dream::reports {
namespace {

const std::string kHostile = "</script><img src=x onerror=alert(1)>";

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

TEST(HtmlReport, JsonForScriptElementEscapesMarkupAndReadsBack) {
  const Json value{{"response", kHostile + " <!-- & @DATA@"}, {"n", 1}};
  const std::string text = json_for_script_element(value);
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(text.find('>'), std::string::npos) << text;
  EXPECT_EQ(text.find('&'), std::string::npos) << text;
  EXPECT_EQ(Json::parse(text), value);
}

TEST(HtmlReport, EscapeHtml) {
  EXPECT_EQ(escape_html("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(HtmlReport, PageEmbedsDataSafelyAndHasOnlyItsOwnScripts) {
  ResultsBundle b = load_results_bundle(test::fixture_run());
  ASSERT_GT(count(test::read_text(test::fixture_run() / "samples.jsonl"), kHostile), 0u);
  const std::string page = render_html_report(b, {.title = "run <b>&</b>", .max_samples_per_result = std::nullopt});
  EXPECT_EQ(count(page, kHostile), 0u);
  EXPECT_EQ(count(page, "<script"), 3u);   // the data, Chart.js, the report
  EXPECT_EQ(count(page, "</script>"), 3u);
  EXPECT_NE(page.find("<title>run &lt;b&gt;&amp;&lt;/b&gt;</title>"), std::string::npos);
  // Only the two inline scripts may run, by hash; nothing may be fetched.
  const std::regex csp(R"(script-src 'sha256-[A-Za-z0-9+/]{43}=' 'sha256-[A-Za-z0-9+/]{43}=';)");
  EXPECT_TRUE(std::regex_search(page, csp));
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  // The data round-trips: the embedded payload parses back to the results.
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t start = page.find(open) + open.size();
  const Json payload = Json::parse(page.substr(start, page.find("</script>", start) - start));
  EXPECT_EQ(results_from_json(payload["results"]), b.results);
  EXPECT_EQ(payload["samples"].size(), b.samples.size());
  // Prompts are stored once per hash.
  EXPECT_FALSE(payload["samples"][0].contains("prompt"));
  EXPECT_EQ(payload["prompts"][b.samples[0].prompt_hash], b.samples[0].prompt);
}

TEST(HtmlReport, SampleCapPerTaskAndSetting) {
  const ResultsBundle b = load_results_bundle(test::fixture_run());
  const std::string page = render_html_report(b, {.title = "", .max_samples_per_result = 1});
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t start = page.find(open) + open.size();
  const Json payload = Json::parse(page.substr(start, page.find("</script>", start) - start));
  EXPECT_EQ(payload["samples"].size(), 12u);  // 2 tasks x 5 settings + piqa x 2
  EXPECT_EQ(payload["samples_total"], 56);
  EXPECT_NE(page.find("<title>dream-eval report: Dream-v0-Instruct-7B</title>"), std::string::npos);
}

}  // namespace
}  // namespace dream::reports
