// Loading a tokenizer from a model folder: Dream's vocab.json + merges.txt + tokenizer_config.json, or
// Hugging Face's tokenizer.json. Both are read into one description (TokenizerFiles) and built the same way.
#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/tokenizer.h"
#include "model/tokenizer/tokenizer_impl.h"

namespace dream::tokenizer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Ids beyond this are taken for a corrupt file rather than allocated.
constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw std::runtime_error(file.string() + ": " + what);
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, "cannot open");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

json read_json(const fs::path& file) {
  try {
    return json::parse(read_file(file));
  } catch (const json::parse_error& e) {
    fail(file, std::string("not valid JSON: ") + e.what());
  }
}

// Value of an optional boolean field (false when absent or null).
bool flag(const json& object, const char* key, const fs::path& file, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean()) fail(file, where + "." + key + ": expected true or false, got " + it->dump());
  return it->get<bool>();
}

int32_t token_id(const json& value, const fs::path& file, const std::string& where) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > kMaxTokenId)
    fail(file, where + ": expected a token id (integer 0.." + std::to_string(kMaxTokenId) + "), got " + value.dump());
  return static_cast<int32_t>(value.get<int64_t>());
}

std::string text_field(const json& object, const char* key, const fs::path& file, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) fail(file, where + "." + key + ": expected a string");
  return it->get<std::string>();
}

struct AddedTokenSpec {
  std::string content;
  int32_t id;
  bool special, normalized;
};

// Everything the files say, before the tokenizer is built.
struct TokenizerFiles {
  StringMap<int32_t> vocab;  // byte-level spelling -> id
  fs::path vocab_file;
  std::vector<BytePairEncoder::Merge> merges;
  bool ignore_merges = false;
  bool nfc = true;
  std::vector<AddedTokenSpec> added;
};

AddedTokenSpec added_token(const json& entry, int32_t id, const fs::path& file, const std::string& where) {
  if (!entry.is_object()) fail(file, where + ": expected an object, got " + entry.dump());
  AddedTokenSpec t{text_field(entry, "content", file, where), id, flag(entry, "special", file, where),
                   flag(entry, "normalized", file, where)};
  if (t.content.empty()) fail(file, where + ".content: empty");
  // Hugging Face strips whitespace around (lstrip/rstrip) or requires word boundaries at (single_word)
  // such tokens; no Qwen-family tokenizer uses them, so they are refused rather than half-supported.
  for (const char* unsupported : {"lstrip", "rstrip", "single_word"})
    if (flag(entry, unsupported, file, where))
      fail(file, where + "." + unsupported + ": true is not supported (token \"" + t.content + "\")");
  return t;
}

// A merge "left right" of spellings -> ids; `where` names it in errors.
BytePairEncoder::Merge resolve_merge(const StringMap<int32_t>& vocab, std::string_view left, std::string_view right,
                                     const fs::path& file, const std::string& where) {
  const auto find = [&](std::string_view spelling) {
    const auto it = vocab.find(spelling);
    if (it == vocab.end()) fail(file, where + ": \"" + std::string(spelling) + "\" is not in the vocabulary");
    return it->second;
  };
  std::string joined;
  joined.reserve(left.size() + right.size());
  joined.append(left).append(right);
  return {find(left), find(right), find(joined)};
}

StringMap<int32_t> read_vocab(const json& vocab, const fs::path& file, const std::string& where) {
  if (!vocab.is_object()) fail(file, where + ": expected an object of token -> id");
  StringMap<int32_t> out;
  out.reserve(vocab.size());
  for (const auto& [spelling, id] : vocab.items()) out.emplace(spelling, token_id(id, file, where + "[\"" + spelling + "\"]"));
  return out;
}

// ---- Dream's format: vocab.json, merges.txt, tokenizer_config.json ----------------------------------------

void read_merges_txt(TokenizerFiles& files, const fs::path& file) {
  std::istringstream in(read_file(file));
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.starts_with("#version"))) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() || line.find(' ', space + 1) != std::string::npos)
      fail(file, "line " + std::to_string(line_number) + ": expected two tokens separated by one space, got \"" + line + "\"");
    files.merges.push_back(resolve_merge(files.vocab, std::string_view(line).substr(0, space),
                                         std::string_view(line).substr(space + 1), file, "line " + std::to_string(line_number)));
  }
}

void read_added_tokens_decoder(TokenizerFiles& files, const json& config, const fs::path& file) {
  const auto it = config.find("added_tokens_decoder");
  if (it == config.end()) return;
  if (!it->is_object()) fail(file, "added_tokens_decoder: expected an object of id -> token");
  for (const auto& [key, entry] : it->items()) {
    int64_t id = -1;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size() || id < 0 || id > kMaxTokenId)
      fail(file, "added_tokens_decoder: key \"" + key + "\" is not a token id");
    files.added.push_back(added_token(entry, static_cast<int32_t>(id), file, "added_tokens_decoder[\"" + key + "\"]"));
  }
}

TokenizerFiles read_vocab_and_merges(const fs::path& dir, const json* config, const fs::path& config_file) {
  TokenizerFiles files;
  files.vocab_file = dir / "vocab.json";
  files.vocab = read_vocab(read_json(files.vocab_file), files.vocab_file, "vocabulary");
  read_merges_txt(files, dir / "merges.txt");
  if (config) read_added_tokens_decoder(files, *config, config_file);
  return files;  // Qwen2's slow and fast tokenizers both normalise with NFC
}

// ---- Hugging Face's tokenizer.json ---------------------------------------------------------------------

// `where` is a string_view, not a const std::string&: GCC 13+'s -Wdangling-reference flags any call that binds a
// temporary string to a reference parameter of a reference-returning function, though the result points into
// `object`.
const json& member(const json& object, const char* key, const fs::path& file, std::string_view where) {
  static const json null_value;
  if (!object.is_object()) fail(file, std::string(where) + ": expected an object");
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

std::string type_of(const json& component) {
  const auto it = component.is_object() ? component.find("type") : component.end();
  return (it != component.end() && it->is_string()) ? it->get<std::string>() : std::string("(none)");
}

void check_pre_tokenizer(const json& pre, const fs::path& file) {
  // Exactly Qwen2's: Sequence[Split(pattern, Isolated), ByteLevel(no prefix space, no regex)].
  const std::string expected = std::string("Sequence of Split (Regex ") + std::string(kQwen2SplitPattern) +
                               ", behavior Isolated, invert false) and ByteLevel (add_prefix_space false, use_regex false)";
  const auto refuse = [&](const std::string& why) { fail(file, "pre_tokenizer: " + why + "; only Qwen2's is supported: " + expected); };
  if (type_of(pre) != "Sequence") refuse("type " + type_of(pre));
  const json& steps = member(pre, "pretokenizers", file, "pre_tokenizer");
  if (!steps.is_array() || steps.size() != 2) refuse("expected 2 steps");
  const json& split = steps[0];
  const json& byte_level = steps[1];
  if (type_of(split) != "Split") refuse("first step is " + type_of(split));
  const json& pattern = member(member(split, "pattern", file, "pre_tokenizer.pretokenizers[0]"), "Regex", file,
                               "pre_tokenizer.pretokenizers[0].pattern");
  if (!pattern.is_string() || pattern.get<std::string>() != kQwen2SplitPattern) refuse("Split pattern " + pattern.dump());
  if (member(split, "behavior", file, "pre_tokenizer.pretokenizers[0]") != "Isolated" ||
      member(split, "invert", file, "pre_tokenizer.pretokenizers[0]") == true)
    refuse("Split behavior " + member(split, "behavior", file, "").dump());
  if (type_of(byte_level) != "ByteLevel") refuse("second step is " + type_of(byte_level));
  if (member(byte_level, "add_prefix_space", file, "pre_tokenizer.pretokenizers[1]") == true ||
      member(byte_level, "use_regex", file, "pre_tokenizer.pretokenizers[1]") == true)
    refuse("ByteLevel with add_prefix_space or use_regex");
}

TokenizerFiles read_tokenizer_json(const fs::path& file) {
  const json root = read_json(file);
  TokenizerFiles files;
  files.vocab_file = file;

  const json& normalizer = member(root, "normalizer", file, "(root)");
  if (normalizer.is_null()) {
    files.nfc = false;
  } else if (type_of(normalizer) != "NFC") {
    fail(file, "normalizer: type " + type_of(normalizer) + " is not supported (NFC or null)");
  }
  check_pre_tokenizer(member(root, "pre_tokenizer", file, "(root)"), file);
  const json& decoder = member(root, "decoder", file, "(root)");
  if (type_of(decoder) != "ByteLevel") fail(file, "decoder: type " + type_of(decoder) + " is not supported (ByteLevel)");

  const json& model = member(root, "model", file, "(root)");
  if (type_of(model) != "BPE") fail(file, "model.type: " + type_of(model) + " is not supported (BPE)");
  if (const json& dropout = member(model, "dropout", file, "model"); !dropout.is_null())
    fail(file, "model.dropout: " + dropout.dump() + " is not supported (null)");
  if (member(model, "byte_fallback", file, "model") == true) fail(file, "model.byte_fallback: true is not supported");
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json& v = member(model, affix, file, "model");
    if (!v.is_null() && v != "") fail(file, std::string("model.") + affix + ": " + v.dump() + " is not supported (empty)");
  }
  files.ignore_merges = flag(model, "ignore_merges", file, "model");
  files.vocab = read_vocab(member(model, "vocab", file, "model"), file, "model.vocab");

  const json& merges = member(model, "merges", file, "model");
  if (!merges.is_array()) fail(file, "model.merges: expected an array");
  files.merges.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    const json& m = merges[i];
    // Older files spell a merge "left right", newer ones ["left", "right"].
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        fail(file, where + ": expected \"left right\", got " + m.dump());
      files.merges.push_back(resolve_merge(files.vocab, std::string_view(s).substr(0, space), std::string_view(s).substr(space + 1), file, where));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      files.merges.push_back(resolve_merge(files.vocab, m[0].get_ref<const std::string&>(), m[1].get_ref<const std::string&>(), file, where));
    } else {
      fail(file, where + ": expected \"left right\" or [\"left\", \"right\"], got " + m.dump());
    }
  }

  const json& added = member(root, "added_tokens", file, "(root)");
  if (!added.is_null() && !added.is_array()) fail(file, "added_tokens: expected an array");
  for (std::size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    files.added.push_back(added_token(added[i], token_id(member(added[i], "id", file, where), file, where + ".id"), file, where));
  }
  return files;
}

// ---- building -----------------------------------------------------------------------------------------

std::shared_ptr<Tokenizer::Impl> build(TokenizerFiles files) {
  auto impl = std::make_shared<Tokenizer::Impl>();
  int32_t size = 0;
  for (const auto& [spelling, id] : files.vocab) size = std::max(size, id + 1);
  for (const AddedTokenSpec& t : files.added) size = std::max(size, t.id + 1);
  impl->spelling.resize(size);
  impl->bytes.resize(size);
  impl->known.assign(size, false);
  impl->special.assign(size, false);

  const auto define = [&](const std::string& spelling, int32_t id, const std::string& where) {
    if (impl->known[id] && impl->spelling[id] != spelling)
      fail(files.vocab_file, where + ": id " + std::to_string(id) + " is both \"" + impl->spelling[id] + "\" and \"" + spelling + "\"");
    impl->known[id] = true;
    impl->spelling[id] = spelling;
    // Added tokens go through the ByteLevel decoder too, as in Hugging Face (a no-op for ASCII content).
    impl->bytes[id] = byte_level::decode(spelling);
    impl->spelling_to_id[spelling] = id;
  };
  impl->spelling_to_id.reserve(files.vocab.size() + files.added.size());
  for (const auto& [spelling, id] : files.vocab) define(spelling, id, "vocabulary");

  std::vector<AddedTokenMatcher::Token> raw, normalized;
  for (const AddedTokenSpec& t : files.added) {
    // An added token may reuse a base token's id with another spelling only in broken files; the added
    // spelling wins, as Hugging Face looks added tokens up first.
    impl->known[t.id] = false;
    define(t.content, t.id, "added token");
    impl->special[t.id] = t.special;
    (t.normalized ? normalized : raw).push_back({t.content, t.id});
  }
  impl->raw_added = AddedTokenMatcher(std::move(raw));
  impl->normalized_added = AddedTokenMatcher(std::move(normalized));
  impl->nfc = files.nfc;

  std::array<int32_t, 256> byte_ids{};
  for (unsigned b = 0; b < 256; ++b) {
    const std::string spelling = byte_level::encode(std::string(1, static_cast<char>(b)));
    const auto it = files.vocab.find(spelling);
    if (it == files.vocab.end()) fail(files.vocab_file, "no token for byte " + std::to_string(b) + " (\"" + spelling + "\"): not a byte-level BPE vocabulary");
    byte_ids[b] = it->second;
  }
  StringMap<int32_t> vocab_bytes;  // only ignore_merges needs whole pieces looked up
  if (files.ignore_merges)
    for (const auto& [spelling, id] : files.vocab) vocab_bytes.emplace(byte_level::decode(spelling), id);
  impl->bpe.emplace(byte_ids, files.merges, files.ignore_merges, std::move(vocab_bytes));
  return impl;
}

// The content of a special-token field of tokenizer_config.json: "text", {"content": "text", ...} or null.
std::optional<std::string> special_token_text(const json& config, const char* key, const fs::path& file) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return text_field(*it, "content", file, key);
  fail(file, std::string(key) + ": expected a string, an object with \"content\", or null; got " + it->dump());
}

void read_config(Tokenizer::Impl& impl, const json& config, const fs::path& file) {
  const auto resolve = [&](const char* key) -> std::optional<int32_t> {
    const auto text = special_token_text(config, key, file);
    if (!text) return std::nullopt;
    const auto it = impl.spelling_to_id.find(*text);
    if (it == impl.spelling_to_id.end()) fail(file, std::string(key) + ": \"" + *text + "\" is not a token of the vocabulary");
    return it->second;
  };
  impl.special_ids.eos = resolve("eos_token");
  impl.special_ids.pad = resolve("pad_token");
  impl.special_ids.bos = resolve("bos_token");
  impl.special_ids.mask = resolve("mask_token");

  const auto it = config.find("chat_template");
  if (it != config.end() && !it->is_null()) {
    if (!it->is_string()) fail(file, "chat_template: expected a string, got " + it->dump().substr(0, 80));
    impl.chat_template = it->get<std::string>();
    impl.chat_template_source = file;
  }
}

}  // namespace

Tokenizer Tokenizer::load(const fs::path& model_dir) {
  if (!fs::is_directory(model_dir)) throw std::runtime_error(model_dir.string() + ": not a model folder (no such directory)");
  const fs::path config_file = model_dir / "tokenizer_config.json";
  std::optional<json> config;
  if (fs::exists(config_file)) {
    config = read_json(config_file);
    if (!config->is_object()) fail(config_file, "expected a JSON object");
  }
  const fs::path single_file = model_dir / "tokenizer.json";
  std::shared_ptr<Impl> impl;
  if (fs::exists(single_file)) {
    impl = build(read_tokenizer_json(single_file));
  } else if (fs::exists(model_dir / "vocab.json")) {
    impl = build(read_vocab_and_merges(model_dir, config ? &*config : nullptr, config_file));
  } else {
    throw std::runtime_error(model_dir.string() + ": no tokenizer.json and no vocab.json + merges.txt");
  }
  if (config) read_config(*impl, *config, config_file);
  for (const auto& [text, role] : {std::pair{"<|im_start|>", &SpecialIds::im_start}, std::pair{"<|im_end|>", &SpecialIds::im_end}}) {
    const auto it = impl->spelling_to_id.find(std::string_view(text));
    if (it != impl->spelling_to_id.end()) impl->special_ids.*role = it->second;
  }
  return Tokenizer(std::move(impl));
}

}  // namespace dream::tokenizer
