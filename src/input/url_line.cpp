#include "input/url_line.hpp"

#include "log/log_text.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace qrexec_proxy {
namespace {

constexpr std::size_t kMaxHostName = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxPortDigits = 5;
// The longest IPv6 address in text, with an embedded IPv4 address.
constexpr std::size_t kMaxIpv6Text = sizeof "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" - 1;

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_label_char(char c) {
  return is_letter(c) || is_digit(c) || c == '-' || c == '_';
}
// The value of 1 to 5 decimal digits.
int small_number(std::string_view digits) {
  int value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}
bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (!is_digit(c)) return false;
  return true;
}

std::string in_quotes(std::string_view untrusted) {
  return "\"" + escape_for_log(untrusted) + "\"";
}

// A label browsers read as a number, which makes its name an IPv4 address
// to them: digits, or "0x" and hex digits (none at all included).
bool is_number_label(std::string_view label) {
  if (all_digits(label)) return true;
  if (label.size() < 2 || label[0] != '0' || (label[1] != 'x' && label[1] != 'X')) return false;
  for (const char c : label.substr(2))
    if (!is_hex_digit(c)) return false;
  return true;
}

// Four decimal numbers 0 to 255 joined by '.', without leading zeros.
bool is_dotted_decimal_ipv4(std::string_view text) {
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = text.find('.');
    const std::string_view number = text.substr(0, dot);
    if (!all_digits(number) || number.size() > 3 || (number.size() > 1 && number[0] == '0'))
      return false;
    if (small_number(number) > 255) return false;
    if (part < 3) {
      if (dot == std::string_view::npos) return false;
      text.remove_prefix(dot + 1);
    } else if (dot != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::string_view last_label(std::string_view host_name) {
  const std::size_t dot = host_name.rfind('.');
  return dot == std::string_view::npos ? host_name : host_name.substr(dot + 1);
}

// The port after a host: 1 to 5 digits, 1 to 65535; 0 when it is not one.
std::uint16_t parse_port(std::string_view text) {
  if (!all_digits(text) || text.size() > kMaxPortDigits) return 0;
  const int value = small_number(text);
  return value >= 1 && value <= 65535 ? static_cast<std::uint16_t>(value) : 0;
}

}  // namespace

UrlLineScan scan_url_line(std::string_view untrusted_bytes, bool end_of_stream,
                          std::size_t max_length, std::size_t known_without_newline) {
  // A good line has at most max_length bytes before its '\n'.
  const std::size_t window = std::min(untrusted_bytes.size(), max_length + 1);
  const std::size_t from = std::min(known_without_newline, window);
  const void* newline =
      from == window ? nullptr : std::memchr(untrusted_bytes.data() + from, '\n', window - from);
  if (newline != nullptr) {
    const auto length =
        static_cast<std::size_t>(static_cast<const char*>(newline) - untrusted_bytes.data());
    return {UrlLineScan::Status::complete, length, length + 1};
  }
  if (untrusted_bytes.size() > max_length) return {UrlLineScan::Status::too_long, 0, 0};
  if (end_of_stream)
    return {UrlLineScan::Status::complete, untrusted_bytes.size(), untrusted_bytes.size()};
  return {};
}

bool is_scheme_name(std::string_view text) {
  if (text.empty() || !is_letter(text[0])) return false;
  for (const char c : text)
    if (!is_letter(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

std::string host_name_problem(std::string_view text) {
  if (text.empty()) return "is empty";
  if (text.size() > kMaxHostName)
    return "is longer than " + std::to_string(kMaxHostName) + " characters";
  std::string_view rest = text;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty()) return "has an empty label (a '.' at its start or end, or two in a row)";
    if (label.size() > kMaxLabel)
      return "has a label longer than " + std::to_string(kMaxLabel) + " characters";
    for (const char c : label)
      if (!is_label_char(c))
        return "holds " + in_quotes(std::string_view(&c, 1)) +
               ", which is not a letter, a digit, '-', '_' or '.'";
    if (label.front() == '-' || label.back() == '-')
      return "has a label that starts or ends with '-'";
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (is_number_label(last_label(text)) && !is_dotted_decimal_ipv4(text))
    return "ends in a number but is not an IPv4 address in dotted decimal (four numbers 0 to "
           "255, without leading zeros)";
  return {};
}

bool is_ipv4_host(std::string_view host_name) {
  return is_number_label(last_label(host_name)) && is_dotted_decimal_ipv4(host_name);
}

std::string to_lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower;
}

UrlParse parse_url(std::string_view untrusted_url) {
  if (untrusted_url.empty()) return {std::nullopt, "the URL is empty"};
  for (std::size_t i = 0; i < untrusted_url.size(); ++i) {
    const auto byte = static_cast<unsigned char>(untrusted_url[i]);
    if (byte == ' ')
      return {std::nullopt, "a space at offset " + std::to_string(i) + ": a URL holds no spaces"};
    if (byte < 0x21 || byte > 0x7e) {
      char text[64];
      std::snprintf(text, sizeof text, "byte 0x%02x at offset %zu is not printable ASCII", byte, i);
      return {std::nullopt, text};
    }
  }
  // From here on every byte is printable ASCII: the text is still the
  // qube's, but no longer able to act on a terminal or a log reader.
  const std::size_t colon = untrusted_url.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return {std::nullopt, "it has no scheme (scheme://host...)"};
  const std::string_view untrusted_scheme = untrusted_url.substr(0, colon);
  if (!is_scheme_name(untrusted_scheme))
    return {std::nullopt, "it has no scheme: " + in_quotes(untrusted_scheme) +
                              " (before the first ':') is not a scheme name"};
  Url url;
  url.scheme = to_lower_ascii(untrusted_scheme);
  if (untrusted_url.substr(colon + 1, 2) != "//")
    return {std::nullopt,
            "the scheme " + in_quotes(url.scheme) + " is not followed by \"//\" and a host"};

  const std::string_view after_slashes = untrusted_url.substr(colon + 3);
  const std::string_view untrusted_authority =
      after_slashes.substr(0, after_slashes.find_first_of("/?#"));
  if (untrusted_authority.find('@') != std::string_view::npos)
    return {std::nullopt,
            "it has user information (user@host), which is refused: it can disguise the host"};
  if (untrusted_authority.empty()) return {std::nullopt, "the host is empty"};

  std::string_view untrusted_port_part;  // ":PORT", or empty
  if (untrusted_authority.front() == '[') {
    const std::size_t close = untrusted_authority.find(']');
    if (close == std::string_view::npos)
      return {std::nullopt, "the IPv6 address " + in_quotes(untrusted_authority) + " has no ']'"};
    const std::string_view untrusted_address = untrusted_authority.substr(1, close - 1);
    in6_addr address{};
    if (untrusted_address.size() > kMaxIpv6Text ||
        ::inet_pton(AF_INET6, std::string(untrusted_address).c_str(), &address) != 1)
      return {std::nullopt, in_quotes(untrusted_authority.substr(0, close + 1)) +
                                " is not an IPv6 address in brackets"};
    url.host = "[" + to_lower_ascii(untrusted_address) + "]";
    url.ipv6_host = true;
    untrusted_port_part = untrusted_authority.substr(close + 1);
    if (!untrusted_port_part.empty() && untrusted_port_part.front() != ':')
      return {std::nullopt, "the IPv6 address is followed by " + in_quotes(untrusted_port_part) +
                                ", not by ':' and a port"};
  } else {
    const std::size_t port_colon = untrusted_authority.find(':');
    const std::string_view untrusted_host = untrusted_authority.substr(0, port_colon);
    if (untrusted_host.empty()) return {std::nullopt, "the host is empty"};
    const std::string problem = host_name_problem(untrusted_host);
    if (!problem.empty())
      return {std::nullopt, "the host " + in_quotes(untrusted_host) + " " + problem};
    url.host = to_lower_ascii(untrusted_host);
    if (port_colon != std::string_view::npos)
      untrusted_port_part = untrusted_authority.substr(port_colon);
  }
  if (!untrusted_port_part.empty()) {
    const std::string_view untrusted_port = untrusted_port_part.substr(1);
    url.port = parse_port(untrusted_port);
    if (url.port == 0)
      return {std::nullopt,
              "the port " + in_quotes(untrusted_port) + " is not a number from 1 to 65535"};
  }
  url.text = std::string(untrusted_url);
  return {std::move(url), {}};
}

}  // namespace qrexec_proxy
