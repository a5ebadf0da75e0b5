#include "model/tokenizer/chat_template.h"

#include <stdexcept>

namespace dream::tokenizer {
namespace {

// Dream-v0-Instruct-7B's tokenizer_config.json "chat_template", verbatim (a format, not code of ours).
constexpr std::string_view kDreamChatTemplate = R"jinja({%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
)jinja";

void append_turn(std::string& out, std::string_view role, std::string_view content) {
  out.append("<|im_start|>").append(role).append("\n").append(content).append("<|im_end|>\n");
}

}  // namespace

std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt, std::string_view assistant_prefill) {
  if (messages.empty()) throw std::invalid_argument("render_chat: no messages");
  if (!add_generation_prompt && !assistant_prefill.empty())
    throw std::invalid_argument("render_chat: an assistant prefill needs add_generation_prompt");
  std::string out;
  const bool leading_system = messages.front().role == "system";
  append_turn(out, "system", leading_system ? std::string_view(messages.front().content) : kDefaultSystemPrompt);
  for (std::size_t i = leading_system ? 1 : 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user" || m.role == "assistant" || m.role == "system") {
      append_turn(out, m.role, m.content);
    } else if (m.role == "tool") {
      if (i == 0 || messages[i - 1].role != "tool") out += "<|im_start|>user";
      out.append("\n<tool_response>\n").append(m.content).append("\n</tool_response>");
      if (i + 1 == messages.size() || messages[i + 1].role != "tool") out += "<|im_end|>\n";
    } else {
      throw std::invalid_argument("render_chat: message " + std::to_string(i) + " has role \"" + m.role +
                                  "\"; expected system, user, assistant or tool");
    }
  }
  if (add_generation_prompt) out.append("<|im_start|>assistant\n").append(assistant_prefill);
  return out;
}

std::string render_base_prompt(const Tokenizer& tokenizer, std::string_view prompt) {
  const auto bos = tokenizer.special_ids().bos;
  if (!bos) throw std::runtime_error("render_base_prompt: the tokenizer has no bos_token (tokenizer_config.json)");
  std::string out = *tokenizer.id_to_token(*bos);
  out.append(prompt);
  return out;
}

bool is_dream_chat_template(std::string_view jinja) { return jinja == kDreamChatTemplate; }

void check_chat_template(const Tokenizer& tokenizer) {
  if (tokenizer.chat_template().empty() || is_dream_chat_template(tokenizer.chat_template())) return;
  throw std::runtime_error(tokenizer.chat_template_source().string() +
                           ": chat_template is not Dream-Instruct's; dream-eval renders only that ChatML template "
                           "(model/tokenizer/chat_template.h)");
}

}  // namespace dream::tokenizer
