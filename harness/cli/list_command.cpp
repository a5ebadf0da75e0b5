// dream-eval list tasks|datasets
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "datasets/data_dir.h"
#include "tasks/registry.h"

namespace dream::cli {

void print_dataset_table(const std::filesystem::path& data_dir);  // datasets_command.cpp

void add_list_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "List the registered tasks or datasets");
  cmd->require_subcommand(1);
  auto* tasks_cmd = cmd->add_subcommand("tasks", "Every task: name, version, few-shot, primary metric, summary");
  tasks_cmd->callback([] {
    for (const auto& e : tasks::task_registry()) {
      const tasks::TaskSpec spec = tasks::task_spec(e);
      const auto scorer = e.scorer ? e.scorer(spec, {}, {}) : nullptr;  // no documents needed for the names
      std::string primary = scorer ? scorer->metric_names().front() : spec.metrics.front().name + "," + spec.filters.front().name;
      std::cout << std::left << std::setw(46) << e.name << " v" << std::setw(3) << spec.version << std::setw(8)
                << (std::to_string(spec.num_fewshot) + "-shot") << std::setw(6) << spec.format << std::setw(34) << primary
                << e.summary << "\n";
    }
    std::cout << "\nSuites (--tasks NAME runs them all):\n";
    for (const auto& s : tasks::task_suites()) {
      std::string list;
      for (const auto& t : s.tasks) list += (list.empty() ? "" : ",") + t;
      std::cout << std::left << std::setw(46) << s.name << " " << list << "\n";
    }
  });
  auto data_dir = std::make_shared<std::string>();
  auto* datasets_cmd = cmd->add_subcommand("datasets", "Every dataset of the registry and whether the data folder has it");
  datasets_cmd->add_option("--data-dir", *data_dir, "Data folder (default: $DREAM_EVAL_DATA_DIR or ~/.cache/dream-eval/data)");
  datasets_cmd->callback([data_dir] {
    print_dataset_table(datasets::data_dir_or_default(*data_dir));
  });
}

}  // namespace dream::cli
