// Turns a raw RFC 822 mail into the text a reader sees: headers removed, MIME parts
// walked (text parts kept, attachments dropped), quoted-printable and base64 decoded,
// HTML reduced to its text. Used by spam-cls; the classifier should not see headers.
#pragma once

#include <string>
#include <string_view>

namespace fitformer::data {

// The readable body of a mail (not yet whitespace-collapsed or UTF-8 repaired).
std::string mail_body_text(std::string_view raw_mail);

// Text of an HTML fragment: tags, comments, <script> and <style> content dropped, block
// tags turned into line breaks, the common character entities decoded.
std::string html_to_text(std::string_view html);

}  // namespace fitformer::data
