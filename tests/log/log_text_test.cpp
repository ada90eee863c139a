#include "log/log_text.hpp"

#include "support/logged_bytes.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qrexec_proxy {
namespace {

std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string escaped(std::string_view text, TextEncoding encoding = TextEncoding::utf8) {
  std::string out;
  append_escaped_text(out, as_bytes(text), encoding);
  return out;
}

// The journal-safety promise, checked on its own: strictly valid UTF-8, no
// C0 control, no DEL, no C1 control, no bidirectional control or line
// separator.
::testing::AssertionResult safe_for_the_journal(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x20 || lead == 0x7f)
      return ::testing::AssertionFailure() << "control byte at " << i;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (lead < 0xc2 || lead > 0xf4 || i + length > text.size())
      return ::testing::AssertionFailure() << "invalid UTF-8 at " << i;
    std::uint32_t code_point = lead & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return ::testing::AssertionFailure() << "invalid UTF-8 at " << i;
      code_point = code_point << 6 | (next & 0x3f);
    }
    const std::uint32_t shortest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code_point < shortest || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff))
      return ::testing::AssertionFailure() << "invalid UTF-8 at " << i;
    // C1 controls; invisible or look-alike spaces; zero-width and
    // bidirectional format characters; separators; the byte order mark; tags.
    const bool unsafe = code_point <= 0xa0 || code_point == 0xad || code_point == 0x061c ||
                        code_point == 0x1680 || code_point == 0x180e ||
                        (code_point >= 0x2000 && code_point <= 0x200f) ||
                        (code_point >= 0x2028 && code_point <= 0x202f) ||
                        (code_point >= 0x205f && code_point <= 0x206f) || code_point == 0x3000 ||
                        code_point == 0xfeff || (code_point >= 0xe0000 && code_point <= 0xe007f);
    if (unsafe)
      return ::testing::AssertionFailure() << "unsafe character U+" << std::hex << code_point;
    i += length;
  }
  return ::testing::AssertionSuccess();
}

TEST(LogText, PrintableTextAndValidUtf8StayAsTheyAre) {
  EXPECT_EQ(escaped("hello world ~!"), "hello world ~!");
  EXPECT_EQ(escaped("gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80"),
            "gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(LogText, ControlBytesAndTerminalEscapesAreEscaped) {
  EXPECT_EQ(escaped("a\nb\r\tc\\d"), "a\\nb\\r\\tc\\\\d");
  EXPECT_EQ(escaped(std::string_view("\x1b[31mred\x07\x7f\0", 11)), "\\x1b[31mred\\x07\\x7f\\x00");
  // C1 controls in UTF-8: U+009B is a terminal's CSI.
  EXPECT_EQ(escaped("\xc2\x9b"
                    "2J\xc2\x85"),
            "\\u009b2J\\u0085");
  // Bidirectional overrides and line separators would change what is shown.
  EXPECT_EQ(escaped("a\xe2\x80\xae"
                    "b\xe2\x80\xa8"
                    "c\xe2\x81\xa6"),
            "a\\u202eb\\u2028c\\u2066");
}

TEST(LogText, InvisibleAndFormatCharactersAreEscaped) {
  // Zero-width space, byte order mark, word joiner, soft hyphen, no-break
  // space, narrow no-break space, ideographic space: each could hide text or
  // pass for something else.
  EXPECT_EQ(escaped("a\xe2\x80\x8b"
                    "b\xef\xbb\xbf"
                    "c\xe2\x81\xa0"
                    "d\xc2\xad"
                    "e\xc2\xa0"
                    "f\xe2\x80\xaf"
                    "g\xe3\x80\x80"),
            "a\\u200bb\\ufeffc\\u2060d\\u00ade\\u00a0f\\u202fg\\u3000");
  // The tag block spells invisible ASCII: TAG LATIN CAPITAL LETTER A, CANCEL TAG.
  EXPECT_EQ(escaped("x\xf3\xa0\x81\x81\xf3\xa0\x81\xbfy"), "x\\U000e0041\\U000e007fy");
  EXPECT_EQ(escaped("\xf3\xa0\x80\x80\xf3\xa0\x80\x85"), "\\U000e0000\\U000e0005");
  // U+2065, unassigned in the middle of the invisible operators and the
  // isolates (a fuzzer finding): escaped like its neighbours.
  EXPECT_EQ(escaped("a\xe2\x81\xa4\xe2\x81\xa5\xe2\x81\xa6z"), "a\\u2064\\u2065\\u2066z");
  // Latin-1 has the no-break space and the soft hyphen as single bytes.
  EXPECT_EQ(escaped("\xa0\xad\xa1", TextEncoding::latin1), "\\xa0\\xad\xc2\xa1");
  // Neighbours of the escaped ranges stay as they are: a plain space, an
  // en dash, a Hebrew letter, an emoji.
  EXPECT_EQ(escaped(" \xe2\x80\x93\xd7\x90\xf0\x9f\x98\x80"),
            " \xe2\x80\x93\xd7\x90\xf0\x9f\x98\x80");
}

TEST(LogText, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(escaped("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escaped("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(escaped("\xf5\xff\xfe"), "\\xf5\\xff\\xfe");
  EXPECT_EQ(escaped("\xe2\x82"), "\\xe2\\x82");  // cut off
  EXPECT_EQ(escaped("\x80"
                    "a"),
            "\\x80a");  // a lone continuation byte
}

TEST(LogText, AsciiAndLatin1) {
  EXPECT_EQ(escaped("caf\xc3\xa9", TextEncoding::ascii), "caf\\xc3\\xa9");
  EXPECT_EQ(escaped("caf\xe9 \x9b\xa1", TextEncoding::latin1), "caf\xc3\xa9 \\x9b\xc2\xa1");
  EXPECT_EQ(escaped("\x1b\\", TextEncoding::latin1), "\\x1b\\\\");
}

TEST(LogText, EveryRenderingIsSafeAndDecodesBackToTheSameBytes) {
  std::mt19937 random(1234);
  // Random bytes, and text-like runs (mostly UTF-8 with some damage).
  const std::vector<std::string> pieces = {"a",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xc2\x9b",
                                           "\x1b",
                                           "\\",
                                           "\n",
                                           "\xe2\x80\xae",
                                           "\xed\xa0\x80",
                                           "\xc0",
                                           "\x80",
                                           "\xf4\x8f\xbf\xbf",
                                           "\xe2\x80\x8b",
                                           "\xc2\xa0",
                                           "\xf3\xa0\x81\x81"};
  for (int round = 0; round < 400; ++round) {
    std::string input;
    if (round % 2 == 0) {
      input = test::random_bytes(std::uniform_int_distribution<std::size_t>(0, 300)(random));
    } else {
      const int count = std::uniform_int_distribution<int>(0, 60)(random);
      for (int i = 0; i < count; ++i)
        input += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(random)];
    }
    for (const auto& [encoding, name] :
         {std::pair{TextEncoding::utf8, "utf-8"}, std::pair{TextEncoding::ascii, "ascii"},
          std::pair{TextEncoding::latin1, "latin-1"}}) {
      const std::string out = escaped(input, encoding);
      ASSERT_TRUE(safe_for_the_journal(out)) << name << ": " << out;
      const auto back = test::unescape_text(out, name);
      ASSERT_TRUE(back.has_value()) << name << ": " << out;
      ASSERT_TRUE(*back == input) << name << ": " << out;
    }
  }
}

TEST(LogText, PiecesDoNotCutAUtf8CharacterInTwo) {
  const std::string text =
      "ab\xe2\x82\xac"
      "cd";  // a 3-byte character at 2..4
  const auto bytes = as_bytes(text);
  EXPECT_EQ(text_piece_length(bytes, 2, TextEncoding::utf8), 2u);
  EXPECT_EQ(text_piece_length(bytes, 3, TextEncoding::utf8), 2u);
  EXPECT_EQ(text_piece_length(bytes, 4, TextEncoding::utf8), 2u);
  EXPECT_EQ(text_piece_length(bytes, 5, TextEncoding::utf8), 5u);
  EXPECT_EQ(text_piece_length(bytes, 100, TextEncoding::utf8), text.size());
  EXPECT_EQ(text_piece_length(bytes, 3, TextEncoding::latin1), 3u);
  // A piece is never empty, and invalid bytes are cut anywhere.
  EXPECT_EQ(text_piece_length(as_bytes("\xe2\x82\xac"), 2, TextEncoding::utf8), 2u);
  EXPECT_EQ(text_piece_length(as_bytes("a\x80\x80\x80\x80"), 3, TextEncoding::utf8), 3u);
}

TEST(LogText, HexAndBase64) {
  std::string out;
  append_hex(out, as_bytes(std::string_view("\x00\x7f\xff"
                                            "A",
                                            4)));
  EXPECT_EQ(out, "007fff41");
  // RFC 4648's test vectors.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    out.clear();
    append_base64(out, as_bytes(plain));
    EXPECT_EQ(out, encoded);
  }
  const std::string data = test::random_bytes(1000);
  out.clear();
  append_base64(out, as_bytes(data));
  EXPECT_EQ(test::decode_base64(out).value_or("(invalid)"), data);
}

TEST(LogText, EncodingNamesAsPythonSpellsThem) {
  EXPECT_EQ(text_encoding_from_name("utf-8"), TextEncoding::utf8);
  EXPECT_EQ(text_encoding_from_name("UTF8"), TextEncoding::utf8);
  EXPECT_EQ(text_encoding_from_name("ascii"), TextEncoding::ascii);
  EXPECT_EQ(text_encoding_from_name("US-ASCII"), TextEncoding::ascii);
  EXPECT_EQ(text_encoding_from_name("latin-1"), TextEncoding::latin1);
  EXPECT_EQ(text_encoding_from_name("ISO-8859-1"), TextEncoding::latin1);
  EXPECT_EQ(text_encoding_from_name("iso8859_1"), TextEncoding::latin1);
  EXPECT_EQ(text_encoding_from_name("utf-16"), std::nullopt);
  EXPECT_EQ(text_encoding_from_name("cp1252"), std::nullopt);
  EXPECT_EQ(text_encoding_from_name(""), std::nullopt);
}

TEST(EscapeForLog, LeavesNoControlByte) {
  EXPECT_EQ(escape_for_log("plain text"), "plain text");
  EXPECT_EQ(escape_for_log("a\nb\x1b[31m\\"), "a\\x0ab\\x1b[31m\\x5c");
  EXPECT_EQ(escape_for_log(std::string("\xff\x00", 2)), "\\xff\\x00");
  EXPECT_EQ(escape_for_log("abcdef", 3), "abc...");
}

}  // namespace

}  // namespace qrexec_proxy
