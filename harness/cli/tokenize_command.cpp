// `dream-eval tokenize` and `dream-eval detokenize`: JSONL in, JSONL out, for inspection and scripting.
//   tokenize:   each line {"text": "...", ...} is written back with "ids": [...] added
//   detokenize: each line {"ids": [...], ...} is written back with "text": "..." added
// Other fields of a line are kept. Blank lines are skipped. "-" reads stdin / writes stdout.
#include <fstream>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "model/tokenizer/tokenizer.h"

namespace dream::cli {
namespace {

using nlohmann::json;

struct JsonlOptions {
  std::string model_dir;  // folder with tokenizer.json or vocab.json + merges.txt (+ tokenizer_config.json)
  std::string input;      // JSONL file, "-" for stdin
  std::string output;     // JSONL file, "-" for stdout
  bool skip_special = false;  // detokenize only: drop special tokens from the text
};

void add_jsonl_options(CLI::App& cmd, JsonlOptions& o) {
  cmd.add_option("--model", o.model_dir, "model folder holding the tokenizer files")->required();
  cmd.add_option("--input", o.input, "input JSONL file ('-' for stdin)")->required();
  cmd.add_option("--output", o.output, "output JSONL file ('-' for stdout)")->required();
}

// Reads o.input line by line, hands each parsed object to `transform` (which adds its field or throws
// std::invalid_argument), and writes the results to o.output. Errors name the file and line.
void map_jsonl(const JsonlOptions& o, const std::function<void(json&)>& transform) {
  std::ifstream in_file;
  if (o.input != "-") {
    in_file.open(o.input, std::ios::binary);
    if (!in_file) throw std::runtime_error(o.input + ": cannot open for reading");
  }
  std::istream& in = o.input == "-" ? std::cin : in_file;
  std::ofstream out_file;
  if (o.output != "-") {
    out_file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!out_file) throw std::runtime_error(o.output + ": cannot open for writing");
  }
  std::ostream& out = o.output == "-" ? std::cout : out_file;
  const std::string input_name = o.input == "-" ? "<stdin>" : o.input;

  std::string line;
  for (long line_number = 1; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = input_name + ":" + std::to_string(line_number);
    json record;
    try {
      record = json::parse(line);
    } catch (const json::parse_error& e) {
      throw std::runtime_error(where + ": not valid JSON: " + e.what());
    }
    if (!record.is_object()) throw std::runtime_error(where + ": expected a JSON object, got " + record.dump().substr(0, 80));
    try {
      transform(record);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(where + ": " + e.what());
    }
    out << record.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  out.flush();
  if (!out) throw std::runtime_error((o.output == "-" ? std::string("<stdout>") : o.output) + ": write failed");
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto opts = std::make_shared<JsonlOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Encode the \"text\" of each JSONL line into \"ids\"");
  add_jsonl_options(*cmd, *opts);
  cmd->callback([opts] {
    const auto tok = tokenizer::Tokenizer::load(opts->model_dir);
    map_jsonl(*opts, [&](json& record) {
      const auto it = record.find("text");
      if (it == record.end() || !it->is_string()) throw std::invalid_argument("field \"text\": expected a string");
      record["ids"] = tok.encode(it->get_ref<const std::string&>());
    });
  });
}

void add_detokenize_command(CLI::App& app) {
  auto opts = std::make_shared<JsonlOptions>();
  CLI::App* cmd = app.add_subcommand("detokenize", "Decode the \"ids\" of each JSONL line into \"text\"");
  add_jsonl_options(*cmd, *opts);
  cmd->add_flag("--skip-special", opts->skip_special, "leave special tokens (<|endoftext|>, <|im_end|>, ...) out of the text");
  cmd->callback([opts] {
    const auto tok = tokenizer::Tokenizer::load(opts->model_dir);
    map_jsonl(*opts, [&](json& record) {
      const auto it = record.find("ids");
      if (it == record.end() || !it->is_array()) throw std::invalid_argument("field \"ids\": expected an array of integers");
      std::vector<int32_t> ids;
      ids.reserve(it->size());
      for (const json& id : *it) {
        if (!id.is_number_integer() || id.get<int64_t>() < INT32_MIN || id.get<int64_t>() > INT32_MAX)
          throw std::invalid_argument("field \"ids\": " + id.dump() + " is not a 32-bit integer");
        ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
      }
      record["text"] = tok.decode(ids, opts->skip_special);
    });
  });
}

}  // namespace dream::cli
