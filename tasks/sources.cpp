#include "sources.h"

namespace dream::tasks {

std::filesystem::path use_file(DocumentSet& set, const datasets::DataDir& data, const std::string& dataset,
                               const std::string& file) {
  set.data_files.push_back(dataset + "/" + file);
  return data.verified(dataset, file);
}

}  // namespace dream::tasks
