#pragma once
// The state behind a Tokenizer (internal), filled by the loaders in tokenizer_files.cpp.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/tokenizer/added_tokens.h"
#include "model/tokenizer/bpe.h"
#include "model/tokenizer/pretokenizer.h"
#include "model/tokenizer/tokenizer.h"

namespace dream::tokenizer {

struct Tokenizer::Impl {
  // Indexed by id; a gap in the ids has known[id] == false.
  std::vector<std::string> spelling;  // as in the vocabulary files
  std::vector<std::string> bytes;     // what the id decodes to, before UTF-8 decoding
  std::vector<bool> known, special;
  StringMap<int32_t> spelling_to_id;

  // Added tokens matched on the raw text (normalized: false, as all of Dream's) and after normalisation.
  AddedTokenMatcher raw_added, normalized_added;
  bool nfc = true;  // normaliser: NFC or none
  Qwen2PreTokenizer pretokenizer;
  std::optional<BytePairEncoder> bpe;

  SpecialIds special_ids;
  std::string chat_template;
  std::filesystem::path chat_template_source;
};

}  // namespace dream::tokenizer
