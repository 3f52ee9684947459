// Formats an Error as "FILE: FIELD: expected EXPECTED, found FOUND" on one line of at most
// kMaxErrorChars: the parts often quote foreign bytes (a value from a file, a column header,
// a parser's excerpt), so each is escaped and capped before it reaches a terminal or a log.
#include "core/error.h"

#include "core/printable.h"

namespace fitformer {
namespace {

// Caps per part, then the expectation gets what is left of the line. A path keeps its end
// (the file name); the others keep their start.
constexpr size_t kMaxFileChars = 72;
constexpr size_t kMaxFieldChars = 72;
constexpr size_t kMaxFoundChars = 48;
constexpr size_t kMinExpectedChars = 40;

std::string format_message(const std::string& file, const std::string& field,
                           const std::string& expected, const std::string& found) {
  std::string head;
  if (!file.empty()) head += printable_tail(file, kMaxFileChars) + ": ";
  if (!field.empty()) head += printable(field, kMaxFieldChars) + ": ";
  const std::string tail = found.empty() ? "" : ", found " + printable(found, kMaxFoundChars);
  const size_t fixed = head.size() + tail.size() + std::string_view("expected ").size();
  const size_t room =
      kMaxErrorChars > fixed + kMinExpectedChars ? kMaxErrorChars - fixed : kMinExpectedChars;
  const std::string message = head + "expected " + printable(expected, room) + tail;
  return message.size() <= kMaxErrorChars ? message : printable(message, kMaxErrorChars);
}

}  // namespace

Error::Error(std::string file, std::string field, std::string expected, std::string found)
    : std::runtime_error(format_message(file, field, expected, found)),
      file_(std::move(file)),
      field_(std::move(field)),
      expected_(std::move(expected)),
      found_(std::move(found)) {}

}  // namespace fitformer
