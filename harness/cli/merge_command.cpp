// dream-eval merge: combine the shard folders of one run into one result.
#include <iostream>

#include "commands.h"
#include "harness/build_info.h"
#include "harness/merge.h"

namespace dream::cli {

void add_merge_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("merge", "Merge shard-i-of-N folders of one run into results.json + samples.jsonl");
  cmd->add_option("inputs", *inputs, "Run folders holding shard-i-of-N/ folders, or the shard folders themselves")->required();
  cmd->add_option("--output", *output, "Output folder (default: the run folder when one is given)");
  cmd->callback([inputs, output] {
    std::vector<std::filesystem::path> in(inputs->begin(), inputs->end());
    std::filesystem::path out = *output;
    if (out.empty()) {
      if (in.size() != 1) throw std::invalid_argument("merge: several inputs given; say where to write with --output");
      out = in.front();
    }
    const auto m = harness::merge_shards(in, out, harness::process_command_line());
    std::cout << "merged " << m.shards << " shards, " << m.samples << " samples into " << out.string() << "\n";
  });
}

}  // namespace dream::cli
