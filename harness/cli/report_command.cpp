// `dream-eval report RESULTS [--html FILE] [--md FILE] [--csv FILE]`: tables and the HTML page of a run.
#include <iostream>
#include <memory>

#include "commands.h"
#include "reports/compare.h"
#include "reports/html_report.h"
#include "reports/result_schema.h"
#include "reports/text_report.h"

namespace dream::cli {

void add_report_command(CLI::App& app) {
  struct Args {
    std::string results;
    std::string html, markdown, csv, title;
    std::int64_t max_samples = -1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("report", "Write the Markdown, CSV and self-contained HTML reports of a results folder");
  cmd->add_option("RESULTS", args->results, "results folder (results.json + samples.jsonl) or a results JSON file")->required();
  cmd->add_option("--html", args->html, "write the HTML report (one offline file) here");
  cmd->add_option("--md", args->markdown, "write the Markdown report here");
  cmd->add_option("--csv", args->csv, "write the CSV table (one row per task, setting and metric) here");
  cmd->add_option("--title", args->title, "title of the HTML page");
  cmd->add_option("--max-samples", args->max_samples, "embed at most N samples per task and setting in the HTML (default: all)");
  cmd->footer("With no output option the Markdown report is printed. Paired comparisons between settings are "
              "computed from samples.jsonl when results.json carries none. Layout: docs/results-schema.md.");
  cmd->callback([args] {
    reports::ResultsBundle bundle = reports::load_results_bundle(args->results);
    if (bundle.results.comparisons.empty() && !bundle.samples.empty())
      bundle.results.comparisons = reports::compare_within_run(bundle.results, bundle.samples);
    const std::string markdown = reports::report_markdown(bundle.results);
    if (args->html.empty() && args->markdown.empty() && args->csv.empty()) std::cout << markdown;
    if (!args->markdown.empty()) reports::write_file_atomically(args->markdown, markdown);
    if (!args->csv.empty()) reports::write_file_atomically(args->csv, reports::report_csv(bundle.results));
    if (!args->html.empty()) {
      reports::HtmlReportOptions options;
      options.title = args->title;
      if (args->max_samples >= 0) options.max_samples_per_result = args->max_samples;
      reports::write_file_atomically(args->html, reports::render_html_report(bundle, options));
    }
  });
}

}  // namespace dream::cli
