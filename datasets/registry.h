#pragma once
// The registry of benchmark datasets: for each dataset its files, where each file comes from upstream,
// its size and sha256, the licence and the record schema. One table (registry_table.cpp, generated from
// the SOURCE.md files of ../shared/datasets by scripts/gen_dataset_registry.py) is the only place these
// facts live; `dream-eval datasets list|verify|fetch` and every task read it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dream::datasets {

// How a file of a data folder is obtained on a machine with internet.
enum class FileOrigin {
  upstream,  // downloaded from `url` byte for byte
  gunzip,    // decompressed from another file of the same folder (`note` names it)
  derived,   // a local conversion that cannot be re-created byte-exactly here (`note` says what it is)
};

struct DatasetFile {
  std::string path;    // relative to the dataset's folder, e.g. "bbh/navigate.json"
  uint64_t bytes = 0;  // size as published
  std::string sha256;  // lowercase hex of the published bytes
  FileOrigin origin = FileOrigin::upstream;
  std::string url;     // upstream URL at a fixed commit (origin == upstream)
  std::string note;    // gunzip: the source file; derived: how it was made
  bool required = true;  // a complete folder has it (false: derived copies, alternative forms)
};

struct DatasetInfo {
  std::string name;      // folder name under the data directory, e.g. "gsm8k"
  std::string title;     // one line for `datasets list`
  std::string upstream;  // upstream repository and commit
  std::string licence;
  std::string schema;    // record format, in one paragraph
  std::vector<DatasetFile> files;
};

// Every known dataset, in a fixed order.
const std::vector<DatasetInfo>& dataset_registry();

// Throws std::invalid_argument listing the known names when `name` is unknown.
const DatasetInfo& find_dataset(std::string_view name);
// Throws std::invalid_argument naming the dataset and the file.
const DatasetFile& find_file(const DatasetInfo& dataset, std::string_view path);

std::string to_string(FileOrigin origin);

}  // namespace dream::datasets
