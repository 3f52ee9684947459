// CLI11's parse errors in fitformer's one-line form. CLI11 prints its message and a second
// line ("Run with --help ..."), lists unexpected arguments last first, and exits 105-109;
// a person typing a command wants the mistake, the likely fix, and exit 1.
#include "cli/parse_error.h"

#include <algorithm>
#include <sstream>

#include "core/nearest_name.h"

namespace fitformer::cli {
namespace {

// The subcommand chain CLI11 got into before it stopped: the deepest is the one whose flags
// and subcommands a typo most likely meant.
std::vector<const CLI::App*> parsed_chain(const CLI::App& app) {
  std::vector<const CLI::App*> chain = {&app};
  for (;;) {
    const std::vector<CLI::App*> subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.back());
  }
}

// "--name" for every long flag of the chain (a subcommand sees its parents' flags too).
std::vector<std::string> flag_names(const std::vector<const CLI::App*>& chain) {
  std::vector<std::string> names;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    for (const CLI::Option* option : (*it)->get_options())
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::string command_path(const std::vector<const CLI::App*>& chain) {
  std::string path = "fitformer";
  for (size_t i = 1; i < chain.size(); ++i) path += " " + chain[i]->get_name();
  return path;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// The arguments an ExtrasError names, in the order they were typed.
std::vector<std::string> unexpected_in_order(const std::string& message,
                                             const std::vector<std::string>& args) {
  const size_t colon = message.find(": ");
  std::vector<std::string> named;
  std::istringstream in(colon == std::string::npos ? "" : message.substr(colon + 2));
  for (std::string token; in >> token;) named.push_back(token);
  std::vector<std::string> ordered;
  for (const std::string& arg : args) {
    const auto it = std::find(named.begin(), named.end(), arg);
    if (it == named.end()) continue;
    ordered.push_back(arg);
    named.erase(it);
  }
  ordered.insert(ordered.end(), named.begin(), named.end());  // any not found as typed
  return ordered;
}

// " (did you mean X?)" for the first unexpected argument that looks like a typo.
std::string suggestion(const std::vector<const CLI::App*>& chain,
                       const std::vector<std::string>& unexpected) {
  for (const std::string& arg : unexpected) {
    std::optional<std::string> nearest;
    if (arg.starts_with("-"))
      nearest = nearest_name(arg.substr(0, arg.find('=')), flag_names(chain));
    else
      nearest = nearest_name(arg, subcommand_names(*chain.back()));
    if (nearest) return " (did you mean " + *nearest + "?)";
  }
  return "";
}

std::string lower_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

}  // namespace

std::string parse_error_line(const CLI::App& app, const CLI::ParseError& error,
                             const std::vector<std::string>& args) {
  const std::vector<const CLI::App*> chain = parsed_chain(app);
  std::string message = error.what();
  message = message.substr(0, message.find('\n'));
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    const std::vector<std::string> unexpected = unexpected_in_order(message, args);
    message = (unexpected.size() > 1 ? "unexpected arguments: " : "unexpected argument: ") +
              join(unexpected, " ") + suggestion(chain, unexpected);
  } else if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && chain.size() == 1 &&
             message.find("subcommand") != std::string::npos) {
    // No command was recognised: a misspelt one is left over, unparsed.
    const std::vector<std::string> left = app.remaining();
    message = left.empty() ? "a command is required: " + join(subcommand_names(app), ", ")
                           : "unknown command: " + left.front() + suggestion(chain, left);
  } else {
    message = lower_first(message);
  }
  return "fitformer: error: " + message + "; see " + command_path(chain) + " --help";
}

}  // namespace fitformer::cli
