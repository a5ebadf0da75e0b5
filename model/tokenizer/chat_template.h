#pragma once
// Prompt formats of Dream: the Instruct model's chat template and the base model's bos convention.
//
// Decision: Dream-Instruct's Jinja chat template (tokenizer_config.json) is fixed, so dream-eval renders it
// with a dedicated ChatML renderer instead of a Jinja interpreter. render_chat() reproduces what
// transformers' apply_chat_template produces with that template (sandboxed Jinja2, trim_blocks,
// lstrip_blocks) for messages of roles system, user, assistant and tool, byte for byte (pinned by
// ../shared/golden/chat-template). Not supported: the template's `tools` argument and assistant
// `tool_calls`. A checkpoint whose tokenizer_config.json carries another template is refused by
// check_chat_template() rather than rendered wrongly: call it once after loading the tokenizer, before
// rendering chats for that model.
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.h"

namespace dream::tokenizer {

struct ChatMessage {
  std::string role;     // "system", "user", "assistant" or "tool"
  std::string content;  // inserted verbatim (no trimming, no escaping)
};

// Used when the first message is not a system message (an explicit system message, even empty, replaces it).
inline constexpr std::string_view kDefaultSystemPrompt = "You are a helpful assistant.";

// The ChatML text of `messages`:
//   <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n ...
// then, with add_generation_prompt, "<|im_start|>assistant\n" followed by `assistant_prefill` (the start
// of the answer the model is to continue, e.g. "Here is the completed function:\n```python\n").
// Consecutive tool messages form one user turn of <tool_response> blocks, as in the template.
// Throws std::invalid_argument for no messages, an unknown role (the Jinja template would silently drop
// the message), or a prefill without a generation prompt.
std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        std::string_view assistant_prefill = {});

// The base model's prompt convention (Dream's evaluation of Dream-v0-Base-7B): the bos token's text
// ("<|beginoftext|>", which encode() turns into id 151665) followed by `prompt`. Throws std::runtime_error
// when the tokenizer has no bos_token.
std::string render_base_prompt(const Tokenizer& tokenizer, std::string_view prompt);

// True when `jinja` is exactly Dream-Instruct's chat_template (Dream-v0-Instruct-7B's tokenizer_config.json).
bool is_dream_chat_template(std::string_view jinja);

// Throws std::runtime_error naming the file when the tokenizer's config has a chat_template that is not
// Dream-Instruct's (render_chat would not reproduce it). A tokenizer without a chat_template passes.
void check_chat_template(const Tokenizer& tokenizer);

}  // namespace dream::tokenizer
