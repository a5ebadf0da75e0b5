// `dream-eval compare A B`: per task and setting, B minus A with a paired test on the shared documents.
#include <iostream>
#include <memory>
#include <stdexcept>

#include "commands.h"
#include "reports/compare.h"
#include "reports/result_schema.h"
#include "reports/text_report.h"

namespace dream::cli {

void add_compare_command(CLI::App& app) {
  struct Args {
    std::string a, b, markdown, json;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("compare", "Compare two runs: deltas per task and setting with a paired significance test");
  cmd->add_option("A", args->a, "baseline results folder or results JSON")->required();
  cmd->add_option("B", args->b, "compared results folder or results JSON")->required();
  cmd->add_option("--md", args->markdown, "also write the Markdown table here");
  cmd->add_option("--json", args->json, "also write the comparisons as a JSON array (results.json's comparisons[] rows)");
  cmd->footer("Settings are matched by id; a task with one setting in each run is compared across those two. "
              "Samples are paired on doc_id using the task's primary metric.");
  cmd->callback([args] {
    const reports::ResultsBundle a = reports::load_results_bundle(args->a);
    const reports::ResultsBundle b = reports::load_results_bundle(args->b);
    const std::vector<reports::Comparison> comparisons = reports::compare_runs(a, b);
    if (comparisons.empty())
      throw std::runtime_error(args->a + " and " + args->b + ": no task and setting in common to compare");
    const std::string table = reports::comparisons_markdown(comparisons, a.results, b.results);
    std::cout << table;
    if (!args->markdown.empty()) reports::write_file_atomically(args->markdown, table);
    if (!args->json.empty()) {
      reports::Json rows = reports::Json::array();
      for (const auto& c : comparisons) rows.push_back(reports::to_json(c));
      reports::write_file_atomically(args->json, rows.dump(2) + "\n");
    }
  });
}

}  // namespace dream::cli
