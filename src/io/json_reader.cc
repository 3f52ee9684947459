// parse_json: nlohmann's parser with a callback that sees every object, array and key as it
// is read, so depth and repeated keys are refused before a deep or shadowed value exists.
#include "io/json_reader.h"

#include <set>
#include <vector>

#include "core/error.h"

namespace fitformer::io {
namespace {

using nlohmann::json;

constexpr size_t kMaxDescribedChars = 40;

class StrictJsonCheck {
 public:
  StrictJsonCheck(const std::string& file, const std::string& field) : file_(file), field_(field) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        // `depth` counts the containers around this one.
        if (depth + 1 > kMaxJsonDepth) {
          throw Error(file_, where(""),
                      "JSON nested at most " + std::to_string(kMaxJsonDepth) + " deep",
                      "deeper nesting");
        }
        if (event == json::parse_event_t::object_start) {
          keys_.emplace_back();
          path_.push_back(pending_key_);
        }
        break;
      case json::parse_event_t::object_end:
        keys_.pop_back();
        path_.pop_back();
        break;
      case json::parse_event_t::key:
        pending_key_ = parsed.get<std::string>();
        if (!keys_.back().insert(pending_key_).second) {
          const std::string parent = path_.size() > 1 ? path_.back() + "." : "";
          throw Error(file_, where(parent + pending_key_), "each key once", "it repeated");
        }
        break;
      default:
        break;
    }
    return true;
  }

 private:
  std::string where(const std::string& key) const {
    if (field_.empty()) return key;
    return key.empty() ? field_ : field_ + ", " + key;
  }

  const std::string& file_;
  const std::string& field_;
  std::vector<std::set<std::string>> keys_;
  std::vector<std::string> path_;
  std::string pending_key_;
};

}  // namespace

json parse_json(std::string_view text, const std::string& file, const std::string& field) {
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(file, field, "valid JSON", "a NUL byte at offset " + std::to_string(nul));
  }
  try {
    return json::parse(text, StrictJsonCheck(file, field));
  } catch (const json::exception& e) {
    // nlohmann's what() starts with "[json.exception.parse_error.101] "; the rest says where.
    std::string why = e.what();
    if (const size_t bracket = why.find("] "); why.starts_with("[") && bracket != why.npos)
      why.erase(0, bracket + 2);
    throw Error(file, field, "valid JSON", why);
  }
}

std::string describe_json(const json& value) {
  switch (value.type()) {
    case json::value_t::array:
      return "an array of " + std::to_string(value.size());
    case json::value_t::object:
      return "an object of " + std::to_string(value.size()) + " keys";
    case json::value_t::string: {
      // A cut can split a UTF-8 character; dump() would throw on it without `replace`.
      const std::string& s = value.get_ref<const std::string&>();
      const bool cut = s.size() > kMaxDescribedChars;
      return json(cut ? s.substr(0, kMaxDescribedChars) : s)
                 .dump(-1, ' ', false, json::error_handler_t::replace) +
             (cut ? "..." : "");
    }
    default:
      return value.dump();
  }
}

}  // namespace fitformer::io
