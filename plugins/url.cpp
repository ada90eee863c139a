// url: for qubes.OpenURL. Holds the one URL line the source sends until it
// is complete, then passes it on or aborts the call, by its scheme, its
// host and a pattern.
#include "input/url_line.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qrexec_proxy {
namespace {

constexpr const char* kBytesFollow = "bytes follow the URL's line (the request is one line)";

// A `hosts` entry.
struct HostPattern {
  enum class Kind : std::uint8_t {
    exact,      // "example.org": that host
    below,      // "*.example.org": any host below it, not itself
    and_below,  // ".example.org": itself and any host below it
  };
  Kind kind = Kind::exact;
  std::string domain;  // lower case

  bool matches(std::string_view host) const {
    const bool is_below = host.size() > domain.size() + 1 && host.ends_with(domain) &&
                          host[host.size() - domain.size() - 1] == '.';
    switch (kind) {
      case Kind::exact:
        return host == domain;
      case Kind::below:
        return is_below;
      case Kind::and_below:
        return host == domain || is_below;
    }
    return false;
  }
};

// A `hosts` entry, or what is wrong with it.
std::variant<HostPattern, std::string> parse_host_pattern(std::string_view text) {
  HostPattern pattern;
  std::string_view domain = text;
  if (domain.starts_with("*.")) {
    pattern.kind = HostPattern::Kind::below;
    domain.remove_prefix(2);
  } else if (domain.starts_with(".")) {
    pattern.kind = HostPattern::Kind::and_below;
    domain.remove_prefix(1);
  }
  if (domain.find('*') != std::string_view::npos)
    return std::string("a '*' may only stand at the start, followed by '.' (\"*.example.org\")");
  if (domain.starts_with("["))
    return std::string("IPv6 addresses cannot be listed (leave hosts empty to allow them)");
  const std::string problem = host_name_problem(domain);
  if (!problem.empty()) return "the host name " + problem;
  if (pattern.kind != HostPattern::Kind::exact && is_ipv4_host(domain))
    return std::string("an IPv4 address may only be listed exactly, without \"*.\" or \".\"");
  pattern.domain = to_lower_ascii(domain);
  return pattern;
}

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_log_errors(false);  // RE2 would write to stderr, which reaches the caller
  return options;
}

std::string in_quotes(std::string_view text) {
  return "\"" + escape_for_log(text) + "\"";
}

std::optional<OptionError> validate_url(const PluginOptions& options) {
  const std::vector<std::string>& schemes = options.string_list("schemes");
  if (schemes.empty()) return OptionError{"schemes", "must name at least one scheme"};
  for (const std::string& scheme : schemes)
    if (!is_scheme_name(scheme))
      return OptionError{"schemes", in_quotes(scheme) +
                                        " is not a scheme name (a letter, then letters, digits, "
                                        "'+', '-' or '.')"};
  for (const std::string& entry : options.string_list("hosts")) {
    const auto parsed = parse_host_pattern(entry);
    if (const auto* problem = std::get_if<std::string>(&parsed))
      return OptionError{"hosts", in_quotes(entry) + " is not a host pattern: " + *problem};
  }
  const std::string& pattern = options.string("pattern");
  if (!pattern.empty()) {
    const RE2 compiled(pattern, pattern_options());
    if (!compiled.ok())
      return OptionError{
          "pattern", in_quotes(pattern) + " is not a valid RE2 expression: " + compiled.error()};
  }
  return std::nullopt;
}

class UrlPlugin final : public Plugin {
 public:
  explicit UrlPlugin(const PluginOptions& options)
      : max_length_(static_cast<std::size_t>(options.integer("max_length"))) {
    for (const std::string& scheme : options.string_list("schemes"))
      schemes_.push_back(to_lower_ascii(scheme));
    for (const std::string& entry : options.string_list("hosts"))
      hosts_.push_back(std::get<HostPattern>(parse_host_pattern(entry)));
    if (!options.string("pattern").empty())
      pattern_ = std::make_unique<RE2>(options.string("pattern"), pattern_options());
  }

  DataNeeds needs(Direction direction) const override {
    if (direction != Direction::src2dst) return {};
    // The URL and its '\n'.
    return {.reads_bytes = true, .drops_bytes = false, .hold_bytes = max_length_ + 1};
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    if (data.direction != Direction::src2dst || stage_ == Stage::done)
      return Verdict::pass(data.size);
    const std::string_view untrusted(reinterpret_cast<const char*>(data.untrusted_bytes.data()),
                                     data.untrusted_bytes.size());
    if (stage_ == Stage::passed) return refuse(context, data, passed_url_, kBytesFollow);
    const UrlLineScan scan = scan_url_line(untrusted, data.end_of_stream, max_length_, scanned_);
    switch (scan.status) {
      case UrlLineScan::Status::incomplete:
        scanned_ = untrusted.size();
        return Verdict::hold();
      case UrlLineScan::Status::too_long:
        return refuse(
            context, data, untrusted,
            "the URL is longer than max_length (" + std::to_string(max_length_) + " bytes)");
      case UrlLineScan::Status::complete:
        break;
    }
    const std::string_view untrusted_url = untrusted.substr(0, scan.url_length);
    if (scan.line_length < untrusted.size())
      return refuse(context, data, untrusted_url, kBytesFollow);
    const UrlParse parsed = parse_url(untrusted_url);
    if (!parsed.url) return refuse(context, data, untrusted_url, parsed.error);
    const Url& url = *parsed.url;
    if (const std::string problem = check(url); !problem.empty())
      return refuse(context, data, url.text, problem, url.host);
    const std::string shown = escape_for_log(url.text, max_length_);
    const LogField fields[] = {{"URL", shown}, {"URL_HOST", url.host}, {"URL_DECISION", "allowed"}};
    context.log(Priority::info, "url: allowed " + escape_for_log(url.text), fields);
    passed_url_ = url.text;
    stage_ = Stage::passed;
    return Verdict::pass(scan.line_length);
  }

  void on_end(PluginContext& context, Direction direction) override {
    // Every byte offered with the end of the stream has been judged: only
    // a source that sent nothing at all is left.
    if (direction != Direction::src2dst || stage_ != Stage::waiting) return;
    stage_ = Stage::done;
    report_refusal(context, "", "the source sent no URL", "");
  }

 private:
  enum class Stage : std::uint8_t {
    waiting,  // for the URL's line to be complete
    passed,   // the URL went on; nothing may follow
    done,     // refused (or, in audit mode, let through all the same)
  };

  // What the options have against a well-formed URL, or "".
  std::string check(const Url& url) const {
    if (std::find(schemes_.begin(), schemes_.end(), url.scheme) == schemes_.end())
      return "the scheme " + in_quotes(url.scheme) + " is not in schemes";
    if (!hosts_.empty()) {
      if (url.ipv6_host)
        return "the host " + url.host + " is an IPv6 address, which hosts cannot list";
      if (std::none_of(hosts_.begin(), hosts_.end(),
                       [&](const HostPattern& pattern) { return pattern.matches(url.host); }))
        return "the host " + in_quotes(url.host) + " is not in hosts";
    }
    if (pattern_ && !RE2::FullMatch(url.text, *pattern_)) return "the URL does not match pattern";
    return {};
  }

  Verdict refuse(PluginContext& context, const DataView& data, std::string_view untrusted_url,
                 const std::string& problem, std::string_view host = {}) {
    stage_ = Stage::done;
    report_refusal(context, untrusted_url, problem, host);
    // In audit mode the call goes on: the bytes pass, unchecked from here.
    return context.audit_mode() ? Verdict::pass(data.size) : Verdict::hold();
  }

  void report_refusal(PluginContext& context, std::string_view untrusted_url,
                      const std::string& problem, std::string_view host) {
    const std::string shown = escape_for_log(untrusted_url, max_length_);
    std::vector<LogField> fields = {{"URL", shown}};
    if (!host.empty()) fields.push_back({"URL_HOST", host});
    fields.push_back({"URL_DECISION", "refused"});
    fields.push_back({"URL_PROBLEM", problem});
    const std::string message = untrusted_url.empty()
                                    ? "url: refused: " + problem
                                    : "url: refused " + in_quotes(untrusted_url) + ": " + problem;
    context.log(Priority::warning, message, fields);
    context.abort("url: refused the URL: " + problem);
  }

  std::size_t max_length_;
  std::vector<std::string> schemes_;  // lower case
  std::vector<HostPattern> hosts_;
  std::unique_ptr<RE2> pattern_;  // null: none
  Stage stage_ = Stage::waiting;
  std::size_t scanned_ = 0;  // bytes of the held line known to hold no '\n'
  std::string passed_url_;   // validated
};

PluginDescriptor describe_url() {
  PluginDescriptor descriptor{
      "url",
      "For qubes.OpenURL: passes on the one URL the source sends only if its scheme, host and "
      "form are allowed.",
      "The source sends one URL, ended by '\\n' or by the end of its stream, as qvm-open-in-vm "
      "does. Every byte of it is held in the proxy until the line is complete; then the whole "
      "line goes on, or the call is aborted (status 124) before the destination has seen a "
      "single byte. The call is aborted when: the URL is longer than `max_length` bytes; any "
      "byte follows the '\\n' (bytes that only come once an allowed URL has gone on abort the "
      "call too, but the destination has the URL by then; qubes.OpenURL reads only that line); "
      "the source sends nothing, or an empty line; a byte of the URL is not printable ASCII or "
      "is a space (0x21 to 0x7e only: anything else must be percent-encoded); the URL is not "
      "`scheme://host[:port]` followed by nothing or by '/', '?' or '#' and anything; it holds "
      "user information (`user@host`), always refused, as it can disguise the host "
      "(`https://bank.example@evil.example/` goes to evil.example); its scheme is not in "
      "`schemes`; its host matches no entry of `hosts`; or it does not match `pattern`. The host "
      "is read strictly: labels of 1 to 63 letters, digits, '-' and '_', joined by '.', at most "
      "253 characters, no label starting or ending with '-', no '.' at the end; a name whose "
      "last label is a number (digits, or 0x and hex digits), which browsers read as an IPv4 "
      "address, must be one in dotted decimal (four numbers 0 to 255 without leading zeros); or "
      "an IPv6 address in brackets. A port, when given, is 1 to 65535; it is not checked "
      "further (use `pattern`). Scheme and host are compared without regard to case. A `hosts` "
      "entry is `example.org` (that host only), `*.example.org` (any host below example.org, "
      "not example.org itself) or `.example.org` (example.org and any host below it); an IPv4 "
      "address may be listed, exactly only. No entry matches an IPv6 address: while `hosts` is "
      "empty, URLs to IPv6 addresses are allowed like any other host; once it is not, they are "
      "refused. `pattern` is matched with RE2 against the whole URL (as if it began with `^` "
      "and ended with `$`), case-sensitively unless it starts with `(?i)`. Each URL makes one "
      "journal record, priority info when it goes on and warning when it is refused, with the "
      "fields URL (the URL as the source sent it, at most `max_length` bytes of it, every byte "
      "other than printable ASCII and every '\\' written \\xNN), URL_HOST (once the host has "
      "been read), URL_DECISION (allowed or refused) and URL_PROBLEM (why it was refused, also "
      "the REASON of the call's summary); bytes that follow an allowed URL later make a second "
      "record, a refusal. Bytes from the destination back to the source pass unchanged and "
      "uncopied: qubes.OpenURL sends none, and `stop_dst` in the chain makes sure of it. In "
      "audit mode the line is still held until it is complete, and a refused URL goes on, with "
      "everything after it.",
      {
          OptionSpec::string_list("schemes",
                                  "Schemes a URL may have, such as \"https\", \"http\", \"ftp\"; "
                                  "at least one.")
              .with_default(std::vector<std::string>{"https"}),
          OptionSpec::string_list(
              "hosts",
              "Hosts a URL may go to: \"example.org\" (that host), \"*.example.org\" (any host "
              "below it), \".example.org\" (both); empty: any host.")
              .with_default(std::vector<std::string>{}),
          OptionSpec::string("pattern",
                             "A regular expression (RE2 syntax) the whole URL must match; empty: "
                             "none. Checked at load: a pattern that does not compile is a config "
                             "error.")
              .with_default(""),
          OptionSpec::integer("max_length",
                              "Bytes the URL may have, its '\\n' not counted: the most the proxy "
                              "holds of it.")
              .with_default(2048)
              .at_least(1)
              .at_most(static_cast<double>(kMaxUrlLength)),
      },
      [](const PluginOptions& options) { return std::make_unique<UrlPlugin>(options); },
  };
  descriptor.validate = validate_url;
  return descriptor;
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_url);

}  // namespace qrexec_proxy
