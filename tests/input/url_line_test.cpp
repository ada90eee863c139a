// The URL line of qubes.OpenURL: where it ends, and what a URL is made of.
#include "input/url_line.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

using Status = UrlLineScan::Status;

TEST(UrlLine, ALineEndsAtItsNewlineOrAtTheEndOfTheStream) {
  UrlLineScan scan = scan_url_line("https://a.example/\n", false, 100);
  EXPECT_EQ(scan.status, Status::complete);
  EXPECT_EQ(scan.url_length, 18u);
  EXPECT_EQ(scan.line_length, 19u);
  // What follows the '\n' is not part of the line.
  scan = scan_url_line("https://a.example/\nmore", false, 100);
  EXPECT_EQ(scan.status, Status::complete);
  EXPECT_EQ(scan.line_length, 19u);
  scan = scan_url_line("https://a.example/", true, 100);
  EXPECT_EQ(scan.status, Status::complete);
  EXPECT_EQ(scan.url_length, 18u);
  EXPECT_EQ(scan.line_length, 18u);
  EXPECT_EQ(scan_url_line("https://a.exa", false, 100).status, Status::incomplete);
  EXPECT_EQ(scan_url_line("", false, 100).status, Status::incomplete);
  scan = scan_url_line("", true, 100);
  EXPECT_EQ(scan.status, Status::complete);
  EXPECT_EQ(scan.line_length, 0u);
  scan = scan_url_line("\n", false, 100);
  EXPECT_EQ(scan.status, Status::complete);
  EXPECT_EQ(scan.url_length, 0u);
  EXPECT_EQ(scan.line_length, 1u);
}

TEST(UrlLine, ALineIsTooLongOnceMaxLengthBytesHaveComeWithoutANewline) {
  EXPECT_EQ(scan_url_line("12345", false, 5).status, Status::incomplete);
  EXPECT_EQ(scan_url_line("12345", true, 5).status, Status::complete);
  EXPECT_EQ(scan_url_line("12345\n", false, 5).status, Status::complete);
  EXPECT_EQ(scan_url_line("12345\nxyz", false, 5).status, Status::complete);
  EXPECT_EQ(scan_url_line("123456", false, 5).status, Status::too_long);
  EXPECT_EQ(scan_url_line("123456", true, 5).status, Status::too_long);
  // A '\n' beyond max_length does not save it.
  EXPECT_EQ(scan_url_line("123456\n", true, 5).status, Status::too_long);
}

TEST(UrlLine, ReadsSchemeHostAndPort) {
  UrlParse parsed = parse_url("https://www.example.org/path?q=1#top");
  ASSERT_TRUE(parsed.url) << parsed.error;
  EXPECT_EQ(parsed.url->text, "https://www.example.org/path?q=1#top");
  EXPECT_EQ(parsed.url->scheme, "https");
  EXPECT_EQ(parsed.url->host, "www.example.org");
  EXPECT_FALSE(parsed.url->ipv6_host);
  EXPECT_EQ(parsed.url->port, 0);

  parsed = parse_url("HTTP://Docs.Example.ORG:8080");
  ASSERT_TRUE(parsed.url) << parsed.error;
  EXPECT_EQ(parsed.url->text, "HTTP://Docs.Example.ORG:8080");
  EXPECT_EQ(parsed.url->scheme, "http");
  EXPECT_EQ(parsed.url->host, "docs.example.org");
  EXPECT_EQ(parsed.url->port, 8080);

  for (const char* text : {"ftp://ftp.example.org?x", "https://a.example#frag",
                           "https://a-b_c.example/~user/%20x;y=1,2!$&'()*+@:[]{}|\\^`\"<>",
                           "svn+ssh.x-y://host/", "https://10.0.0.1:443/", "https://localhost"}) {
    SCOPED_TRACE(text);
    parsed = parse_url(text);
    ASSERT_TRUE(parsed.url) << parsed.error;
  }
  EXPECT_EQ(parse_url("svn+ssh.x-y://host/").url->scheme, "svn+ssh.x-y");
  EXPECT_EQ(parse_url("https://10.0.0.1:443/").url->host, "10.0.0.1");
  EXPECT_EQ(parse_url("https://h:65535").url->port, 65535);
  // An '@' after the host is no user information.
  EXPECT_EQ(parse_url("https://a.example/mail@b.example").url->host, "a.example");
  EXPECT_EQ(parse_url("https://a.example?to=x@b.example").url->host, "a.example");
}

TEST(UrlLine, ReadsIpv6AddressesInBrackets) {
  UrlParse parsed = parse_url("https://[2001:DB8::1]:8443/x");
  ASSERT_TRUE(parsed.url) << parsed.error;
  EXPECT_EQ(parsed.url->host, "[2001:db8::1]");
  EXPECT_TRUE(parsed.url->ipv6_host);
  EXPECT_EQ(parsed.url->port, 8443);
  ASSERT_TRUE(parse_url("http://[::ffff:10.0.0.1]").url);
  EXPECT_EQ(parse_url("http://[::1").error, "the IPv6 address \"[::1\" has no ']'");
  EXPECT_EQ(parse_url("http://[fe80::1%25eth0]/").error,
            "\"[fe80::1%25eth0]\" is not an IPv6 address in brackets");
  EXPECT_EQ(parse_url("http://[v1.x]/").error, "\"[v1.x]\" is not an IPv6 address in brackets");
  EXPECT_EQ(parse_url("http://[]/").error, "\"[]\" is not an IPv6 address in brackets");
  EXPECT_EQ(parse_url("http://[::1]x/").error,
            "the IPv6 address is followed by \"x\", not by ':' and a port");
  EXPECT_EQ(parse_url("http://[::1]:0/").error, "the port \"0\" is not a number from 1 to 65535");
}

TEST(UrlLine, RefusesBytesThatAreNotPrintableAscii) {
  EXPECT_EQ(parse_url("").error, "the URL is empty");
  EXPECT_EQ(parse_url("https://a.example/x y").error,
            "a space at offset 19: a URL holds no spaces");
  for (const unsigned char bad : {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1b, 0x7f, 0x80, 0xc3, 0xff}) {
    const std::string url = "https://a" + std::string(1, static_cast<char>(bad)) + ".example/";
    char expected[64];
    std::snprintf(expected, sizeof expected, "byte 0x%02x at offset 9 is not printable ASCII", bad);
    EXPECT_EQ(parse_url(url).error, expected);
    EXPECT_FALSE(parse_url(url).url);
  }
  // Internationalised names come as punycode.
  EXPECT_FALSE(parse_url("https://b\xc3\xbc\x63her.example/").url);
  EXPECT_TRUE(parse_url("https://xn--bcher-kva.example/").url);
}

TEST(UrlLine, RefusesWhatIsNotSchemeSlashSlashHost) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"www.example.org", "it has no scheme (scheme://host...)"},
      {"://example.org", "it has no scheme (scheme://host...)"},
      {"1http://example.org",
       "it has no scheme: \"1http\" (before the first ':') is not a scheme name"},
      {"ht_tp://example.org",
       "it has no scheme: \"ht_tp\" (before the first ':') is not a scheme name"},
      {"example.org/a:b",
       "it has no scheme: \"example.org/a\" (before the first ':') is not a "
       "scheme name"},
      {"mailto:user@example.org", "the scheme \"mailto\" is not followed by \"//\" and a host"},
      {"https:example.org", "the scheme \"https\" is not followed by \"//\" and a host"},
      {"https:/example.org", "the scheme \"https\" is not followed by \"//\" and a host"},
      {"HTTPS:\\\\example.org", "the scheme \"https\" is not followed by \"//\" and a host"},
      {"https://", "the host is empty"},
      {"https:///example.org", "the host is empty"},
      {"https://?x", "the host is empty"},
      {"https://:443/", "the host is empty"},
      {"https://example.org:/", "the port \"\" is not a number from 1 to 65535"},
      {"https://example.org:0/", "the port \"0\" is not a number from 1 to 65535"},
      {"https://example.org:65536/", "the port \"65536\" is not a number from 1 to 65535"},
      {"https://example.org:000443/", "the port \"000443\" is not a number from 1 to 65535"},
      {"https://example.org:44a/", "the port \"44a\" is not a number from 1 to 65535"},
      {"https://example.org:1:2/", "the port \"1:2\" is not a number from 1 to 65535"},
  };
  for (const auto& [url, error] : cases) {
    SCOPED_TRACE(url);
    const UrlParse parsed = parse_url(url);
    EXPECT_FALSE(parsed.url);
    EXPECT_EQ(parsed.error, error);
  }
}

TEST(UrlLine, RefusesUserInformationWhateverItLooksLike) {
  const std::string error =
      "it has user information (user@host), which is refused: it can disguise the host";
  for (const char* url :
       {"https://user@example.org/", "https://user:password@example.org/",
        "https://bank.example@evil.example/", "https://@evil.example/",
        "https://bank.example\\@evil.example/", "https://a@b@evil.example", "https://[::1]@x/"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(parse_url(url).error, error);
  }
}

TEST(UrlLine, ReadsHostsStrictly) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://a..example/", "has an empty label (a '.' at its start or end, or two in a row)"},
      {"https://.example/", "has an empty label (a '.' at its start or end, or two in a row)"},
      {"https://example.org./", "has an empty label (a '.' at its start or end, or two in a row)"},
      {"https://-a.example/", "has a label that starts or ends with '-'"},
      {"https://a-.example/", "has a label that starts or ends with '-'"},
      {"https://a%2e.example/", "holds \"%\", which is not a letter, a digit, '-', '_' or '.'"},
      {"https://bank.example\\.evil.example/",
       "holds \"\\x5c\", which is not a letter, a digit, '-', '_' or '.'"},
      {"https://a!b.example/", "holds \"!\", which is not a letter, a digit, '-', '_' or '.'"},
      {"https://" + std::string(64, 'a') + ".example/", "has a label longer than 63 characters"},
      // Names browsers read as IPv4 addresses must be written as one.
      {"https://0x7f.0.0.1/",
       "ends in a number but is not an IPv4 address in dotted decimal "
       "(four numbers 0 to 255, without leading zeros)"},
      {"https://2130706433/",
       "ends in a number but is not an IPv4 address in dotted decimal "
       "(four numbers 0 to 255, without leading zeros)"},
      {"https://127.1/",
       "ends in a number but is not an IPv4 address in dotted decimal (four "
       "numbers 0 to 255, without leading zeros)"},
      {"https://127.0.0.01/",
       "ends in a number but is not an IPv4 address in dotted decimal "
       "(four numbers 0 to 255, without leading zeros)"},
      {"https://256.0.0.1/",
       "ends in a number but is not an IPv4 address in dotted decimal "
       "(four numbers 0 to 255, without leading zeros)"},
      {"https://1.2.3.4.5/",
       "ends in a number but is not an IPv4 address in dotted decimal "
       "(four numbers 0 to 255, without leading zeros)"},
      {"https://evil.example.0x/",
       "ends in a number but is not an IPv4 address in dotted "
       "decimal (four numbers 0 to 255, without leading zeros)"},
  };
  for (const auto& [url, problem] : cases) {
    SCOPED_TRACE(url);
    const UrlParse parsed = parse_url(url);
    EXPECT_FALSE(parsed.url);
    const std::string host = url.substr(8, url.find_first_of("/:", 8) - 8);
    std::string shown;
    for (const char c : host) shown += c == '\\' ? std::string("\\x5c") : std::string(1, c);
    EXPECT_EQ(parsed.error, "the host \"" + shown + "\" " + problem);
  }
  // Names: at most 253 characters; a last label that only starts with a
  // digit is no number.
  const std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(parse_url("https://" + longest + "/").url);
  EXPECT_EQ(parse_url("https://" + longest + "d/").error,
            "the host \"" + longest + "d\" is longer than 253 characters");
  EXPECT_TRUE(parse_url("https://a.3com/").url);
  EXPECT_TRUE(parse_url("https://0.0.0.0/").url);
  EXPECT_TRUE(parse_url("https://255.255.255.255/").url);
  EXPECT_TRUE(parse_url("https://_dmarc.example/").url);
}

TEST(UrlLine, HostNamesAndSchemesAsOptionsGiveThem) {
  EXPECT_EQ(host_name_problem("Example.ORG"), "");
  EXPECT_EQ(host_name_problem(""), "is empty");
  EXPECT_EQ(host_name_problem("*.example.org"),
            "holds \"*\", which is not a letter, a digit, '-', '_' or '.'");
  EXPECT_TRUE(is_ipv4_host("192.168.0.1"));
  EXPECT_FALSE(is_ipv4_host("192.168.0.01"));
  EXPECT_FALSE(is_ipv4_host("example.org"));
  EXPECT_TRUE(is_scheme_name("https"));
  EXPECT_TRUE(is_scheme_name("A+b-c.9"));
  EXPECT_FALSE(is_scheme_name(""));
  EXPECT_FALSE(is_scheme_name("9p"));
  EXPECT_FALSE(is_scheme_name("ht tp"));
  EXPECT_FALSE(is_scheme_name("https:"));
  EXPECT_EQ(to_lower_ascii("HtTpS://Ex.AMPLE/Path"), "https://ex.ample/path");
}

}  // namespace
}  // namespace qrexec_proxy
