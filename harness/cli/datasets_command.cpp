// dream-eval datasets list|verify|fetch|generate
#include <fstream>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "datasets/countdown.h"
#include "datasets/data_dir.h"
#include "datasets/fetch.h"
#include "datasets/registry.h"
#include "datasets/sudoku.h"

namespace dream::cli {

namespace fs = std::filesystem;

namespace {

std::vector<const datasets::DatasetInfo*> selected(const std::vector<std::string>& names) {
  std::vector<const datasets::DatasetInfo*> out;
  if (names.empty())
    for (const auto& d : datasets::dataset_registry()) out.push_back(&d);
  for (const auto& n : names) out.push_back(&datasets::find_dataset(n));
  return out;
}

}  // namespace

void print_dataset_table(const fs::path& data_dir) {
  std::cout << "data folder: " << data_dir.string() << "\n";
  for (const auto& d : datasets::dataset_registry()) {
    const auto check = datasets::verify_dataset(data_dir, d);
    size_t ok = 0, missing_required = 0, mismatch = 0;
    for (const auto& f : check.files) {
      ok += f.status == datasets::FileStatus::ok;
      mismatch += f.status == datasets::FileStatus::mismatch;
      missing_required += f.status == datasets::FileStatus::missing && f.file->required;
    }
    std::string status = mismatch ? "CHECKSUM MISMATCH" : !check.any_present() ? "absent" : missing_required ? "incomplete" : "ok";
    std::cout << std::left << std::setw(16) << d.name << std::setw(19) << status << std::setw(14)
              << (std::to_string(ok) + "/" + std::to_string(d.files.size()) + " files") << std::setw(22) << d.licence.substr(0, 21)
              << d.title << "\n";
  }
}

void add_datasets_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("datasets", "Benchmark data: list, verify against sha256, fetch from upstream, generate");
  cmd->require_subcommand(1);
  auto data_dir = std::make_shared<std::string>();
  auto names = std::make_shared<std::vector<std::string>>();

  auto* list = cmd->add_subcommand("list", "Datasets of the registry and their state in the data folder");
  list->add_option("--data-dir", *data_dir, "Data folder (default: $DREAM_EVAL_DATA_DIR or ~/.cache/dream-eval/data)");
  list->callback([data_dir] { print_dataset_table(datasets::data_dir_or_default(*data_dir)); });

  auto* verify = cmd->add_subcommand("verify", "Check every file against the registry's sha256 (exit 1 on a problem)");
  verify->add_option("names", *names, "Datasets (default: all present)");
  verify->add_option("--data-dir", *data_dir, "Data folder");
  verify->callback([data_dir, names] {
    const fs::path root = datasets::data_dir_or_default(*data_dir);
    size_t problems = 0, checked = 0;
    for (const auto* d : selected(*names)) {
      const auto check = datasets::verify_dataset(root, *d);
      if (names->empty() && !check.any_present()) continue;
      ++checked;
      for (const auto& f : check.files) {
        const fs::path p = root / d->name / f.file->path;
        if (f.status == datasets::FileStatus::mismatch) {
          std::cout << datasets::checksum_mismatch_message(p, f.file->sha256, f.actual_sha256) << "\n";
          ++problems;
        } else if (f.status == datasets::FileStatus::missing && f.file->required) {
          std::cout << p.string() << ": missing\n";
          ++problems;
        }
      }
      std::cout << d->name << ": " << (check.complete() ? "ok" : "NOT OK") << "\n";
    }
    if (checked == 0) throw std::runtime_error("no dataset found in " + root.string() + " (dream-eval datasets fetch NAME)");
    if (problems) throw std::runtime_error(std::to_string(problems) + " problem(s) in " + root.string());
  });

  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto* fetch = cmd->add_subcommand("fetch", "Download datasets from upstream (needs internet) and verify them");
  fetch->add_option("names", *names, "Datasets to fetch");
  fetch->add_flag("--all", *all, "Fetch every dataset of the registry");
  fetch->add_flag("--force", *force, "Download again files that are present and correct");
  fetch->add_option("--data-dir", *data_dir, "Data folder");
  fetch->callback([data_dir, names, all, force] {
    if (names->empty() && !*all) throw std::invalid_argument("datasets fetch: name the datasets or pass --all");
    const fs::path root = datasets::data_dir_or_default(*data_dir);
    for (const auto* d : selected(*all ? std::vector<std::string>{} : *names)) {
      datasets::FetchOptions o;
      o.force = *force;
      o.log = [](const std::string& line) { std::cerr << line << "\n"; };
      const auto r = datasets::fetch_dataset(root, *d, o);
      std::cout << d->name << ": " << r.downloaded.size() << " downloaded, " << r.already_ok.size() << " already present, "
                << r.not_fetchable.size() << " not downloadable (derived copies)\n";
    }
  });

  auto kind = std::make_shared<std::string>();
  auto size = std::make_shared<int>(4);
  auto givens = std::make_shared<int>(10);
  auto numbers = std::make_shared<int>(4);
  auto count = std::make_shared<int>(100);
  auto seed = std::make_shared<uint64_t>(1);
  auto output = std::make_shared<std::string>();
  auto* gen = cmd->add_subcommand("generate", "Write fresh verified Sudoku or Countdown instances in Dream's JSONL format");
  gen->add_option("kind", *kind, "sudoku or countdown")->required()->check(CLI::IsMember({"sudoku", "countdown"}));
  gen->add_option("--size", *size, "Sudoku size: 4 or 9");
  gen->add_option("--givens", *givens, "Sudoku givens (4x4: 4-16, 9x9: 22-81)");
  gen->add_option("--numbers", *numbers, "Countdown source numbers: 3-5");
  gen->add_option("--count", *count, "Instances");
  gen->add_option("--seed", *seed, "Seed");
  gen->add_option("--output", *output, "JSONL file to write")->required();
  gen->callback([=] {
    const auto items = *kind == "sudoku" ? datasets::generate_sudoku(*size, *givens, *count, *seed)
                                         : datasets::generate_countdown(*numbers, *count, *seed);
    std::ofstream out(*output, std::ios::binary);
    for (const auto& it : items) out << nlohmann::json{{"input", it.input}, {"output", it.output}}.dump() << "\n";
    if (!out.flush()) throw std::runtime_error(*output + ": write failed");
    std::cout << "wrote " << items.size() << " " << *kind << " instances to " << *output << "\n";
  });
}

}  // namespace dream::cli
