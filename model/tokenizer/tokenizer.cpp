#include "model/tokenizer/tokenizer.h"

#include "model/tokenizer/tokenizer_impl.h"
#include "model/tokenizer/utf8.h"

namespace dream::tokenizer {

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  const Impl& m = *impl_;
  std::string repaired;
  if (utf8::valid_prefix_length(text) != text.size()) {
    repaired = utf8::replace_invalid(text);
    text = repaired;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 1);
  std::vector<std::string_view> pieces;
  std::string normalized_storage;
  const auto push_added = [&](int32_t id) { ids.push_back(id); };
  const auto encode_normalized = [&](std::string_view normalized) {
    pieces.clear();
    m.pretokenizer.split(normalized, pieces);
    for (const std::string_view piece : pieces) m.bpe->encode_piece(piece, ids);
  };
  const auto encode_raw = [&](std::string_view raw) {
    const std::string_view normalized = m.nfc ? utf8::nfc(raw, normalized_storage) : raw;
    if (m.normalized_added.empty()) {
      encode_normalized(normalized);
    } else {
      m.normalized_added.split(normalized, encode_normalized, push_added);
    }
  };
  m.raw_added.split(text, encode_raw, push_added);
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  const Impl& m = *impl_;
  std::string bytes;
  for (const int32_t id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= m.known.size() || !m.known[id]) {
      bytes += kUnknownIdText;
    } else if (!(skip_special && m.special[id])) {
      bytes += m.bytes[id];
    }
  }
  // Hugging Face's ByteLevel decoder joins all bytes first, then decodes them lossily in one go.
  return utf8::replace_invalid(bytes);
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  const auto it = impl_->spelling_to_id.find(token);
  if (it == impl_->spelling_to_id.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->known.size() || !impl_->known[id]) return std::nullopt;
  return impl_->spelling[id];
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(impl_->known.size()); }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < impl_->special.size() && impl_->special[id];
}

const SpecialIds& Tokenizer::special_ids() const { return impl_->special_ids; }
const std::string& Tokenizer::chat_template() const { return impl_->chat_template; }
const std::filesystem::path& Tokenizer::chat_template_source() const { return impl_->chat_template_source; }

}  // namespace dream::tokenizer
