#include "checkpoint.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dream::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

at::ScalarType scalar_type_of(DType d) {
  switch (d) {
    case DType::F32: return at::kFloat;
    case DType::BF16: return at::kBFloat16;
    case DType::F16: return at::kHalf;
    default: throw std::invalid_argument(std::string("dtype ") + dtype_name(d) + " is not a float type");
  }
}

// The shard holding each tensor: from the index's weight_map, or the single file.
std::map<std::string, fs::path> locate_tensors(const fs::path& dir, std::vector<std::shared_ptr<SafetensorsFile>>& files,
                                               std::map<fs::path, std::shared_ptr<SafetensorsFile>>& by_path) {
  std::map<std::string, fs::path> where;
  const fs::path index = dir / "model.safetensors.index.json", single = dir / "model.safetensors";
  auto open = [&](const fs::path& p) {
    if (!by_path.count(p)) {
      if (!fs::exists(p)) throw std::runtime_error(p.string() + ": shard named in " + index.string() + " does not exist");
      auto f = SafetensorsFile::open(p);
      by_path[p] = f;
      files.push_back(f);
    }
  };
  if (fs::exists(index)) {
    std::ifstream in(index);
    json j;
    try {
      j = json::parse(in);
    } catch (const json::parse_error& e) {
      throw std::runtime_error(index.string() + ": invalid JSON: " + e.what());
    }
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      throw std::runtime_error(index.string() + ": field 'weight_map' missing or not an object");
    for (const auto& [name, shard] : j["weight_map"].items()) {
      if (!shard.is_string()) throw std::runtime_error(index.string() + ": weight_map['" + name + "'] is not a file name");
      const std::string file = shard.get<std::string>();
      if (file.find('/') != std::string::npos || file == "..")
        throw std::runtime_error(index.string() + ": weight_map['" + name + "'] = '" + file + "' is not a file in the folder");
      where[name] = dir / file;
      open(dir / file);
    }
    // A shard holding a tensor the index does not list is as suspicious as a missing one.
    for (const auto& [p, f] : by_path)
      for (const auto& [name, view] : f->tensors()) {
        auto it = where.find(name);
        if (it == where.end())
          throw std::runtime_error(p.string() + ": tensor '" + name + "' is not listed in " + index.string());
        if (it->second != p)
          throw std::runtime_error(p.string() + ": tensor '" + name + "' also present, but the index places it in " +
                                   it->second.string());
      }
  } else if (fs::exists(single)) {
    open(single);
    for (const auto& [name, view] : by_path[single]->tensors()) where[name] = single;
  } else {
    throw std::runtime_error(dir.string() + ": no model.safetensors or model.safetensors.index.json");
  }
  return where;
}

// The tensors of one layer: checkpoint name (after "model.layers.<i>.") and slot, in the checkpoint's order.
struct LayerSlot {
  const char* suffix;
  at::Tensor LayerWeights::*member;
};
constexpr LayerSlot kLayerSlots[] = {
    {"input_layernorm.weight", &LayerWeights::input_norm},
    {"self_attn.q_proj.weight", &LayerWeights::q_proj},
    {"self_attn.q_proj.bias", &LayerWeights::q_bias},
    {"self_attn.k_proj.weight", &LayerWeights::k_proj},
    {"self_attn.k_proj.bias", &LayerWeights::k_bias},
    {"self_attn.v_proj.weight", &LayerWeights::v_proj},
    {"self_attn.v_proj.bias", &LayerWeights::v_bias},
    {"self_attn.o_proj.weight", &LayerWeights::o_proj},
    {"post_attention_layernorm.weight", &LayerWeights::post_attention_norm},
    {"mlp.gate_proj.weight", &LayerWeights::gate_proj},
    {"mlp.up_proj.weight", &LayerWeights::up_proj},
    {"mlp.down_proj.weight", &LayerWeights::down_proj},
};

}  // namespace

at::ScalarType scalar_type_from_name(const std::string& name) {
  if (name == "float32" || name == "fp32" || name == "float") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return at::kHalf;
  throw std::invalid_argument("unknown dtype '" + name + "' (expected float32, bfloat16 or float16)");
}

std::string scalar_type_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return std::string(c10::toString(t));
  }
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const DreamConfig& c) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, q = c.num_attention_heads * c.head_dim,
                kv = c.num_key_value_heads * c.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> t;
  t.push_back({"model.embed_tokens.weight", {c.vocab_size, H}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t.push_back({p + "input_layernorm.weight", {H}});
    t.push_back({p + "self_attn.q_proj.weight", {q, H}});
    t.push_back({p + "self_attn.q_proj.bias", {q}});
    t.push_back({p + "self_attn.k_proj.weight", {kv, H}});
    t.push_back({p + "self_attn.k_proj.bias", {kv}});
    t.push_back({p + "self_attn.v_proj.weight", {kv, H}});
    t.push_back({p + "self_attn.v_proj.bias", {kv}});
    t.push_back({p + "self_attn.o_proj.weight", {H, q}});
    t.push_back({p + "post_attention_layernorm.weight", {H}});
    t.push_back({p + "mlp.gate_proj.weight", {I, H}});
    t.push_back({p + "mlp.up_proj.weight", {I, H}});
    t.push_back({p + "mlp.down_proj.weight", {H, I}});
  }
  t.push_back({"model.norm.weight", {H}});
  if (!c.tie_word_embeddings) t.push_back({"lm_head.weight", {c.vocab_size, H}});
  return t;
}

void fuse_projections(DreamWeights& weights) {
  // Stacks `parts` along rows and returns views of the stacked tensor, in order.
  auto stack = [](std::initializer_list<at::Tensor*> parts) {
    std::vector<at::Tensor> tensors;
    for (const at::Tensor* t : parts) tensors.push_back(*t);
    at::Tensor stacked = at::cat(tensors, 0);
    int64_t row = 0;
    for (at::Tensor* t : parts) {
      const int64_t rows = t->size(0);
      *t = stacked.narrow(0, row, rows);
      row += rows;
    }
    return stacked;
  };
  for (LayerWeights& l : weights.layers) {
    if (l.qkv_proj.defined()) continue;
    l.qkv_proj = stack({&l.q_proj, &l.k_proj, &l.v_proj});
    l.qkv_bias = stack({&l.q_bias, &l.k_bias, &l.v_bias});
    l.gate_up_proj = stack({&l.gate_proj, &l.up_proj});
  }
}

DreamWeights load_weights(const fs::path& dir, const DreamConfig& config, const LoadOptions& options) {
  std::vector<std::shared_ptr<SafetensorsFile>> files;
  std::map<fs::path, std::shared_ptr<SafetensorsFile>> by_path;
  const auto where = locate_tensors(dir, files, by_path);
  const at::ScalarType dtype = options.dtype.value_or(scalar_type_from_name(config.torch_dtype));

  std::map<std::string, at::Tensor> bound;
  std::set<std::string> expected_names;
  for (const auto& [name, shape] : expected_tensors(config)) {
    expected_names.insert(name);
    auto it = where.find(name);
    if (it == where.end()) throw std::runtime_error(dir.string() + ": tensor '" + name + "' is missing from the checkpoint");
    const TensorView& view = by_path.at(it->second)->at(name);
    if (view.shape != shape)
      throw std::runtime_error(it->second.string() + ": tensor '" + name + "' has shape " + shape_text(view.shape) +
                               ", expected " + shape_text(shape) + " from config.json");
    at::ScalarType stored;
    try {
      stored = scalar_type_of(view.dtype);
    } catch (const std::exception& e) {
      throw std::runtime_error(it->second.string() + ": tensor '" + name + "': " + e.what());
    }
    // from_blob over the read-only mapping: the weights are never written in place. A misaligned pointer
    // (possible with a hand-made header) is copied so vectorised kernels see aligned data.
    const bool aligned = reinterpret_cast<uintptr_t>(view.data) % dtype_size(view.dtype) == 0;
    at::Tensor t = at::from_blob(const_cast<std::byte*>(view.data), view.shape, at::TensorOptions().dtype(stored));
    if (!aligned) t = t.clone();
    if (stored != dtype || options.device != at::kCPU) t = t.to(options.device, dtype);
    bound[name] = t;
  }
  for (const auto& [name, file] : where)
    if (!expected_names.count(name))
      throw std::runtime_error(file.string() + ": unexpected tensor '" + name + "' (not part of a Dream model with this config)");

  DreamWeights w = bind_weights(config, bound);
  w.files = std::move(files);
  return w;
}

DreamWeights bind_weights(const DreamConfig& config, const std::map<std::string, at::Tensor>& named) {
  auto get = [&](const std::string& name) {
    auto it = named.find(name);
    if (it == named.end()) throw std::invalid_argument("bind_weights: tensor '" + name + "' is missing");
    return it->second;
  };
  DreamWeights w;
  w.embed_tokens = get("model.embed_tokens.weight");
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    const std::string prefix = "model.layers." + std::to_string(i) + ".";
    LayerWeights l;
    for (const LayerSlot& slot : kLayerSlots) l.*slot.member = get(prefix + slot.suffix);
    w.layers.push_back(std::move(l));
  }
  w.final_norm = get("model.norm.weight");
  w.lm_head = config.tie_word_embeddings ? w.embed_tokens : get("lm_head.weight");
  return w;
}

std::vector<std::pair<std::string, at::Tensor>> named_tensors(const DreamConfig& config, const DreamWeights& w) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", w.embed_tokens);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const std::string prefix = "model.layers." + std::to_string(i) + ".";
    for (const LayerSlot& slot : kLayerSlots) out.emplace_back(prefix + slot.suffix, w.layers[i].*slot.member);
  }
  out.emplace_back("model.norm.weight", w.final_norm);
  if (!config.tie_word_embeddings) out.emplace_back("lm_head.weight", w.lm_head);
  return out;
}

void write_checkpoint(const fs::path& dir, const DreamConfig& config_in,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors, const WriteOptions& options) {
  DreamConfig config = config_in;
  config.torch_dtype = options.dtype;
  // Round-trip through the validator so a writer bug cannot produce a checkpoint the loader refuses.
  config = parse_config(config_to_json(config), "config to write");
  if (options.shards < 1) throw std::invalid_argument("shards must be at least 1, got " + std::to_string(options.shards));
  const at::ScalarType dtype = scalar_type_from_name(options.dtype);
  const DType file_dtype = dtype == at::kFloat ? DType::F32 : dtype == at::kBFloat16 ? DType::BF16 : DType::F16;

  const auto expected = expected_tensors(config);
  if (expected.size() != tensors.size())
    throw std::invalid_argument("write_checkpoint: " + std::to_string(tensors.size()) + " tensors given, the config needs " +
                                std::to_string(expected.size()));
  std::vector<at::Tensor> values;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (tensors[i].first != expected[i].first || tensors[i].second.sizes() != at::IntArrayRef(expected[i].second))
      throw std::invalid_argument("write_checkpoint: tensor " + std::to_string(i) + " is '" + tensors[i].first + "' " +
                                  shape_text(tensors[i].second.sizes().vec()) + ", expected '" + expected[i].first + "' " +
                                  shape_text(expected[i].second));
    values.push_back(tensors[i].second.detach().to(at::kCPU, dtype).contiguous());
  }

  fs::create_directories(dir);
  // Split the tensors into `shards` files of similar byte size, in name-list order.
  int64_t total = 0;
  for (const auto& v : values) total += v.numel() * v.element_size();
  const int shards = options.shards;
  std::vector<std::vector<TensorToWrite>> files(shards);
  json weight_map = json::object();
  int64_t running = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const int64_t bytes = values[i].numel() * values[i].element_size();
    const int shard = std::min<int64_t>(shards - 1, running * shards / std::max<int64_t>(total, 1));
    running += bytes;
    files[shard].push_back({expected[i].first, file_dtype, expected[i].second, values[i].data_ptr(), static_cast<size_t>(bytes)});
  }
  auto shard_name = [&](int k) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05d-of-%05d.safetensors", k + 1, shards);
    return std::string(buf);
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (shards == 1) {
    write_safetensors(dir / "model.safetensors", files[0], metadata);
  } else {
    for (int k = 0; k < shards; ++k) {
      write_safetensors(dir / shard_name(k), files[k], metadata);
      for (const auto& t : files[k]) weight_map[t.name] = shard_name(k);
    }
    std::ofstream(dir / "model.safetensors.index.json")
        << json{{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}}.dump(2);
  }
  std::ofstream(dir / "config.json") << config_to_json(config).dump(2) << "\n";
}

}  // namespace dream::model
