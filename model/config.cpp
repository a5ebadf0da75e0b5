#include "config.h"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dream::model {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& why) {
  throw std::runtime_error(source + ": field '" + field + "': " + why);
}

int64_t positive_int(const json& j, const std::string& source, const char* field) {
  if (!j.contains(field)) fail(source, field, "missing");
  const json& v = j.at(field);
  if (!v.is_number_integer()) fail(source, field, "expected an integer, got " + v.dump());
  const int64_t x = v.get<int64_t>();
  if (x <= 0) fail(source, field, "must be positive, got " + std::to_string(x));
  return x;
}

std::optional<int64_t> optional_id(const json& j, const char* field, const std::string& source) {
  if (!j.contains(field) || j.at(field).is_null()) return std::nullopt;
  const json& v = j.at(field);
  // eos_token_id may be a list in some checkpoints; the first entry is the one that ends text.
  if (v.is_array() && !v.empty() && v.front().is_number_integer()) return v.front().get<int64_t>();
  if (!v.is_number_integer()) fail(source, field, "expected a token id, got " + v.dump());
  return v.get<int64_t>();
}

double positive_number(const json& j, const std::string& source, const char* field, double fallback) {
  if (!j.contains(field)) return fallback;
  const json& v = j.at(field);
  if (!v.is_number()) fail(source, field, "expected a number, got " + v.dump());
  const double x = v.get<double>();
  if (!(x > 0)) fail(source, field, "must be positive, got " + v.dump());
  return x;
}

}  // namespace

int64_t DreamConfig::parameter_count() const {
  const int64_t q = num_attention_heads * head_dim, kv = num_key_value_heads * head_dim;
  const int64_t per_layer = 2 * hidden_size                          // two norms
                            + (hidden_size + 1) * (q + 2 * kv)       // q, k, v with bias
                            + q * hidden_size                        // o_proj
                            + 3 * hidden_size * intermediate_size;   // gate, up, down
  const int64_t head = tie_word_embeddings ? 0 : vocab_size * hidden_size;
  return vocab_size * hidden_size + num_hidden_layers * per_layer + hidden_size + head;
}

DreamConfig parse_config(const json& j, const std::string& source) {
  if (!j.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  DreamConfig c;
  c.vocab_size = positive_int(j, source, "vocab_size");
  c.hidden_size = positive_int(j, source, "hidden_size");
  c.intermediate_size = positive_int(j, source, "intermediate_size");
  c.num_hidden_layers = positive_int(j, source, "num_hidden_layers");
  c.num_attention_heads = positive_int(j, source, "num_attention_heads");
  c.num_key_value_heads =
      j.contains("num_key_value_heads") ? positive_int(j, source, "num_key_value_heads") : c.num_attention_heads;
  c.rms_norm_eps = positive_number(j, source, "rms_norm_eps", 1e-6);
  c.rope_theta = positive_number(j, source, "rope_theta", 10000.0);
  c.max_position_embeddings =
      j.contains("max_position_embeddings") ? positive_int(j, source, "max_position_embeddings") : 32768;

  if (c.hidden_size % c.num_attention_heads != 0)
    fail(source, "hidden_size", std::to_string(c.hidden_size) + " is not a multiple of num_attention_heads " +
                                    std::to_string(c.num_attention_heads));
  c.head_dim = c.hidden_size / c.num_attention_heads;
  if (c.head_dim % 2 != 0) fail(source, "hidden_size", "head_dim " + std::to_string(c.head_dim) + " must be even for RoPE");
  if (j.contains("head_dim") && !j.at("head_dim").is_null() && j.at("head_dim") != c.head_dim)
    fail(source, "head_dim", j.at("head_dim").dump() + " differs from hidden_size / num_attention_heads = " +
                                 std::to_string(c.head_dim) + " (not supported)");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    fail(source, "num_key_value_heads", std::to_string(c.num_key_value_heads) +
                                            " does not divide num_attention_heads " + std::to_string(c.num_attention_heads));

  // Features of the Qwen2 family that this core does not implement are rejected, never ignored.
  const std::string act = j.value("hidden_act", std::string("silu"));
  if (act != "silu") fail(source, "hidden_act", "'" + act + "' is not supported (only silu)");
  if (j.contains("rope_scaling") && !j.at("rope_scaling").is_null())
    fail(source, "rope_scaling", j.at("rope_scaling").dump() + " is not supported (must be null)");
  if (j.value("use_sliding_window", false)) fail(source, "use_sliding_window", "true is not supported (attention is global)");
  if (j.contains("model_type") && j.at("model_type").is_string()) {
    const std::string mt = j.at("model_type").get<std::string>();
    if (mt != "Dream" && mt != "dream") fail(source, "model_type", "'" + mt + "' is not a Dream model");
  }
  c.tie_word_embeddings = j.value("tie_word_embeddings", false);
  c.torch_dtype = j.value("torch_dtype", std::string("float32"));
  if (c.torch_dtype != "float32" && c.torch_dtype != "bfloat16" && c.torch_dtype != "float16")
    fail(source, "torch_dtype", "'" + c.torch_dtype + "' is not one of float32, bfloat16, float16");

  auto mask = optional_id(j, "mask_token_id", source);
  if (!mask) fail(source, "mask_token_id", "missing (a Dream checkpoint names its [MASK] token)");
  c.mask_token_id = *mask;
  c.eos_token_id = optional_id(j, "eos_token_id", source).value_or(-1);
  c.pad_token_id = optional_id(j, "pad_token_id", source).value_or(c.eos_token_id);
  c.bos_token_id = optional_id(j, "bos_token_id", source);
  for (auto [name, id] : {std::pair{"mask_token_id", c.mask_token_id}, std::pair{"pad_token_id", c.pad_token_id},
                          std::pair{"eos_token_id", c.eos_token_id}}) {
    if (id < 0 || id >= c.vocab_size)
      fail(source, name, std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
  }
  return c;
}

DreamConfig load_config(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + ": no such model folder or config file");
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(file.string() + ": invalid JSON: " + e.what());
  }
  return parse_config(j, file.string());
}

json config_to_json(const DreamConfig& c) {
  json j = {{"architectures", {"DreamModel"}},
            {"model_type", "Dream"},
            {"hidden_act", "silu"},
            {"vocab_size", c.vocab_size},
            {"hidden_size", c.hidden_size},
            {"intermediate_size", c.intermediate_size},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_attention_heads", c.num_attention_heads},
            {"num_key_value_heads", c.num_key_value_heads},
            {"rms_norm_eps", c.rms_norm_eps},
            {"rope_theta", c.rope_theta},
            {"rope_scaling", nullptr},
            {"max_position_embeddings", c.max_position_embeddings},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"torch_dtype", c.torch_dtype},
            {"use_cache", false},
            {"attention_dropout", 0.0},
            {"mask_token_id", c.mask_token_id},
            {"pad_token_id", c.pad_token_id},
            {"eos_token_id", c.eos_token_id}};
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  return j;
}

}  // namespace dream::model
