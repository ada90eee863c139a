// The one line a qube sends to qubes.OpenURL: a URL, then '\n' or the end
// of the stream. Where the line ends in what the source has sent so far,
// and what the URL is made of (scheme, host), read strictly: a URL this
// parser accepts has one reading, and anything it cannot read that way is
// refused. Used by the url plugin; knows nothing of plugins.
//
// The syntax accepted, a subset of RFC 3986 and of what browsers take:
//   URL       = scheme "://" authority [ ("/" / "?" / "#") rest ]
//   scheme    = letter *( letter / digit / "+" / "-" / "." )
//   authority = host [ ":" port ]          (no user information: no "@")
//   host      = name / IPv4 / "[" IPv6 "]"
//   name      = label *( "." label ), at most 253 characters; a label is
//               1 to 63 letters, digits, "-" and "_", not starting or
//               ending with "-"
//   IPv4      = four decimal numbers 0 to 255 without leading zeros; a
//               name whose last label is a number (digits, or "0x" and hex
//               digits) must be one, as browsers read such a name as an
//               address
//   port      = 1 to 5 digits, 1 to 65535
// and every byte of the URL is printable ASCII other than the space (0x21
// to 0x7e). Scheme and host are compared without regard to case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qrexec_proxy {

// The longest URL line the url plugin may be configured to take.
inline constexpr std::size_t kMaxUrlLength = 65536;

// Where the URL's line ends in the bytes the source has sent so far.
struct UrlLineScan {
  enum class Status : std::uint8_t {
    incomplete,  // no '\n' yet and at most max_length bytes: more may come
    complete,    // the line has ended: a '\n', or the end of the stream
    too_long,    // more than max_length bytes and no '\n' among them
  };
  Status status = Status::incomplete;
  std::size_t url_length = 0;   // complete: the URL's bytes, without the '\n'
  std::size_t line_length = 0;  // complete: the URL and its '\n' if it has one
};

// `untrusted_bytes` are all the source has sent so far, `end_of_stream`
// says nothing follows them. The '\n' may come at most max_length bytes
// into the line; bytes after it are the caller's to judge. The first
// `known_without_newline` bytes are known to hold no '\n' (an earlier scan
// of the same line found it incomplete): they are not searched again, so a
// source that sends a byte at a time costs linear time, not quadratic.
UrlLineScan scan_url_line(std::string_view untrusted_bytes, bool end_of_stream,
                          std::size_t max_length, std::size_t known_without_newline = 0);

// A URL found well-formed, and its parts.
struct Url {
  std::string text;    // the whole URL, as it came
  std::string scheme;  // lower case
  std::string host;    // lower case; an IPv6 address in its brackets
  bool ipv6_host = false;
  std::uint16_t port = 0;  // 0: none given
};

struct UrlParse {
  std::optional<Url> url;
  // Why it is refused: safe for the journal (what it quotes of the URL is
  // escaped).
  std::string error;
};

// Reads one URL (without its '\n') by the syntax above.
UrlParse parse_url(std::string_view untrusted_url);

// A scheme name: a letter, then letters, digits, '+', '-', '.'.
bool is_scheme_name(std::string_view text);
// What is wrong with `text` as a host name or IPv4 address by the rules
// above (any case), or "" when nothing is: "is empty", "has an empty
// label...", ...
std::string host_name_problem(std::string_view text);
// A name whose last label is a number: an IPv4 address, when it is valid.
bool is_ipv4_host(std::string_view host_name);

std::string to_lower_ascii(std::string_view text);

}  // namespace qrexec_proxy
