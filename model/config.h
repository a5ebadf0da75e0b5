#pragma once
// Dream model configuration (config.json of a Hugging Face model folder), validated on load.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace dream::model {

struct DreamConfig {
  int64_t vocab_size = 0;               // V: logit rows (Dream-7B: 152064, more than the tokenizer's ids)
  int64_t hidden_size = 0;              // H
  int64_t intermediate_size = 0;        // I: MLP width
  int64_t num_hidden_layers = 0;        // transformer blocks
  int64_t num_attention_heads = 0;      // nH: query heads
  int64_t num_key_value_heads = 0;      // nKV: key/value heads (grouped-query attention)
  int64_t head_dim = 0;                 // D = H / nH
  double rms_norm_eps = 1e-6;           // RMSNorm epsilon
  double rope_theta = 10000.0;          // RoPE base
  int64_t max_position_embeddings = 0;  // longest sequence the checkpoint claims to support
  bool tie_word_embeddings = false;     // lm_head shares embed_tokens
  std::string torch_dtype = "float32";  // checkpoint dtype: float32, bfloat16 or float16
  int64_t mask_token_id = -1;           // the absorbing [MASK] id
  int64_t pad_token_id = -1;            // left-padding id
  int64_t eos_token_id = -1;            // end of text
  std::optional<int64_t> bos_token_id;  // informative only

  int64_t query_groups() const { return num_attention_heads / num_key_value_heads; }
  // Parameter count (embeddings and lm_head included).
  int64_t parameter_count() const;
};

// Parses and validates a config object; `source` names the file in error messages.
// Unsupported features (rope_scaling, sliding window, another activation, ...) are errors naming the field.
DreamConfig parse_config(const nlohmann::json& j, const std::string& source);

// Loads DIR/config.json (or the file itself when given a path to a .json).
DreamConfig load_config(const std::filesystem::path& path);

// The config.json object for a config (Hugging Face layout, model_type "Dream").
nlohmann::json config_to_json(const DreamConfig& c);

}  // namespace dream::model
