#include <stdexcept>

#include "datasets/countdown.h"
#include "datasets/records.h"
#include "datasets/sudoku.h"
#include "planning.h"

namespace dream::tasks {

namespace {

const char* number_word(int n) {
  static const char* words[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  return n >= 0 && n <= 9 ? words[n] : "many";
}

// Header words of Dream's prompts: cd4 says "the fifth number", cd3 and cd5 "the last number".
std::map<std::string, std::string> countdown_words(size_t n_sources) {
  return {{"n_total", std::to_string(n_sources + 1)},
          {"count_word", number_word(static_cast<int>(n_sources))},
          {"target_word", n_sources == 4 ? "fifth" : "last"}};
}

std::map<std::string, std::string> sudoku_words(int size) {
  const int box = size == 4 ? 2 : 3;
  return {{"size", std::to_string(size)}, {"box", std::to_string(box)}, {"box_count", number_word(size)}};
}

Document planning_doc(const std::string& kind, const std::string& group, std::string id, const std::string& input,
                      const std::string& output, const std::string& where) {
  Document d;
  d.id = std::move(id);
  d.group = group;
  if (kind == "countdown") {
    auto p = datasets::parse_countdown_input(input);
    if (!p) throw datasets::DataError(where + ": field 'input': not 'n1,...,nk,target': '" + input + "'");
    d.fields = countdown_words(p->numbers.size());
  } else if (kind == "sudoku") {
    int size = 0;
    while (size < static_cast<int>(input.size()) && input[size] != '\n') ++size;
    if (!datasets::parse_sudoku(input, size == 4 || size == 9 ? size : 4))
      throw datasets::DataError(where + ": field 'input': not a 4x4 or 9x9 grid: '" + input + "'");
    d.fields = sudoku_words(size);
  } else {
    throw std::invalid_argument("planning source: kind must be sudoku or countdown, got '" + kind + "'");
  }
  d.fields["input"] = input;
  d.fields["output"] = output;
  d.fields["target"] = output;
  return d;
}

void add_instances(DocumentSet& set, const std::string& kind, const std::string& group, bool prefix_ids,
                   const std::vector<datasets::PlanningInstance>& items, size_t shots, const std::string& where) {
  if (items.size() < shots)
    throw datasets::DataError(where + ": has " + std::to_string(items.size()) + " records, fewer than the " +
                              std::to_string(shots) + " few-shot exemplars");
  for (size_t i = 0; i < items.size(); ++i) {
    Document d = planning_doc(kind, group, (prefix_ids ? group + "/" : "") + std::to_string(i), items[i].input,
                              items[i].output, where + " record #" + std::to_string(i));
    if (i < shots) set.fewshot[group].push_back(std::move(d));
    else set.documents.push_back(std::move(d));
  }
}

}  // namespace

DocumentSet load_planning_file_documents(const datasets::DataDir& data, const nlohmann::json& args) {
  DocumentSet set;
  const std::string kind = args.at("kind");
  const size_t shots = arg_or<size_t>(args, "shots", 8);
  const auto& files = args.at("files");
  const bool several = files.size() > 1;
  for (const auto& [group, file] : files.items()) {
    std::vector<datasets::PlanningInstance> items;
    for (const auto& r : datasets::read_jsonl(use_file(set, data, "dream_planning", file.get<std::string>())))
      items.push_back({r.string_field("input"), r.string_field("output")});
    add_instances(set, kind, several ? group : "", several, items, shots, "dream_planning/" + file.get<std::string>());
  }
  return set;
}

DocumentSet load_generated_sudoku_documents(const datasets::DataDir&, const nlohmann::json& args) {
  DocumentSet set;
  const int size = arg_or<int>(args, "size", 4);
  const size_t shots = arg_or<size_t>(args, "shots", 8);
  const auto items = datasets::generate_sudoku(size, args.at("givens").get<int>(),
                                               args.at("count").get<int>() + static_cast<int>(shots),
                                               args.at("seed").get<uint64_t>());
  add_instances(set, "sudoku", "", false, items, shots, "generated sudoku");
  return set;
}

DocumentSet load_generated_countdown_documents(const datasets::DataDir&, const nlohmann::json& args) {
  DocumentSet set;
  const size_t shots = arg_or<size_t>(args, "shots", 8);
  const auto sizes = args.at("numbers").get<std::vector<int>>();
  for (int n : sizes) {
    const auto items = datasets::generate_countdown(n, args.at("count").get<int>() + static_cast<int>(shots),
                                                    args.at("seed").get<uint64_t>());
    const std::string group = "cd" + std::to_string(n);
    add_instances(set, "countdown", group, sizes.size() > 1, items, shots, "generated countdown " + group);
  }
  return set;
}

namespace {

class SudokuValid : public Metric {
 public:
  double score(const Document& doc, const std::string& extracted, std::string& note) const override {
    const std::string& input = doc.field("input");
    const int size = std::stoi(doc.field("size"));
    // Dream's sudoku_metric: prediction[:len(input)], strip, parse as a grid.
    std::string answer = extracted.substr(0, input.size());
    answer.erase(0, answer.find_first_not_of(" \t\n\r"));
    answer.erase(answer.find_last_not_of(" \t\n\r") + 1);
    auto puzzle = datasets::parse_sudoku(input, size);
    auto grid = datasets::parse_sudoku(answer, size);
    if (!grid) {
      note = "not a " + std::to_string(size) + "x" + std::to_string(size) + " grid of digits";
      return 0;
    }
    if (!datasets::is_valid_completion(*puzzle, *grid)) {
      note = "grid changes a given or repeats a digit";
      return 0;
    }
    return 1;
  }
};

class CountdownValid : public Metric {
 public:
  double score(const Document& doc, const std::string& extracted, std::string& note) const override {
    auto problem = datasets::parse_countdown_input(doc.field("input"));
    auto check = datasets::check_countdown(*problem, extracted);
    note = check.reason;
    return check.valid ? 1 : 0;
  }
};

}  // namespace

std::unique_ptr<Metric> make_sudoku_valid_metric(const MetricSpec& spec, const std::string& file) {
  if (!spec.options.empty()) throw std::invalid_argument(file + ": metric sudoku_valid takes no options");
  return std::make_unique<SudokuValid>();
}

std::unique_ptr<Metric> make_countdown_valid_metric(const MetricSpec& spec, const std::string& file) {
  if (!spec.options.empty()) throw std::invalid_argument(file + ": metric countdown_valid takes no options");
  return std::make_unique<CountdownValid>();
}

}  // namespace dream::tasks
