// Tests of mail clean-up on hand-written mails: headers, MIME parts, encodings, HTML.
#include "data/mail.h"

#include <gtest/gtest.h>

#include "data/text.h"

namespace fitformer::data {
namespace {

std::string clean(const std::string& mail) {
  return collapse_whitespace(mail_body_text(mail));
}

TEST(Mail, DropsTheHeaderBlockWithFoldedLines) {
  const std::string mail =
      "From someone@example.com  Thu Aug 22 13:17:22 2002\n"
      "Received: from localhost\n\tby host (Postfix)\n"
      "Subject: hello\n"
      "\n"
      "Body line one.\nBody: with a colon.\n";
  EXPECT_EQ(clean(mail), "Body line one. Body: with a colon.");
}

TEST(Mail, DecodesQuotedPrintable) {
  const std::string mail =
      "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
      "caf=C3=A9 soft=\nbreak =3D equals\n";
  EXPECT_EQ(clean(mail), "caf\xC3\xA9 softbreak = equals");
}

TEST(Mail, WalksMultipartKeepingTextAndDroppingAttachments) {
  const std::string mail =
      "Content-Type: multipart/mixed; boundary=\"XYZ\"\n\n"
      "preamble is ignored\n"
      "--XYZ\nContent-Type: text/plain\n\nfirst part\n"
      "--XYZ\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
      "AAECAwQ=\n"
      "--XYZ\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
      "c2Vjb25kIHBhcnQ=\n"
      "--XYZ--\nepilogue is ignored\n";
  EXPECT_EQ(clean(mail), "first part second part");
}

TEST(Mail, AlternativePrefersPlainText) {
  const std::string mail =
      "Content-Type: multipart/alternative;\n boundary=b1\n\n"
      "--b1\nContent-Type: text/html\n\n<p>rich</p>\n"
      "--b1\nContent-Type: text/plain\n\nplain\n"
      "--b1--\n";
  EXPECT_EQ(clean(mail), "plain");
}

TEST(Mail, StripsHtml) {
  const std::string mail =
      "Content-Type: text/html\n\n"
      "<html><head><style>p {color: red}</style><script>var x = 1 < 2;</script></head>"
      "<body><!-- hidden --><p>Buy&nbsp;now &amp; save</p><br>&#72;&#x49; &bogus;</body></html>";
  EXPECT_EQ(clean(mail), "Buy now & save HI &bogus;");
}

TEST(Mail, PlainTextThatIsMarkupIsStripped) {
  EXPECT_EQ(clean("Subject: x\n\n<html><body><p>Win</p><br>big</body></html>"), "Win big");
  // A mail that only mentions a tag keeps it.
  EXPECT_EQ(clean("Subject: x\n\nuse <br> for breaks"), "use <br> for breaks");
}

TEST(Mail, ToleratesMalformedMail) {
  EXPECT_EQ(clean(""), "");
  EXPECT_EQ(clean("Subject: only headers\n"), "");
  // Boundary declared but never used: the body is kept whole.
  EXPECT_EQ(clean("Content-Type: multipart/mixed; boundary=q\n\ntext\n"), "");
  // A cut-off tag at the end of the html does not lose the text before it.
  EXPECT_EQ(clean("Content-Type: text/html\n\nhello <b"), "hello");
}

// Regression of issue 12: a continuation line of only blanks threw std::out_of_range (exit 3).
TEST(Mail, BlankContinuationLinesAreIgnored) {
  EXPECT_EQ(clean("Subject: a\n \t \nX-Other: b\n\nbody"), "body");
  EXPECT_EQ(clean("Subject: a\n   \r\n\nbody"), "body");
  EXPECT_EQ(clean("Content-Type: multipart/mixed; boundary=q\n\n--q\nX: y\n \n\npart\n--q--\n"),
            "part");
}

TEST(Text, RepairsInvalidUtf8AsLatin1) {
  EXPECT_EQ(to_valid_utf8("caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(to_valid_utf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");        // euro sign stays
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xC3\xAD\xC2\xA0\xC2\x80");  // a surrogate is not UTF-8
  EXPECT_EQ(collapse_whitespace("  a \t\n b  "), "a b");
  EXPECT_EQ(count_words("  a \t\n b  c"), 3u);
}

}  // namespace
}  // namespace fitformer::data
