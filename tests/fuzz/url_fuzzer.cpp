// The URL line of qubes.OpenURL, the whole request a qube sends through the
// url plugin: the line scanner and the URL parser (src/input/url_line),
// then the plugin itself, fed the same bytes in chunks of several sizes
// under a few option sets.
//
// Besides never crashing:
//  - an accepted URL is the input, printable ASCII without spaces, and
//    reads back as scheme "://" host [":" port] followed by nothing or by
//    '/', '?' or '#'; its parts are lower case, its host a valid name or an
//    IPv6 address in brackets, and no '@' stands before the path;
//  - the line scanner finds the first '\n' and never a line longer than
//    max_length;
//  - the plugin passes nothing until the line is complete, then either the
//    whole input (a line it allows, alone) or nothing at all, aborting the
//    call, unless the line came alone and the bytes after it came later;
//    it never holds more than it asked room for, logs one record per
//    decision, and no record holds a control byte.
#include "fuzz_check.hpp"
#include "input/url_line.hpp"
#include "plugin_api/registry.hpp"
#include "support/null_context.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace qrexec_proxy;
using nlohmann::json;

bool is_url_byte(char c) {
  return c >= 0x21 && c <= 0x7e;
}

void check_parse(std::string_view untrusted) {
  const UrlParse parsed = parse_url(untrusted);
  FUZZ_CHECK(parsed.url.has_value() == parsed.error.empty());
  for (const char c : parsed.error) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  if (!parsed.url) return;
  const Url& url = *parsed.url;
  FUZZ_CHECK(url.text == untrusted);
  FUZZ_CHECK(std::all_of(untrusted.begin(), untrusted.end(), is_url_byte));
  FUZZ_CHECK(is_scheme_name(url.scheme) && url.scheme == to_lower_ascii(url.scheme));
  const std::string lower = to_lower_ascii(untrusted);
  FUZZ_CHECK(lower.starts_with(url.scheme + "://"));
  const std::string_view rest = std::string_view(lower).substr(url.scheme.size() + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  FUZZ_CHECK(authority.find('@') == std::string_view::npos);
  FUZZ_CHECK(authority.starts_with(url.host));
  const std::string_view port = authority.substr(url.host.size());
  if (url.port == 0) {
    FUZZ_CHECK(port.empty());
  } else {
    FUZZ_CHECK(port.size() >= 2 && port.size() <= 6 && port[0] == ':');
    FUZZ_CHECK(std::stoi(std::string(port.substr(1))) == url.port);
  }
  FUZZ_CHECK(url.host == to_lower_ascii(url.host));
  if (url.ipv6_host)
    FUZZ_CHECK(url.host.size() >= 4 && url.host.front() == '[' && url.host.back() == ']');
  else
    FUZZ_CHECK(host_name_problem(url.host).empty());
  // Case does not change the reading.
  const UrlParse again = parse_url(lower);
  FUZZ_CHECK(again.url && again.url->host == url.host && again.url->scheme == url.scheme);
}

void check_scan(std::string_view untrusted, bool end_of_stream, std::size_t max_length) {
  const UrlLineScan scan = scan_url_line(untrusted, end_of_stream, max_length);
  const std::size_t newline = untrusted.find('\n');
  switch (scan.status) {
    case UrlLineScan::Status::complete:
      FUZZ_CHECK(scan.url_length <= max_length);
      FUZZ_CHECK(untrusted.substr(0, scan.url_length).find('\n') == std::string_view::npos);
      if (newline == std::string_view::npos) {
        FUZZ_CHECK(end_of_stream && scan.line_length == untrusted.size() &&
                   scan.url_length == untrusted.size());
      } else {
        FUZZ_CHECK(scan.url_length == newline && scan.line_length == newline + 1);
      }
      break;
    case UrlLineScan::Status::too_long:
      FUZZ_CHECK(untrusted.size() > max_length);
      FUZZ_CHECK(newline == std::string_view::npos || newline > max_length);
      break;
    case UrlLineScan::Status::incomplete:
      FUZZ_CHECK(!end_of_stream && untrusted.size() <= max_length);
      FUZZ_CHECK(newline == std::string_view::npos);
      break;
  }
  // Bytes known to hold no '\n' change nothing but the work.
  const std::size_t known = std::min(newline, untrusted.size()) / 2;
  const UrlLineScan hinted = scan_url_line(untrusted, end_of_stream, max_length, known);
  FUZZ_CHECK(hinted.status == scan.status && hinted.url_length == scan.url_length &&
             hinted.line_length == scan.line_length);
}

// Plays the source's side of src2dst for the plugin, `chunk` bytes at a
// time, as the engine offers them.
void check_plugin(const json& config, std::string_view untrusted, std::size_t chunk) {
  const PluginDescriptor* descriptor = PluginRegistry::builtin().find("url");
  FUZZ_CHECK(descriptor != nullptr);
  auto configured = configure_plugin(*descriptor, config);
  FUZZ_CHECK(std::holds_alternative<PluginOptions>(configured));
  const PluginOptions& options = std::get<PluginOptions>(configured);
  const auto max_length = static_cast<std::size_t>(options.integer("max_length"));
  const std::unique_ptr<Plugin> plugin = descriptor->create(options);
  const DataNeeds needs = plugin->needs(Direction::src2dst);
  FUZZ_CHECK(needs.reads_bytes && !needs.drops_bytes && needs.hold_bytes == max_length + 1);

  test::NullContext context;
  std::string pending;
  std::string output;
  bool end_of_stream = false;
  std::size_t first_pass_at = 0;  // bytes sent when something first passed
  auto offer = [&] {
    while (!context.aborted && !pending.empty()) {
      DataView view{Direction::src2dst,
                    pending.size(),
                    {reinterpret_cast<std::byte*>(pending.data()), pending.size()},
                    end_of_stream};
      const Verdict verdict = plugin->on_data(context, view);
      if (context.aborted) return;
      FUZZ_CHECK(verdict.kind() == Verdict::Kind::pass);
      const std::size_t count = std::min<std::size_t>(verdict.count(), pending.size());
      if (count == 0) break;
      output += pending.substr(0, count);
      pending.erase(0, count);
    }
    if (!context.aborted && !end_of_stream) FUZZ_CHECK(pending.size() <= needs.hold_bytes);
  };
  std::size_t sent = 0;
  while (sent < untrusted.size() && !context.aborted) {
    const std::size_t size = std::min(chunk, untrusted.size() - sent);
    pending.append(untrusted.substr(sent, size));
    sent += size;
    const bool passed_before = !output.empty();
    offer();
    if (!passed_before && !output.empty()) first_pass_at = sent;
  }
  if (!context.aborted) {
    end_of_stream = true;
    offer();
    if (!context.aborted && pending.empty()) plugin->on_end(context, Direction::src2dst);
  }

  if (!context.aborted) {
    // Allowed: the whole input went on, and it is one good line.
    FUZZ_CHECK(output == untrusted && pending.empty());
    const std::size_t newline = untrusted.find('\n');
    FUZZ_CHECK(newline == std::string_view::npos || newline + 1 == untrusted.size());
    FUZZ_CHECK(parse_url(untrusted.substr(0, newline)).url.has_value());
    FUZZ_CHECK(context.records.size() == 1);
  } else if (output.empty()) {
    FUZZ_CHECK(context.records.size() == 1);
  } else {
    // The line came alone and went on; later bytes ended the call.
    FUZZ_CHECK(output.back() == '\n' && output.size() == first_pass_at);
    FUZZ_CHECK(untrusted.starts_with(output) && untrusted.size() > output.size());
    FUZZ_CHECK(context.records.size() == 2);
  }
  for (const auto& record : context.records) {
    for (const char c : record.message) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    for (const auto& [name, value] : record.fields)
      for (const char c : value) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view untrusted(reinterpret_cast<const char*>(data), size);

  check_parse(untrusted);
  check_parse(untrusted.substr(0, untrusted.find('\n')));
  for (const std::size_t max_length : {std::size_t{1}, std::size_t{16}, std::size_t{2048}})
    for (const bool end_of_stream : {false, true}) check_scan(untrusted, end_of_stream, max_length);

  static const json kConfigs[] = {
      nullptr,
      {{"schemes", {"https", "HTTP", "ftp"}},
       {"hosts", {"example.org", "*.example.net", ".qubes-os.org", "10.0.0.1"}},
       {"max_length", 64}},
      {{"pattern", "(?i)https://[a-z0-9.-]+(:[0-9]+)?/[ -~]*"}, {"max_length", 256}},
  };
  for (const json& config : kConfigs)
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, size + 1})
      check_plugin(config, untrusted, std::max<std::size_t>(chunk, 1));
  return 0;
}
