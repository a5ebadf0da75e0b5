#include "bpe_vocab.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/pretokenizer.h"

namespace dream::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

}  // namespace

ByteLevelBpe learn_byte_level_bpe(const std::vector<std::string>& texts, int max_merges, int64_t min_count) {
  if (min_count < 1) throw std::invalid_argument("BPE min_count must be >= 1, got " + std::to_string(min_count));
  ByteLevelBpe bpe;
  // GPT-2's byte order: sorting bytes by the character that stands for each one puts the printable bytes
  // (which stand for themselves) first and the remapped ones (U+0100...) after, in byte order.
  std::vector<int> bytes(256);
  for (int b = 0; b < 256; ++b) bytes[b] = b;
  const auto& chars = tokenizer::byte_level::byte_to_char();
  std::stable_sort(bytes.begin(), bytes.end(), [&](int a, int b) { return chars[a] < chars[b]; });
  for (int b : bytes) bpe.tokens.push_back(tokenizer::byte_level::encode(std::string(1, static_cast<char>(b))));

  // Piece -> count, each piece as its sequence of symbols (byte-level spellings).
  const tokenizer::Qwen2PreTokenizer pretokenizer;
  std::map<std::string, int64_t> piece_counts;
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < texts.size(); ++i) {
    for (unsigned char c : texts[i])
      if (c >= 0x80) throw std::invalid_argument("BPE corpus text " + std::to_string(i) + " is not ASCII");
    pieces.clear();
    pretokenizer.split(texts[i], pieces);
    for (std::string_view p : pieces) ++piece_counts[std::string(p)];
  }
  std::vector<std::pair<std::vector<std::string>, int64_t>> words;
  for (const auto& [piece, count] : piece_counts) {
    std::vector<std::string> symbols;
    for (char c : piece) symbols.push_back(tokenizer::byte_level::encode(std::string(1, c)));
    words.emplace_back(std::move(symbols), count);
  }

  while (static_cast<int>(bpe.merges.size()) < max_merges) {
    std::map<std::pair<std::string, std::string>, int64_t> pair_counts;
    for (const auto& [symbols, count] : words)
      for (size_t k = 0; k + 1 < symbols.size(); ++k) pair_counts[{symbols[k], symbols[k + 1]}] += count;
    // std::map iterates in byte order, so the first pair with the top count is the smallest one.
    auto best = pair_counts.end();
    for (auto it = pair_counts.begin(); it != pair_counts.end(); ++it)
      if (best == pair_counts.end() || it->second > best->second) best = it;
    if (best == pair_counts.end() || best->second < min_count) break;
    const auto [left, right] = best->first;
    for (auto& [symbols, count] : words) {
      std::vector<std::string> merged;
      for (size_t k = 0; k < symbols.size(); ++k) {
        if (k + 1 < symbols.size() && symbols[k] == left && symbols[k + 1] == right) {
          merged.push_back(left + right);
          ++k;
        } else {
          merged.push_back(symbols[k]);
        }
      }
      symbols = std::move(merged);
    }
    bpe.merges.emplace_back(left, right);
    // Two merges can spell the same token ("a"+"bc", "ab"+"c"); it keeps its first id.
    if (std::find(bpe.tokens.begin(), bpe.tokens.end(), left + right) == bpe.tokens.end()) bpe.tokens.push_back(left + right);
  }
  return bpe;
}

VocabularyIds vocabulary_ids(const ByteLevelBpe& bpe) {
  const auto& added = planning_added_tokens();
  const int64_t base = static_cast<int64_t>(bpe.tokens.size());
  auto id_of = [&](const std::string& t) {
    return base + (std::find(added.begin(), added.end(), t) - added.begin());
  };
  return {id_of("<|endoftext|>"), id_of("<|beginoftext|>"), id_of("<|mask|>"), base + static_cast<int64_t>(added.size())};
}

VocabularyIds write_tokenizer_files(const fs::path& dir, const ByteLevelBpe& bpe) {
  fs::create_directories(dir);
  json vocab = json::object();
  for (size_t id = 0; id < bpe.tokens.size(); ++id) {
    if (vocab.contains(bpe.tokens[id])) throw std::logic_error("BPE vocabulary spells token '" + bpe.tokens[id] + "' twice");
    vocab[bpe.tokens[id]] = id;
  }
  write_text(dir / "vocab.json", vocab.dump() + "\n");

  std::string merges = "#version: 0.2\n";
  for (const auto& [l, r] : bpe.merges) merges += l + " " + r + "\n";
  write_text(dir / "merges.txt", merges);

  const VocabularyIds ids = vocabulary_ids(bpe);
  const auto& added = planning_added_tokens();
  json decoder = json::object(), added_ids = json::object();
  for (size_t k = 0; k < added.size(); ++k) {
    const int64_t id = static_cast<int64_t>(bpe.tokens.size() + k);
    decoder[std::to_string(id)] = {{"content", added[k]}, {"lstrip", false}, {"normalized", false},
                                   {"rstrip", false},     {"single_word", false}, {"special", true}};
    added_ids[added[k]] = id;
  }
  auto token_entry = [](const std::string& t) {
    return json{{"content", t}, {"lstrip", false}, {"normalized", false}, {"rstrip", false}, {"single_word", false}};
  };
  // The fields of Dream-v0's tokenizer_config.json that describe behaviour (its Python auto_map is left out).
  const json config = {{"add_bos_token", false},
                       {"add_prefix_space", false},
                       {"added_tokens_decoder", decoder},
                       {"additional_special_tokens", {"<|beginoftext|>", "<|mask|>"}},
                       {"bos_token", "<|beginoftext|>"},
                       {"clean_up_tokenization_spaces", false},
                       {"eos_token", "<|endoftext|>"},
                       {"errors", "replace"},
                       {"mask_token", "<|mask|>"},
                       {"model_max_length", 4096},
                       {"pad_token", "<|endoftext|>"},
                       {"split_special_tokens", false},
                       {"tokenizer_class", "Qwen2Tokenizer"},
                       {"unk_token", nullptr}};
  write_text(dir / "tokenizer_config.json", config.dump(2) + "\n");
  const json special_map = {{"additional_special_tokens", {"<|beginoftext|>", "<|mask|>"}},
                            {"bos_token", token_entry("<|beginoftext|>")},
                            {"eos_token", token_entry("<|endoftext|>")},
                            {"mask_token", token_entry("<|mask|>")},
                            {"pad_token", token_entry("<|endoftext|>")}};
  write_text(dir / "special_tokens_map.json", special_map.dump(2) + "\n");
  write_text(dir / "added_tokens.json", added_ids.dump(2) + "\n");
  return ids;
}

}  // namespace dream::train
