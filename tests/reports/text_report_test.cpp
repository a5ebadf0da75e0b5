// Markdown and CSV reports against the fixed fixture run, through the library and through `dream-eval report`.
#include "reports/text_report.h"

#include <gtest/gtest.h>

#include "report_test_support.h"

namespace dream::reports {
namespace {

using test::fixture_run;
using test::read_text;

const std::filesystem::path expected_md = test::fixture_run().parent_path() / "small_run.expected.md";
const std::filesystem::path expected_csv = test::fixture_run().parent_path() / "small_run.expected.csv";

TEST(TextReport, MarkdownMatchesTheFixture) {
  const Results r = load_results_bundle(fixture_run()).results;
  EXPECT_EQ(report_markdown(r), read_text(expected_md));
}

TEST(TextReport, CsvMatchesTheFixture) {
  const Results r = load_results_bundle(fixture_run()).results;
  EXPECT_EQ(report_csv(r), read_text(expected_csv));
}

// Cells worked out by hand from results.json, so a golden regenerated from a broken writer is caught.
TEST(TextReport, ScoreTableRowsInLmEvalStyle) {
  const std::string md = score_table_markdown(load_results_bundle(fixture_run()).results);
  EXPECT_NE(md.find("|Tasks    |Version|Setting              |Filter          |n-shot|Metric     |   | Value|   |Stderr|"), std::string::npos) << md;
  EXPECT_NE(md.find("|gsm8k    |      3|entropy T=0 8 steps  |strict-match    |     8|exact_match|↑  |0.3333|±  |0.2108|"), std::string::npos) << md;
  EXPECT_NE(md.find("|         |       |                     |flexible-extract|      |exact_match|↑  |0.5000|±  |0.2236|"), std::string::npos) << md;
  EXPECT_NE(md.find("|humaneval|      1|entropy T=0 8 steps  |create_test     |     0|pass@1     |↑  |0.2500|±  |0.2500|"), std::string::npos) << md;
}

TEST(TextReport, PerformanceTableStatesDefinitionAndDevice) {
  const std::string md = performance_table_markdown(load_results_bundle(fixture_run()).results);
  EXPECT_NE(md.find("|gsm8k    |entropy T=0 8 steps  |    8|entropy|  0|    6|         8|   6.88|           47.5|  47.5| 55.0|         87| 1581.82|       15.01|"), std::string::npos) << md;
  EXPECT_NE(md.find("tokens/s: generated tokens (after the prompt, up to and including the first end-of-text)"), std::string::npos);
  EXPECT_NE(md.find("device: NVIDIA H100 80GB HBM3, dtype: bfloat16."), std::string::npos);
}

TEST(TextReport, CsvQuotesAndLeavesUnmeasuredEmpty) {
  Results r = load_results_bundle(fixture_run()).results;
  r.results[0].performance.reset();
  r.results[0].metrics.begin()->second.std_error.reset();
  r.tasks[0].version = "3 \"quoted\", with comma";
  const std::string csv = report_csv(r);
  EXPECT_NE(csv.find("gsm8k,\"3 \"\"quoted\"\", with comma\",8,"), std::string::npos) << csv.substr(0, 2000);
  // No performance: its 11 cells (forward_passes .. tokens_per_second_definition) are empty.
  const std::size_t first_row = csv.find('\n') + 1;
  const std::string row = csv.substr(first_row, csv.find('\n', first_row) - first_row);
  EXPECT_NE(row.find(",1319,6,0" + std::string(12, ',') + "NVIDIA H100 80GB HBM3,"), std::string::npos) << row;
}

TEST(TextReport, MarkdownCellsStayInert) {
  Results r = load_results_bundle(fixture_run()).results;
  r.settings[0].label = "a|b <img src=x>\nnext";
  const std::string md = score_table_markdown(r);
  EXPECT_NE(md.find("a\\|b &lt;img src=x&gt; next"), std::string::npos) << md;
  EXPECT_EQ(md.find("<img"), std::string::npos);
}

TEST(TextReport, NoPerformanceMeansNoPerformanceSection) {
  Results r = load_results_bundle(fixture_run()).results;
  for (auto& x : r.results) x.performance.reset();
  EXPECT_EQ(performance_table_markdown(r), "");
  EXPECT_EQ(report_markdown(r).find("## Performance"), std::string::npos);
}

TEST(ReportCommand, WritesMarkdownAndCsvFiles) {
  const auto dir = test::scratch_dir("report_command");
  const auto result = test::run_command(test::dream_eval() + " report " + test::shell_quote(fixture_run().string()) +
                                        " --md " + test::shell_quote((dir / "r.md").string()) + " --csv " +
                                        test::shell_quote((dir / "r.csv").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir / "r.md"), read_text(expected_md));
  EXPECT_EQ(read_text(dir / "r.csv"), read_text(expected_csv));
}

TEST(ReportCommand, PrintsMarkdownWithoutOutputOptions) {
  const auto result = test::run_command(test::dream_eval() + " report " + test::shell_quote((fixture_run() / "results.json").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, read_text(expected_md));
}

TEST(ReportCommand, MissingResultsIsOneClearError) {
  const auto result = test::run_command(test::dream_eval() + " report /nonexistent/run");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output, "dream-eval: error: /nonexistent/run: no such results folder or file\n");
}

TEST(ReportCommand, BadFieldNamesFileAndPath) {
  const auto dir = test::scratch_dir("report_command_bad");
  std::string text = read_text(fixture_run() / "results.json");
  text.replace(text.find("\"n_shot\": 8"), 11, "\"n_shot\": \"eight\"");
  std::ofstream(dir / "results.json") << text;
  const auto result = test::run_command(test::dream_eval() + " report " + test::shell_quote(dir.string()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find((dir / "results.json").string() + ": $.tasks[0].n_shot: expected an integer, got \"eight\""),
            std::string::npos) << result.output;
}

}  // namespace
}  // namespace dream::reports
