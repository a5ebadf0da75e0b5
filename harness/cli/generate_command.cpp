// `dream-eval generate`: diffusion generation for one request file, machine-readable in and out.
#include <cstdio>
#include <fstream>
#include <optional>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "model/cpu_threads.h"
#include "model/device.h"
#include "model/generate.h"
#include "model/text_batch.h"
#include "model/tokenizer/chat_template.h"

namespace dream::cli {
namespace {

using nlohmann::json;

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": invalid JSON: " + e.what());
  }
}

// A [B, P] int64 tensor from a list of equal-length integer lists; errors name the request field.
at::Tensor id_matrix(const json& j, const std::string& source, const char* field) {
  const std::string where = source + ": field '" + field + "'";
  if (!j.is_array() || j.empty()) throw std::runtime_error(where + " must be a non-empty list of lists");
  const size_t width = j.front().is_array() ? j.front().size() : 0;
  std::vector<int64_t> flat;
  for (size_t b = 0; b < j.size(); ++b) {
    if (!j[b].is_array() || j[b].size() != width)
      throw std::runtime_error(where + ": row " + std::to_string(b) + " is not a list of " + std::to_string(width) + " ids");
    for (const auto& v : j[b]) {
      if (!v.is_number_integer()) throw std::runtime_error(where + ": row " + std::to_string(b) + " holds " + v.dump());
      flat.push_back(v.get<int64_t>());
    }
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(j.size()), static_cast<int64_t>(width)});
}

json to_lists(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU).contiguous();
  json out = json::array();
  const int64_t* p = c.data_ptr<int64_t>();
  for (int64_t b = 0; b < c.size(0); ++b) out.push_back(std::vector<int64_t>(p + b * c.size(1), p + (b + 1) * c.size(1)));
  return out;
}

struct GenerateOptions {
  std::string model_dir;
  std::string request;
  std::string output = "-";
  std::string dtype;
  std::string device = "auto";
  int threads = 0;
  std::vector<std::string> prompts;  // --prompt: text prompts (base-model convention: bos text prepended)
  json overrides = json::object();   // --steps, --alg ... on top of the request's params
};

// The prompts of a text request, rendered: `messages` through the chat template (one conversation or a list
// of them, with an optional assistant_prefill), `prompt` (a string or a list) with the bos text prepended
// unless add_bos is false. Empty when the request gives ids.
std::vector<std::string> rendered_prompts(const json& req, const std::vector<std::string>& cli_prompts,
                                          const tokenizer::Tokenizer& tok, const std::string& source) {
  std::vector<std::string> out;
  const bool add_bos = req.value("add_bos", true);
  auto plain = [&](const std::string& text) { return add_bos ? tokenizer::render_base_prompt(tok, text) : text; };
  for (const auto& p : cli_prompts) out.push_back(plain(p));
  if (req.contains("prompt")) {
    const json& p = req["prompt"];
    if (p.is_string()) {
      out.push_back(plain(p.get<std::string>()));
    } else if (p.is_array()) {
      for (const auto& x : p) {
        if (!x.is_string()) throw std::runtime_error(source + ": field 'prompt' holds " + x.dump() + ", expected strings");
        out.push_back(plain(x.get<std::string>()));
      }
    } else {
      throw std::runtime_error(source + ": field 'prompt' must be a string or a list of strings");
    }
  }
  if (req.contains("messages")) {
    tokenizer::check_chat_template(tok);
    json conversations = req["messages"];
    if (!conversations.is_array() || conversations.empty())
      throw std::runtime_error(source + ": field 'messages' must be a non-empty list");
    if (conversations.front().is_object()) conversations = json::array({conversations});
    const std::string prefill = req.value("assistant_prefill", std::string());
    for (const auto& conv : conversations) {
      std::vector<tokenizer::ChatMessage> messages;
      for (const auto& m : conv) {
        if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() || !m["content"].is_string())
          throw std::runtime_error(source + ": field 'messages': each message needs string 'role' and 'content', got " + m.dump());
        messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
      }
      out.push_back(tokenizer::render_chat(messages, /*add_generation_prompt=*/true, prefill));
    }
  }
  return out;
}

void run_generate(const GenerateOptions& o) {
  const std::string source = o.request.empty() ? "--prompt" : o.request;
  json req = o.request.empty() ? json::object() : read_json_file(o.request);
  if (!req.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  model::LoadOptions load;
  load.device = model::parse_device(o.device);
  if (!o.dtype.empty()) load.dtype = model::scalar_type_from_name(o.dtype);
  const model::DreamModel net = model::DreamModel::load(o.model_dir, load);
  model::set_cpu_threads(o.threads);

  // Text requests go through the checkpoint's tokenizer; id requests need none.
  std::optional<tokenizer::Tokenizer> tok;
  const bool text = !o.prompts.empty() || req.contains("prompt") || req.contains("messages");
  at::Tensor ids, mask;
  if (text) {
    tok = tokenizer::Tokenizer::load(o.model_dir);
    const std::vector<std::string> prompts = rendered_prompts(req, o.prompts, *tok, source);
    const model::EncodedBatch batch = model::encode_batch(*tok, prompts, net.config().pad_token_id);
    ids = batch.input_ids;
    mask = batch.attention_mask;
  } else {
    if (!req.contains("input_ids")) throw std::runtime_error(source + ": give 'input_ids', 'prompt' or 'messages'");
    ids = id_matrix(req["input_ids"], source, "input_ids");
    if (req.contains("attention_mask") && !req["attention_mask"].is_null()) {
      mask = id_matrix(req["attention_mask"], source, "attention_mask");
      if (mask.sizes() != ids.sizes()) throw std::runtime_error(source + ": field 'attention_mask' does not match input_ids' shape");
    }
  }
  json params_json = req.value("params", json::object());
  params_json.update(o.overrides);
  const std::string preset = params_json.value("preset", std::string("plain"));
  if (preset != "plain" && preset != "dream_compat")
    throw std::runtime_error(source + ": field 'params.preset' = '" + preset + "' (known: plain, dream_compat)");
  model::GenerationParams params;
  try {
    params = model::params_from_json(params_json, preset == "dream_compat" ? model::GenerationParams::dream_compat()
                                                                          : model::GenerationParams{},
                                     ids.size(1));
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": " + e.what());
  }
  params.output_history = params_json.value("output_history", !text);  // ids in: history on, as the goldens

  const model::GenerationOutput result = model::diffusion_generate(net, ids, mask, params);
  json out = {{"sequences", to_lists(result.sequences)},
              {"params", model::params_to_json(params)},
              {"model_fingerprint", net.fingerprint()},
              {"timing", {{"forward_passes", result.timing.forward_passes},
                          {"full_forward_passes", result.timing.full_forward_passes},
                          {"forward_ms", result.timing.forward_ms},
                          {"sampling_ms", result.timing.sampling_ms}}}};
  json history = json::array();
  for (const auto& h : result.history) history.push_back(to_lists(h));
  out["history"] = std::move(history);
  if (tok) {
    const auto end_ids = model::end_of_text_ids(*tok, net.config());
    const at::Tensor sequences = result.sequences.to(at::kCPU);
    json texts = json::array(), counts = json::array();
    for (int64_t b = 0; b < ids.size(0); ++b) {
      const model::DecodedAnswer a = model::decode_answer(*tok, sequences[b].narrow(0, ids.size(1), params.max_new_tokens), end_ids);
      texts.push_back(a.text);
      counts.push_back(a.generated_tokens);
    }
    out["text"] = std::move(texts);
    out["generated_tokens"] = std::move(counts);
  }

  if (o.output == "-") {
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  const std::string tmp = o.output + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error(o.output + ": cannot write");
    f << out.dump() << "\n";
  }
  std::filesystem::rename(tmp, o.output);
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto opts = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Diffusion generation for a request file (ids in, ids and history out)");
  cmd->add_option("--model", opts->model_dir, "Hugging Face model folder (config.json + safetensors)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--request", opts->request,
                  "Request JSON: input_ids [[...]] + attention_mask, or prompt / messages (+ assistant_prefill, add_bos); "
                  "params {max_new_tokens, steps, alg, temperature, top_p, top_k, alg_temp, eps, seed, preset}")
      ->check(CLI::ExistingFile);
  cmd->add_option("--prompt", opts->prompts, "A text prompt (repeatable; the bos text is prepended as for base models)");
  cmd->add_option("--output", opts->output, "Where to write sequences, history and text (JSON; - = stdout)")->capture_default_str();
  auto override_int = [cmd, opts](const char* flag, const char* key, const char* help) {
    cmd->add_option_function<int64_t>(flag, [opts, key](int64_t v) { opts->overrides[key] = v; }, help);
  };
  auto override_double = [cmd, opts](const char* flag, const char* key, const char* help) {
    cmd->add_option_function<double>(flag, [opts, key](double v) { opts->overrides[key] = v; }, help);
  };
  override_int("--steps", "steps", "denoising steps (overrides the request)");
  override_int("--max-new-tokens", "max_new_tokens", "answer length (overrides the request)");
  override_int("--seed", "seed", "random seed (overrides the request)");
  override_int("--top-k", "top_k", "top-k filter (overrides the request)");
  override_double("--temperature", "temperature", "sampling temperature (overrides the request)");
  override_double("--top-p", "top_p", "nucleus filter (overrides the request)");
  cmd->add_option_function<std::string>("--alg", [opts](const std::string& v) { opts->overrides["alg"] = v; },
                                        "origin, maskgit_plus, topk_margin or entropy (overrides the request)");
  cmd->add_option_function<std::string>("--policy", [opts](const std::string& v) { opts->overrides["policy"] = v; },
                                        std::string(kPolicyHelp) + " (overrides the request)");
  cmd->add_option_function<std::string>("--preset", [opts](const std::string& v) { opts->overrides["preset"] = v; },
                                        "plain (documented defaults) or dream_compat (the official code's effective defaults)");
  cmd->add_option("--dtype", opts->dtype, "Compute dtype (float32, bfloat16, float16); default: the checkpoint's");
  cmd->add_option("--device", opts->device, "auto, cpu, cuda or cuda:N (auto: the first GPU of a CUDA build, else the CPU)")
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, kThreadsHelp)->capture_default_str();
  cmd->callback([opts] {
    if (opts->request.empty() && opts->prompts.empty()) throw std::runtime_error("generate: give --request or --prompt");
    run_generate(*opts);
  });
}

}  // namespace dream::cli
